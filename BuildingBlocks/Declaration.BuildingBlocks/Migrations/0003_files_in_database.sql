-- Stored files live in PostgreSQL (or the object store named by `store`), never on one host's disk.
-- Files stored before this migration are on the disk of the host that received them ('disk'): the app copies each one
-- into the configured store at start (and on first access) and then marks it, so the disk folder can be retired.
ALTER TABLE platform.stored_file ADD COLUMN store text NOT NULL DEFAULT 'disk';
ALTER TABLE platform.stored_file ALTER COLUMN store DROP DEFAULT;

-- The content of a file in the database store: fixed-size chunks in order, so a file is written and read a chunk at a
-- time (bounded memory whatever its size) and is part of every pg_dump / replica / PITR like any other row.
CREATE TABLE platform.stored_file_chunk (
    file_id uuid NOT NULL REFERENCES platform.stored_file (id) ON DELETE CASCADE,
    seq int NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (file_id, seq)
);

-- An upload kept between two requests (批量申报 preview → confirm), for one purpose, one scope (the unit) and one user,
-- until it expires; any host may serve either request.
CREATE TABLE platform.staged_upload (
    token text PRIMARY KEY,
    purpose text NOT NULL,
    scope_id uuid NOT NULL,
    owner_id text NOT NULL,
    file_id uuid NOT NULL REFERENCES platform.stored_file (id) ON DELETE CASCADE,
    file_name text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX staged_upload_expiry ON platform.staged_upload (expires_at);

-- An admin import file and its background job: the file, who uploaded it, the job's state, the lines read so far and the
-- outcome. Whichever host's Hangfire worker runs the job writes here; every host's status page reads here.
CREATE TABLE platform.import_job (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    file_id uuid REFERENCES platform.stored_file (id) ON DELETE SET NULL,
    file_name text NOT NULL,
    user_id text NOT NULL,
    user_name text NOT NULL,
    state text NOT NULL CHECK (state IN ('queued', 'running', 'retrying', 'succeeded', 'rejected', 'failed')),
    lines_read bigint NOT NULL DEFAULT 0,
    attempts int NOT NULL DEFAULT 0,
    host text,
    outcome jsonb,
    last_error text,
    created_at timestamptz NOT NULL,
    started_at timestamptz,
    progress_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX import_job_created ON platform.import_job (created_at DESC);
