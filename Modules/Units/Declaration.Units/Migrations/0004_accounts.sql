-- Accounts administration (issue 13): status, a security stamp that every session carries (a change of role, unit, jurisdiction,
-- password or status replaces it and so ends every open session), temporary passwords that must be changed, optimistic versions.
-- An account may have no local password (created by the accounts import or a first single sign-on).
ALTER TABLE units.account
    ADD COLUMN status text NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Disabled')),
    ADD COLUMN security_stamp uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN must_change_password boolean NOT NULL DEFAULT false,
    ADD COLUMN password_changed_at timestamptz,
    ADD COLUMN version int NOT NULL DEFAULT 1,
    ADD COLUMN updated_at timestamptz;
-- No account may act as the system; a unit binds only an employer, a jurisdiction only a reviewer.
UPDATE units.account SET status = 'Disabled', role = 'Admin' WHERE role NOT IN ('Employer', 'Reviewer', 'Admin');
UPDATE units.account SET unit_id = NULL WHERE role <> 'Employer';
UPDATE units.account SET jurisdiction = NULL WHERE role <> 'Reviewer';
UPDATE units.account SET status = 'Disabled', jurisdiction = '-' WHERE role = 'Reviewer' AND coalesce(jurisdiction, '') = '';
ALTER TABLE units.account
    ADD CONSTRAINT account_role CHECK (role IN ('Employer', 'Reviewer', 'Admin')),
    ADD CONSTRAINT account_binding CHECK ((role = 'Employer') = (unit_id IS NOT NULL) AND (role = 'Reviewer') = (jurisdiction IS NOT NULL));
ALTER TABLE units.account ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE units.account DROP COLUMN failed_count, DROP COLUMN locked_until;
CREATE INDEX account_unit ON units.account (unit_id);

-- Failed sign-ins per (user name, client address) and per user name over all addresses ('*'), for every name typed, whether an
-- account of that name exists or not: the lockout answers the same for both (it never tells whether an account exists).
-- name_key is the SHA-256 of the trimmed, lower-cased name (a password typed into the name field is not kept in clear).
CREATE TABLE units.sign_in_failure (
    name_key text NOT NULL,
    client text NOT NULL,
    failures int NOT NULL,
    first_failed_at timestamptz NOT NULL,
    locked_until timestamptz,
    PRIMARY KEY (name_key, client)
);
CREATE INDEX sign_in_failure_age ON units.sign_in_failure (first_failed_at);

-- Single sign-on: an explicit binding of an OpenID Connect subject (per issuer) to an employer account.
CREATE TABLE units.sso_binding (
    issuer text NOT NULL,
    subject text NOT NULL,
    account_id uuid NOT NULL REFERENCES units.account (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX sso_binding_account ON units.sso_binding (account_id);

-- API keys of integrators: "decl_<id>.<secret>"; only the SHA-256 of the 256-bit secret is kept. A key acts as its account.
CREATE TABLE units.api_key (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES units.account (id) ON DELETE CASCADE,
    name text NOT NULL,
    secret_sha256 bytea NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_key_account ON units.api_key (account_id);

-- Registry facts (region, supervising federation, tax authority) change only by the registry import or an approved request.
-- Reviewers covering the unit's current federation decide; current_* keep what the facts were when the unit asked.
CREATE TABLE units.registry_change_request (
    id uuid PRIMARY KEY,
    unit_id uuid NOT NULL REFERENCES units.unit (id) ON DELETE CASCADE,
    current_region_code text NOT NULL,
    current_federation_code text NOT NULL,
    current_tax_authority_code text NOT NULL,
    region_code text NOT NULL,
    federation_code text NOT NULL,
    tax_authority_code text NOT NULL,
    reason text NOT NULL,
    status text NOT NULL CHECK (status IN ('Pending', 'Approved', 'Rejected', 'Withdrawn')),
    requested_at timestamptz NOT NULL,
    requested_by text NOT NULL,
    decided_at timestamptz,
    decided_by text,
    decision_comment text,
    version int NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX registry_change_one_pending ON units.registry_change_request (unit_id) WHERE status = 'Pending';
CREATE INDEX registry_change_pending ON units.registry_change_request (requested_at) WHERE status = 'Pending';
