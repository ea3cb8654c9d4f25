-- Read model of the `billing` projector: each tenant's link to the billing
-- provider (Stripe customer and subscription) and the subscription's state.
CREATE TABLE rm_billing (
    tenant_id           uuid        PRIMARY KEY,
    customer_id         text        NOT NULL,
    subscription_id     text,
    subscription_status text,
    payment_failed_at   timestamptz,
    updated_at          timestamptz NOT NULL
);
CREATE INDEX rm_billing_by_customer ON rm_billing (customer_id);
