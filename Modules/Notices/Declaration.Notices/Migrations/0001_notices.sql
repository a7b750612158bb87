-- pg_trgm: substring search (Chinese included) over title and body through a GIN trigram index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE notices.notice (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    body_markdown text NOT NULL,
    -- Markdown rendered and sanitised once, at save time.
    body_html text NOT NULL,
    -- lower-cased title + the body's plain text: what the keyword search matches.
    search_text text NOT NULL,
    -- every distinct 2-character substring of search_text: trigrams cannot serve a 2-character keyword (common in Chinese).
    search_bigrams text[] NOT NULL,
    target_region_prefix text NOT NULL CHECK (target_region_prefix ~ '^[0-9]{2,6}$'),
    publish_at timestamptz NOT NULL,
    expires_at timestamptz,
    pinned boolean NOT NULL DEFAULT false,
    withdrawn_at timestamptz,
    -- when NoticePublished was written (a scheduled notice is announced once its time comes).
    announced_at timestamptz,
    author_id text NOT NULL,
    author_name text NOT NULL,
    version int NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (expires_at IS NULL OR expires_at > publish_at)
);
CREATE INDEX notice_search_trgm ON notices.notice USING gin (search_text gin_trgm_ops);
CREATE INDEX notice_search_bigrams ON notices.notice USING gin (search_bigrams);
CREATE INDEX notice_listing ON notices.notice (target_region_prefix, pinned DESC, publish_at DESC) WHERE withdrawn_at IS NULL;
CREATE INDEX notice_recent ON notices.notice (pinned DESC, publish_at DESC);
CREATE INDEX notice_unannounced ON notices.notice (publish_at) WHERE announced_at IS NULL AND withdrawn_at IS NULL;

CREATE TABLE notices.notice_attachment (
    file_id uuid PRIMARY KEY,
    notice_id uuid NOT NULL REFERENCES notices.notice (id) ON DELETE CASCADE,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes bigint NOT NULL,
    uploaded_at timestamptz NOT NULL
);
CREATE INDEX notice_attachment_notice ON notices.notice_attachment (notice_id);

CREATE TABLE notices.notice_read (
    notice_id uuid NOT NULL REFERENCES notices.notice (id) ON DELETE CASCADE,
    account_id text NOT NULL,
    read_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, notice_id)
);

-- Units' contact data as Notices needs it (fed by UnitProfileChanged).
CREATE TABLE notices.unit_contact (
    unit_id uuid PRIMARY KEY,
    credit_code text NOT NULL,
    name text NOT NULL,
    region_code text NOT NULL,
    federation_code text NOT NULL,
    contact_name text NOT NULL,
    contact_mobile text NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX unit_contact_federation ON notices.unit_contact (federation_code text_pattern_ops);

-- The SMS queue: one row per (event, unit); the sender claims due rows and hands them to the gateway.
CREATE TABLE notices.sms_message (
    id uuid PRIMARY KEY,
    event_id uuid NOT NULL,
    unit_id uuid NOT NULL,
    kind text NOT NULL,
    mobile text NOT NULL,
    content text NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error text,
    gateway text,
    gateway_message_id text,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    UNIQUE (event_id, unit_id)
);
CREATE INDEX sms_message_due ON notices.sms_message (next_attempt_at) WHERE status = 'pending';
CREATE INDEX sms_message_recent ON notices.sms_message (created_at DESC);

-- The local gateway's sink: what would have reached the phones (idempotent on the message id).
CREATE TABLE notices.sms_sink (
    message_id uuid PRIMARY KEY,
    mobile text NOT NULL,
    content text NOT NULL,
    received_at timestamptz NOT NULL
);
