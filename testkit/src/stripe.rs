//! A local server that speaks the part of Stripe's REST protocol Ancre uses,
//! so the production client code runs against it:
//!
//! - `POST /v1/checkout/sessions` and `POST /v1/billing_portal/sessions`,
//!   authenticated with `Authorization: Bearer sk_…`, bodies form-encoded
//!   with Stripe's bracket notation (`line_items[0][price]=…`); answers are
//!   Stripe JSON objects (`{"id": "cs_test_…", "object": "checkout.session",
//!   "url": …}`), errors `{"error": {"type", "message", "param"?, "code"?}}`
//!   with Stripe's statuses (401 bad key, 400 missing or bad parameter, 404
//!   unknown customer).
//! - [`sign`]: a webhook payload signed as Stripe signs it
//!   (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`).

// A refusal here *is* the HTTP response the fake sends: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

pub const SECRET_KEY: &str = "sk_test_ancre";
pub const WEBHOOK_SECRET: &str = "whsec_test_ancre";
pub const PRICE_PRO: &str = "price_test_pro";

/// A request the server received: its path and form fields.
#[derive(Debug, Clone, PartialEq)]
pub struct StripeRequest {
    pub path: String,
    pub form: BTreeMap<String, String>,
}

#[derive(Default)]
struct Shared {
    requests: Vec<StripeRequest>,
    /// Customers the portal knows.
    customers: Vec<String>,
}

pub struct FakeStripe {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeStripe {
    pub async fn start() -> FakeStripe {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let app = Router::new()
            .route("/v1/checkout/sessions", post(checkout))
            .route("/v1/billing_portal/sessions", post(portal))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeStripe { addr, shared, task }
    }

    /// The API base a client is configured with (Stripe's is `https://api.stripe.com`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Lets the portal open sessions for this customer.
    pub fn add_customer(&self, id: &str) {
        self.shared.lock().unwrap().customers.push(id.to_owned());
    }

    pub fn requests(&self) -> Vec<StripeRequest> {
        self.shared.lock().unwrap().requests.clone()
    }
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn error(status: StatusCode, message: &str, param: Option<&str>, code: Option<&str>) -> Response {
    let mut e = json!({ "type": "invalid_request_error", "message": message });
    if let Some(p) = param {
        e["param"] = json!(p);
    }
    if let Some(c) = code {
        e["code"] = json!(c);
    }
    (status, Json(json!({ "error": e }))).into_response()
}

/// Checks the key and content type, records the request, parses the form.
fn accept(
    shared: &Mutex<Shared>,
    path: &str,
    headers: &HeaderMap,
    body: &str,
) -> Result<BTreeMap<String, String>, Response> {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if auth != format!("Bearer {SECRET_KEY}") {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "Invalid API Key provided: sk_test_***",
            None,
            None,
        ));
    }
    let form_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if !form_type {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "Invalid request: send application/x-www-form-urlencoded",
            None,
            None,
        ));
    }
    let form: BTreeMap<String, String> = url_decode_pairs(body);
    shared.lock().unwrap().requests.push(StripeRequest {
        path: path.to_owned(),
        form: form.clone(),
    });
    Ok(form)
}

fn url_decode_pairs(body: &str) -> BTreeMap<String, String> {
    let decode = |s: &str| -> String {
        let bytes = s.replace('+', " ").into_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                if let Ok(b) = u8::from_str_radix(hex, 16) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn require<'a>(form: &'a BTreeMap<String, String>, name: &str) -> Result<&'a str, Response> {
    form.get(name).map(String::as_str).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            &format!("Missing required param: {name}."),
            Some(name),
            Some("parameter_missing"),
        )
    })
}

async fn checkout(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = match accept(&shared, "/v1/checkout/sessions", &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let checked = (|| {
        if require(&form, "mode")? != "subscription" {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "Invalid mode",
                Some("mode"),
                None,
            ));
        }
        let price = require(&form, "line_items[0][price]")?;
        if price != PRICE_PRO {
            return Err(error(
                StatusCode::BAD_REQUEST,
                &format!("No such price: '{price}'"),
                Some("line_items[0][price]"),
                Some("resource_missing"),
            ));
        }
        require(&form, "line_items[0][quantity]")?;
        require(&form, "success_url")?;
        require(&form, "cancel_url")?;
        Ok(())
    })();
    if let Err(r) = checked {
        return r;
    }
    let id = format!("cs_test_{}", uuid::Uuid::new_v4().simple());
    Json(json!({
        "id": id,
        "object": "checkout.session",
        "mode": "subscription",
        "client_reference_id": form.get("client_reference_id"),
        "url": format!("https://checkout.stripe.test/c/pay/{id}"),
    }))
    .into_response()
}

async fn portal(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = match accept(&shared, "/v1/billing_portal/sessions", &headers, &body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let customer = match require(&form, "customer") {
        Ok(c) => c.to_owned(),
        Err(r) => return r,
    };
    if !shared.lock().unwrap().customers.contains(&customer) {
        return error(
            StatusCode::NOT_FOUND,
            &format!("No such customer: '{customer}'"),
            Some("customer"),
            Some("resource_missing"),
        );
    }
    let id = format!("bps_{}", uuid::Uuid::new_v4().simple());
    Json(json!({
        "id": id,
        "object": "billing_portal.session",
        "customer": customer,
        "return_url": form.get("return_url"),
        "url": format!("https://billing.stripe.test/p/session/{id}"),
    }))
    .into_response()
}

/// The `Stripe-Signature` header Stripe would send with `payload` at `timestamp`.
pub fn sign(secret: &str, payload: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// A Stripe event as delivered to a webhook.
pub fn event(id: &str, kind: &str, created: i64, object: Value) -> Value {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2024-06-20",
        "type": kind,
        "created": created,
        "livemode": false,
        "data": { "object": object },
    })
}
