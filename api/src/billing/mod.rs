//! Billing with Stripe: Checkout sessions to subscribe to Pro, Billing
//! Portal sessions to manage the subscription, and the webhook that turns
//! Stripe's notices into tenant events (`BillingNoticeRecorded`, and
//! `TenantPlanChanged` when the plan moves).
//!
//! - [`client`]: Stripe's REST API (form-encoded requests, JSON objects and errors).
//! - [`webhook`]: `Stripe-Signature` verification and reading a notice.

pub mod client;
pub mod webhook;

use std::time::Duration;

/// `STRIPE_SECRET_KEY` (billing is off without it), `STRIPE_WEBHOOK_SECRET`,
/// `STRIPE_PRICE_PRO` (the Pro plan's price), `ANCRE_STRIPE_API_BASE`
/// (`https://api.stripe.com`), `ANCRE_PUBLIC_URL` (where Checkout and the
/// Portal send the user back; `http://localhost:8000`).
#[derive(Clone)]
pub struct StripeConfig {
    pub secret_key: String,
    pub webhook_secret: String,
    pub price_pro: String,
    pub api_base: String,
    pub public_url: String,
    /// How old a webhook's signed timestamp may be (Stripe's libraries: 300 s).
    pub webhook_tolerance: Duration,
    pub timeout: Duration,
}

/// Without the secrets: configurations get logged.
impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("price_pro", &self.price_pro)
            .field("api_base", &self.api_base)
            .field("public_url", &self.public_url)
            .field("webhook_tolerance", &self.webhook_tolerance)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}
