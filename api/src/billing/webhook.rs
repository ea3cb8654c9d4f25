//! Stripe webhooks: the signature is checked as Stripe's own libraries do
//! (`Stripe-Signature: t=<unix>,v1=<hex>`; HMAC-SHA256 of `"<t>.<body>"` with
//! the endpoint's secret, compared in constant time, `t` within the
//! tolerance), then the event is read into a [`BillingNotice`].

use std::time::Duration;

use ancre_domain::tenant::{BillingChange, BillingNotice};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the Stripe-Signature header is missing or malformed")]
    Malformed,
    #[error("the webhook's timestamp is outside the tolerance of {0} seconds")]
    Stale(u64),
    #[error("no signature matches this payload")]
    Mismatch,
}

/// Checks `header` for `payload` at `now` (Unix seconds).
pub fn verify(
    secret: &str,
    payload: &[u8],
    header: &str,
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", sig)) => signatures.push(sig),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let tolerance_secs = tolerance.as_secs();
    if (now - timestamp).unsigned_abs() > tolerance_secs {
        return Err(SignatureError::Stale(tolerance_secs));
    }
    for signature in signatures {
        let Some(expected) = hex(signature) else {
            continue;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
            .expect("HMAC accepts keys of any length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(payload);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// What an event says, for the tenant it names (if it names one).
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub notice: BillingNotice,
    /// From the subscription's metadata, which Checkout sets.
    pub tenant_id: Option<String>,
}

/// Reads the events Ancre acts on; `Ok(None)` for the others.
pub fn read(event: &Value) -> Result<Option<Notice>, String> {
    let field = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let id = field(event, "id").ok_or("the event has no id")?;
    let kind = field(event, "type").ok_or("the event has no type")?;
    let created = event
        .get("created")
        .and_then(Value::as_i64)
        .ok_or("the event has no created time")?;
    let object = event
        .pointer("/data/object")
        .ok_or("the event has no data.object")?;
    let customer = match object.get("customer") {
        Some(Value::String(c)) => c.clone(),
        // Expanded: the customer object itself.
        Some(Value::Object(c)) => c.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
        _ => String::new(),
    };
    let (change, subscription, metadata) = match kind.as_str() {
        "customer.subscription.created" | "customer.subscription.updated" => (
            BillingChange::Subscription {
                status: field(object, "status").ok_or("the subscription has no status")?,
            },
            field(object, "id"),
            object.get("metadata"),
        ),
        "customer.subscription.deleted" => (
            BillingChange::SubscriptionDeleted,
            field(object, "id"),
            object.get("metadata"),
        ),
        "invoice.payment_failed" => (
            BillingChange::PaymentFailed {
                invoice_id: field(object, "id").ok_or("the invoice has no id")?,
            },
            field(object, "subscription"),
            object
                .pointer("/subscription_details/metadata")
                .or_else(|| object.pointer("/parent/subscription_details/metadata")),
        ),
        _ => return Ok(None),
    };
    if customer.is_empty() {
        return Err(format!("the {kind} event names no customer"));
    }
    Ok(Some(Notice {
        tenant_id: metadata.and_then(|m| field(m, "tenant_id")),
        notice: BillingNotice {
            event_id: id,
            created,
            customer_id: customer,
            subscription_id: subscription,
            change,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_unit";

    /// Signed as Stripe signs: the testkit's signer, independent of `verify`.
    fn signed(payload: &str, t: i64) -> String {
        ancre_testkit::stripe::sign(SECRET, payload, t)
    }

    #[test]
    fn a_signature_is_checked_against_the_payload_and_time() {
        let tolerance = Duration::from_secs(300);
        let header = signed("{}", 1000);
        assert_eq!(verify(SECRET, b"{}", &header, 1100, tolerance), Ok(()));
        assert_eq!(
            verify(SECRET, b"{ }", &header, 1100, tolerance),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, b"{}", &header, 1301, tolerance),
            Err(SignatureError::Stale(300))
        );
        assert_eq!(
            verify("whsec_other", b"{}", &header, 1100, tolerance),
            Err(SignatureError::Mismatch)
        );
        for bad in ["", "t=1000", "v1=00", "t=x,v1=00"] {
            assert_eq!(
                verify(SECRET, b"{}", bad, 1100, tolerance),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        // Several signatures (a secret being rolled): one matching is enough.
        let rolled = format!("{},v1=deadbeef", signed("{}", 1000));
        assert_eq!(verify(SECRET, b"{}", &rolled, 1000, tolerance), Ok(()));
    }
}
