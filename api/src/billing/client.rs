//! Stripe's REST API, the two calls Ancre makes: create a Checkout session
//! (subscription to the Pro price) and a Billing Portal session.

use serde::Deserialize;

use super::StripeConfig;

#[derive(Debug, thiserror::Error)]
pub enum StripeError {
    /// Stripe answered with an error object (bad key, bad parameter, unknown customer).
    #[error("Stripe refused the request ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
}

/// A session the user is sent to.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub id: String,
    pub url: String,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    message: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Clone)]
pub struct StripeClient {
    config: StripeConfig,
    http: reqwest::Client,
}

impl StripeClient {
    pub fn new(config: StripeConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .expect("an HTTP client");
        StripeClient { config, http }
    }

    pub fn config(&self) -> &StripeConfig {
        &self.config
    }

    /// A Checkout session subscribing `tenant` to Pro; the subscription
    /// carries the tenant id in its metadata, so its webhooks name it.
    pub async fn checkout(
        &self,
        tenant: &str,
        customer: Option<&str>,
    ) -> Result<Session, StripeError> {
        let base = self.config.public_url.trim_end_matches('/');
        let mut form = vec![
            ("mode", "subscription".to_owned()),
            ("line_items[0][price]", self.config.price_pro.clone()),
            ("line_items[0][quantity]", "1".to_owned()),
            ("success_url", format!("{base}/billing?checkout=success")),
            ("cancel_url", format!("{base}/billing?checkout=cancelled")),
            ("client_reference_id", tenant.to_owned()),
            ("metadata[tenant_id]", tenant.to_owned()),
            ("subscription_data[metadata][tenant_id]", tenant.to_owned()),
        ];
        if let Some(customer) = customer {
            form.push(("customer", customer.to_owned()));
        }
        self.post("/v1/checkout/sessions", &form).await
    }

    /// A Billing Portal session for `customer`.
    pub async fn portal(&self, customer: &str) -> Result<Session, StripeError> {
        let base = self.config.public_url.trim_end_matches('/');
        let form = vec![
            ("customer", customer.to_owned()),
            ("return_url", format!("{base}/billing")),
        ];
        self.post("/v1/billing_portal/sessions", &form).await
    }

    async fn post(&self, path: &str, form: &[(&str, String)]) -> Result<Session, StripeError> {
        let url = format!("{}{path}", self.config.api_base.trim_end_matches('/'));
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.config.secret_key)
            .form(form)
            .send()
            .await
            .map_err(|e| StripeError::Unreachable(e.to_string()))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| StripeError::Unreachable(e.to_string()))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<ErrorBody>(&body)
                .ok()
                .map(|b| {
                    let kind = b.error.kind.unwrap_or_default();
                    let message = b.error.message.unwrap_or_default();
                    format!("{message} ({kind})")
                })
                .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
            return Err(StripeError::Refused {
                status: status.as_u16(),
                message,
            });
        }
        serde_json::from_slice(&body)
            .map_err(|e| StripeError::Unreachable(format!("an unexpected answer: {e}")))
    }
}
