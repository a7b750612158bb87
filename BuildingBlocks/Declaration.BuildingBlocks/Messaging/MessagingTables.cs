namespace Declaration.BuildingBlocks.Messaging;

/// <summary>
/// The outbox and inbox of every module schema, as forward-only scripts journaled with the module's own migrations
/// (names <c>messaging/N</c>). Script 1 is what every schema has had from the start; later scripts change it.
/// </summary>
internal static class MessagingTables
{
    public static IReadOnlyList<(string Name, string Sql)> Scripts(string schema) =>
    [
        ("messaging/1", $"""
            CREATE TABLE IF NOT EXISTS {schema}.outbox (
                id uuid PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, occurred_at timestamptz NOT NULL,
                sent_at timestamptz, attempts int NOT NULL DEFAULT 0, last_error text);
            CREATE INDEX IF NOT EXISTS outbox_unsent ON {schema}.outbox (occurred_at) WHERE sent_at IS NULL;
            CREATE TABLE IF NOT EXISTS {schema}.inbox (
                message_id uuid NOT NULL, consumer text NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (message_id, consumer));
            """),
        // Durable delivery: an outbox row is "sent" once a row for every subscribing handler exists in that handler's module
        // inbox (same transaction), and an inbox row is "processed" in the transaction of the handler's own changes. Failures
        // are counted, retried after a back-off and parked after MaxAttempts, never dropped.
        ("messaging/2", $"""
            ALTER TABLE {schema}.outbox ADD COLUMN IF NOT EXISTS seq bigserial, ADD COLUMN IF NOT EXISTS parked_at timestamptz;
            DROP INDEX IF EXISTS {schema}.outbox_unsent;
            CREATE INDEX IF NOT EXISTS outbox_pending ON {schema}.outbox (seq) WHERE sent_at IS NULL AND parked_at IS NULL;
            CREATE INDEX IF NOT EXISTS outbox_parked ON {schema}.outbox (parked_at) WHERE parked_at IS NOT NULL AND sent_at IS NULL;
            ALTER TABLE {schema}.inbox
                ADD COLUMN IF NOT EXISTS id bigserial,
                ADD COLUMN IF NOT EXISTS type text,
                ADD COLUMN IF NOT EXISTS payload jsonb,
                ADD COLUMN IF NOT EXISTS received_at timestamptz,
                ADD COLUMN IF NOT EXISTS attempts int NOT NULL DEFAULT 0,
                ADD COLUMN IF NOT EXISTS next_attempt_at timestamptz,
                ADD COLUMN IF NOT EXISTS last_error text,
                ADD COLUMN IF NOT EXISTS parked_at timestamptz;
            ALTER TABLE {schema}.inbox ALTER COLUMN processed_at DROP NOT NULL, ALTER COLUMN processed_at DROP DEFAULT;
            CREATE INDEX IF NOT EXISTS inbox_pending ON {schema}.inbox (id) WHERE processed_at IS NULL AND parked_at IS NULL;
            CREATE INDEX IF NOT EXISTS inbox_parked ON {schema}.inbox (parked_at) WHERE parked_at IS NOT NULL AND processed_at IS NULL;
            """),
        // An inbox row is marked processed (or failed, or re-queued) by its id; the partial index above does not serve those updates,
        // so each one read the whole inbox — quadratic in the events of a province's import (found generating 50,000 units: 2,000
        // events a minute and falling).
        ("messaging/3", $"""
            CREATE UNIQUE INDEX IF NOT EXISTS inbox_id ON {schema}.inbox (id);
            """),
    ];
}
