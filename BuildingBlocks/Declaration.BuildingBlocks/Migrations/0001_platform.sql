-- Owned by BuildingBlocks: the audit log of every change a person makes, in every module.
CREATE TABLE platform.audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    module text NOT NULL,
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    unit_id uuid,
    action text NOT NULL,
    actor_id text NOT NULL,
    actor_name text NOT NULL,
    actor_role text NOT NULL,
    ip text,
    before jsonb,
    after jsonb
);
CREATE INDEX audit_log_unit ON platform.audit_log (unit_id, at DESC);
CREATE INDEX audit_log_entity ON platform.audit_log (entity_type, entity_id, at DESC);

CREATE TABLE platform.stored_file (
    id uuid PRIMARY KEY,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    sha256 text NOT NULL,
    stored_at timestamptz NOT NULL
);

-- Every accepted import file: who, when, how many rows, which file (hash).
CREATE TABLE platform.import_history (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    file_sha256 text NOT NULL,
    rows bigint NOT NULL,
    inserted bigint NOT NULL,
    updated bigint NOT NULL,
    imported_by text NOT NULL,
    imported_at timestamptz NOT NULL
);
