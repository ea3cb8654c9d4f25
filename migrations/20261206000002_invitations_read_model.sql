-- Read model of the `invitations` projector: invitations to join a tenant
-- that the invited user has neither accepted nor declined, and no owner has
-- withdrawn. Memberships need consent: an owner invites, the user accepts.
CREATE TABLE rm_tenant_invitations (
    tenant_id  uuid        NOT NULL,
    user_id    text        NOT NULL,
    role       text        NOT NULL,
    invited_by text        NOT NULL,
    invited_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX rm_tenant_invitations_by_user ON rm_tenant_invitations (user_id);
