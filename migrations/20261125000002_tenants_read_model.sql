-- Read models of the `tenants` projector. Plain tables shaped for the API's
-- queries; they can be dropped and rebuilt from the log at any time.
CREATE TABLE rm_tenants (
    tenant_id  uuid        PRIMARY KEY,
    name       text        NOT NULL,
    plan       text        NOT NULL,
    status     text        NOT NULL,
    suspension_reason text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE rm_tenant_members (
    tenant_id uuid        NOT NULL REFERENCES rm_tenants (tenant_id) ON DELETE CASCADE,
    user_id   text        NOT NULL,
    role      text        NOT NULL,
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX rm_tenant_members_by_user ON rm_tenant_members (user_id);

CREATE TABLE rm_api_keys (
    key_id      uuid        PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES rm_tenants (tenant_id) ON DELETE CASCADE,
    name        text        NOT NULL,
    prefix      text        NOT NULL,
    secret_hash text        NOT NULL UNIQUE,
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX rm_api_keys_by_tenant ON rm_api_keys (tenant_id);
