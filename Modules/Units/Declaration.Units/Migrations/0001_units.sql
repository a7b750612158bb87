CREATE TABLE units.unit (
    id uuid PRIMARY KEY,
    credit_code text NOT NULL UNIQUE,
    name text NOT NULL,
    unit_type text NOT NULL,
    region_code text NOT NULL,
    federation_code text NOT NULL,
    tax_authority_code text NOT NULL,
    legal_representative text NOT NULL,
    legal_phone text NOT NULL,
    contact_name text NOT NULL,
    contact_mobile text NOT NULL,
    address text,
    profile_confirmed_at timestamptz,
    version int NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX unit_federation ON units.unit (federation_code text_pattern_ops);
CREATE INDEX unit_name ON units.unit (name text_pattern_ops);

CREATE TABLE units.related_unit (
    id uuid PRIMARY KEY,
    unit_id uuid NOT NULL REFERENCES units.unit (id) ON DELETE CASCADE,
    related_credit_code text NOT NULL,
    related_name text NOT NULL,
    relation_type text NOT NULL,
    valid_from date NOT NULL,
    valid_to date,
    region_code text,
    address text,
    phone text,
    version int NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (unit_id, related_credit_code, relation_type, valid_from),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);

CREATE TABLE units.related_unit_evidence (
    file_id uuid PRIMARY KEY,
    related_unit_id uuid NOT NULL REFERENCES units.related_unit (id) ON DELETE CASCADE,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    uploaded_at timestamptz NOT NULL,
    uploaded_by text NOT NULL
);

CREATE TABLE units.account (
    id uuid PRIMARY KEY,
    user_name text NOT NULL UNIQUE,
    display_name text NOT NULL,
    password_hash text NOT NULL,
    role text NOT NULL,
    unit_id uuid REFERENCES units.unit (id),
    jurisdiction text,
    failed_count int NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at timestamptz NOT NULL
);
