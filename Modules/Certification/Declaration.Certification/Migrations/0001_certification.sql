-- Linkage data (FORMATS.md). IdNumbers are held as a blind index (id_hash) for joins; the readable values are encrypted.
CREATE TABLE certification.certificate (
    id_hash bytea NOT NULL,
    certificate_type text NOT NULL,
    issued_on date NOT NULL,
    name text NOT NULL,
    certificate_number_enc bytea NOT NULL,
    certificate_number_hash bytea NOT NULL,
    category smallint,
    level smallint NOT NULL,
    valid_until date,
    revoked_on date,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (id_hash, certificate_type, issued_on)
);

CREATE TABLE certification.social_insurance (
    id_hash bytea NOT NULL,
    payer_credit_code text NOT NULL,
    month date NOT NULL,
    insurance_type text NOT NULL,
    paid boolean NOT NULL,
    PRIMARY KEY (id_hash, month, payer_credit_code, insurance_type)
);

CREATE TABLE certification.wage (
    id_hash bytea NOT NULL,
    payer_credit_code text NOT NULL,
    month date NOT NULL,
    gross_wage numeric(14,2) NOT NULL,
    PRIMARY KEY (id_hash, month, payer_credit_code)
);

CREATE TABLE certification.minimum_wage (
    region_code text NOT NULL,
    effective_from date NOT NULL,
    monthly_minimum numeric(12,2) NOT NULL,
    PRIMARY KEY (region_code, effective_from)
);

-- Projection of Units' facts the engine needs (fed by UnitProfileChanged / RelatedUnitsChanged, refreshed on demand).
CREATE TABLE certification.unit (
    id uuid PRIMARY KEY,
    credit_code text NOT NULL,
    name text NOT NULL,
    region_code text NOT NULL,
    federation_code text NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX unit_credit_code ON certification.unit (credit_code);

CREATE TABLE certification.related_unit (
    unit_id uuid NOT NULL,
    related_credit_code text NOT NULL,
    relation_type text NOT NULL,
    valid_from date NOT NULL,
    valid_to date,
    PRIMARY KEY (unit_id, related_credit_code, relation_type, valid_from)
);

-- The facts of each placement as declared (handed over by Placement in CertifyPlacement) and its review state.
CREATE TABLE certification.placement (
    id uuid PRIMARY KEY,
    unit_id uuid NOT NULL,
    credit_code text NOT NULL,
    business_year int NOT NULL,
    id_hash bytea NOT NULL,
    id_number_enc bytea NOT NULL,
    masked_id text NOT NULL,
    name_enc bytea NOT NULL,
    masked_name text NOT NULL,
    certificate_type text NOT NULL,
    certificate_number_enc bytea NOT NULL,
    employment_start date NOT NULL,
    employment_end date,
    contract_type text NOT NULL,
    contract_start date NOT NULL,
    contract_end date,
    contract_ok boolean NOT NULL,
    monthly_wage numeric(14,2) NOT NULL,
    retirement_base50 boolean NOT NULL,
    age16_month date NOT NULL,
    retirement_month date NOT NULL,
    state text NOT NULL DEFAULT 'Draft',
    disputed_months int[] NOT NULL DEFAULT '{}',
    dispute_reason text,
    return_reason text,
    submitted_at timestamptz,
    confirmed_at timestamptz,
    confirmed_person_months int,
    dirty boolean NOT NULL DEFAULT false,
    certified_at timestamptz,
    updated_at timestamptz NOT NULL
);
CREATE INDEX placement_person ON certification.placement (id_hash, business_year);
CREATE INDEX placement_unit ON certification.placement (unit_id, business_year);
CREATE INDEX placement_dirty ON certification.placement (business_year, unit_id) WHERE dirty;
CREATE INDEX placement_queue ON certification.placement (state, business_year) WHERE state IN ('AwaitingReview', 'Disputed');

-- The automatic result per placement and month (RULES.md §3–4). cover_weight: 2/1 when a severe/plain certificate covers the month, else 0.
CREATE TABLE certification.month_result (
    placement_id uuid NOT NULL REFERENCES certification.placement (id) ON DELETE CASCADE,
    month smallint NOT NULL,
    qualifies boolean NOT NULL,
    weight smallint NOT NULL,
    cover_weight smallint NOT NULL,
    reasons text[] NOT NULL,
    flags text[] NOT NULL,
    PRIMARY KEY (placement_id, month)
);

-- A reviewer's decision on one month.
CREATE TABLE certification.month_decision (
    placement_id uuid NOT NULL REFERENCES certification.placement (id) ON DELETE CASCADE,
    month smallint NOT NULL,
    granted boolean NOT NULL,
    comment text NOT NULL,
    decided_by text NOT NULL,
    decided_at timestamptz NOT NULL,
    PRIMARY KEY (placement_id, month)
);
