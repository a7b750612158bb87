-- A check value (HMAC-SHA256 of a fixed text under the key) of every personal-data key the data was written with, by kind and
-- id: a host configured with a different key under a known id refuses to start instead of writing unreadable ciphertexts or
-- blind indexes that silently never match.
CREATE TABLE platform.key_check (
    kind text NOT NULL CHECK (kind IN ('encryption', 'blind-index')),
    key_id int NOT NULL,
    check_value bytea NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, key_id)
);
