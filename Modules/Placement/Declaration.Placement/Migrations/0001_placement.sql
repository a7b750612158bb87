-- Placements per (unit, business year, person). IdNumber, name and certificate number are personal data:
-- stored encrypted (AES-256-GCM), found by a keyed hash (blind index), shown masked in lists.
CREATE TABLE placement.placement (
    id uuid PRIMARY KEY,
    unit_id uuid NOT NULL,
    credit_code text NOT NULL,
    business_year int NOT NULL,
    id_number_enc bytea NOT NULL,
    id_number_index bytea NOT NULL,
    id_number_masked text NOT NULL,
    name_enc bytea NOT NULL,
    name_masked text NOT NULL,
    certificate_type text NOT NULL,
    certificate_number_enc bytea NOT NULL,
    category int,
    level int,
    employment_start date NOT NULL,
    employment_end date,
    contract_type text NOT NULL,
    contract_start date NOT NULL,
    contract_end date,
    monthly_wage numeric(12, 2) NOT NULL,
    retirement_base_50 boolean NOT NULL DEFAULT false,
    phone text,
    state text NOT NULL,
    disputed_months int[] NOT NULL DEFAULT '{}',
    dispute_reason text,
    return_reason text,
    -- keyed hash of every declared fact: an import that changes nothing is recognised without decrypting.
    facts_hash bytea NOT NULL,
    version int NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    submitted_at timestamptz,
    UNIQUE (unit_id, business_year, id_number_index),
    CHECK (state IN ('Draft', 'AwaitingReview', 'Disputed', 'Confirmed', 'Returned'))
);
CREATE INDEX placement_unit_year ON placement.placement (unit_id, business_year);
CREATE INDEX placement_credit_year ON placement.placement (credit_code, business_year);

CREATE TABLE placement.dispute_evidence (
    file_id uuid PRIMARY KEY,
    placement_id uuid NOT NULL REFERENCES placement.placement (id) ON DELETE CASCADE,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    uploaded_at timestamptz NOT NULL,
    uploaded_by text NOT NULL
);
CREATE INDEX dispute_evidence_placement ON placement.dispute_evidence (placement_id);

-- Unit-years unlocked by an approved reopen request (AnnualReviewReopened): Confirmed placements become editable again
-- until the year is certified again (AnnualCertificationCompleted).
CREATE TABLE placement.unlocked_year (
    unit_id uuid NOT NULL,
    business_year int NOT NULL,
    unlocked_at timestamptz NOT NULL,
    PRIMARY KEY (unit_id, business_year)
);
