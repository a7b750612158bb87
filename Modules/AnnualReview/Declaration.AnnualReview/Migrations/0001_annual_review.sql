-- AnnualReview (RULES.md §6): the unit-year state machine, its projection of placement states, declaration windows,
-- certificates (PDF bytes + SHA-256) and reopen requests.

-- One row per unit and business year once anything happened to it; no row = NotStarted.
CREATE TABLE annual_review.unit_year (
    unit_id uuid NOT NULL,
    business_year int NOT NULL,
    state text NOT NULL CHECK (state IN ('NotStarted', 'InProgress', 'ReadyToCertify', 'Certified', 'ReopenRequested')),
    current_certificate_id uuid,
    version int NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (unit_id, business_year)
);
CREATE INDEX unit_year_year_state ON annual_review.unit_year (business_year, state);

-- Our own view of each placement's state, fed by Placement's and Certification's events.
CREATE TABLE annual_review.placement_state (
    placement_id uuid PRIMARY KEY,
    unit_id uuid NOT NULL,
    business_year int NOT NULL,
    state text NOT NULL CHECK (state IN ('Draft', 'AwaitingReview', 'Disputed', 'Confirmed', 'Returned', 'Withdrawn')),
    person_months int,
    event_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX placement_state_unit_year ON annual_review.placement_state (unit_id, business_year);

-- Per-year overrides of the declaration window (admins edit them; the defaults come from configuration).
CREATE TABLE annual_review.declaration_window (
    business_year int PRIMARY KEY,
    opens_on date NOT NULL,
    closes_on date NOT NULL,
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (closes_on >= opens_on)
);

CREATE TABLE annual_review.certificate (
    id uuid PRIMARY KEY,
    certificate_number text NOT NULL UNIQUE,
    short_code text NOT NULL UNIQUE,
    unit_id uuid NOT NULL,
    business_year int NOT NULL,
    unit_name text NOT NULL,
    person_months int NOT NULL,
    certified_count numeric(12, 2) NOT NULL,
    accepted_by text NOT NULL,
    accepted_by_name text NOT NULL,
    accepted_ip text,
    accepted_at timestamptz NOT NULL,
    commitment_text text NOT NULL,
    pdf bytea NOT NULL,
    sha256 text NOT NULL,
    revoked_at timestamptz,
    revoked_reason text
);
CREATE INDEX certificate_unit_year ON annual_review.certificate (unit_id, business_year, accepted_at DESC);
-- At most one valid certificate per unit-year.
CREATE UNIQUE INDEX certificate_one_valid ON annual_review.certificate (unit_id, business_year) WHERE revoked_at IS NULL;

CREATE TABLE annual_review.reopen_request (
    id uuid PRIMARY KEY,
    unit_id uuid NOT NULL,
    business_year int NOT NULL,
    certificate_id uuid NOT NULL REFERENCES annual_review.certificate (id),
    reason text NOT NULL,
    requested_by text NOT NULL,
    requested_by_name text NOT NULL,
    requested_at timestamptz NOT NULL,
    decided_by text,
    decided_by_name text,
    decided_at timestamptz,
    approved boolean,
    comment text
);
CREATE INDEX reopen_request_unit_year ON annual_review.reopen_request (unit_id, business_year, requested_at DESC);
-- At most one pending request per unit-year.
CREATE UNIQUE INDEX reopen_request_one_pending ON annual_review.reopen_request (unit_id, business_year) WHERE decided_at IS NULL;
