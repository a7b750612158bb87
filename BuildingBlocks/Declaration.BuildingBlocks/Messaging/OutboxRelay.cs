using Dapper;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>
/// Moves committed outbox rows on. Rows are claimed in order with FOR UPDATE SKIP LOCKED, so any number of relays (hosts)
/// hand each row on once; a row is marked sent only in the transaction that handed it on durably:
/// <list type="bullet">
/// <item>embedded (no broker): one inbox row per subscribing handler, in the handler's module schema, in the same transaction;</item>
/// <item>with RabbitMQ: published with publisher confirms (persistent, to durable queues) before the row is marked sent.</item>
/// </list>
/// A killed relay leaves its rows unsent (the transaction never committed); a row sent twice is absorbed by the inbox key.
/// A row that cannot be handed on (an unknown event type) is parked with its error, listed and re-drivable, never dropped.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource dataSource, IEnumerable<ModuleDescriptor> modules, EventTypeMap types,
    IEventTransport transport, IOptions<MessagingOptions> options, DeliverySignal signal, ILogger<OutboxRelay> logger, TimeProvider clock)
{
    /// <summary>
    /// One pass over every module's outbox, the outboxes at once (each its own connection and transaction): under load a pass
    /// takes as long as its slowest outbox, not the sum of six; returns how many rows were handed on.
    /// </summary>
    public async Task<int> ProcessOnceAsync(CancellationToken ct)
    {
        var sent = (await Task.WhenAll(modules.Select(m => ProcessSchemaAsync(m.Schema, ct)))).Sum();
        if (sent > 0) signal.Pulse();
        return sent;
    }

    private async Task<int> ProcessSchemaAsync(string schema, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var rows = (await connection.QueryAsync<OutboxRow>(new CommandDefinition(
            $"SELECT id, type, payload::text AS payload, seq FROM {schema}.outbox WHERE sent_at IS NULL AND parked_at IS NULL ORDER BY seq LIMIT @batch FOR UPDATE SKIP LOCKED",
            new { batch = options.Value.BatchSize }, tx, cancellationToken: ct))).AsList();
        if (rows.Count == 0) return 0;
        var now = clock.GetUtcNow();
        var unknown = rows.Where(r => types.Resolve(r.Type) is null).ToList();
        if (unknown.Count > 0)
        {
            logger.LogError("Outbox rows of unknown event types parked in {Schema}: {Types}", schema, string.Join(", ", unknown.Select(u => u.Type).Distinct()));
            await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE {schema}.outbox SET parked_at = @now, attempts = attempts + 1, last_error = 'unknown event type ' || type WHERE id = ANY(@ids)",
                new { now, ids = unknown.Select(u => u.Id).ToArray() }, tx, cancellationToken: ct));
        }
        var known = rows.Where(r => types.Resolve(r.Type) is not null).ToList();
        await transport.HandOnAsync(connection, tx, schema, known, now, ct);
        await connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE {schema}.outbox SET sent_at = @now, attempts = attempts + 1, last_error = NULL WHERE id = ANY(@ids)",
            new { now, ids = known.Select(r => r.Id).ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return known.Count;
    }
}

/// <summary>A claimed outbox row.</summary>
public sealed record OutboxRow
{
    public Guid Id { get; init; }
    public string Type { get; init; } = null!;
    public string Payload { get; init; } = null!;
    public long Seq { get; init; }
}

/// <summary>How claimed outbox rows reach their subscribers. Runs inside the relay's transaction; throws to leave the rows unsent.</summary>
public interface IEventTransport
{
    /// <summary>
    /// Whether an event of this type (its name in the outbox) goes anywhere: with the database fan-out only a type some composed module
    /// handles; with a broker every type (subscribers outside this process may bind to it).
    /// </summary>
    bool Carries(string type);

    Task HandOnAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string schema, IReadOnlyList<OutboxRow> rows, DateTimeOffset now, CancellationToken ct);
}

/// <summary>The embedded default: fan-out into the subscribers' inbox tables, in the relay's transaction. Nothing is ever only in memory.</summary>
internal sealed class DatabaseTransport(SubscriptionMap subscriptions) : IEventTransport
{
    public bool Carries(string type) => subscriptions.ByEventType.ContainsKey(type);

    public async Task HandOnAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string schema, IReadOnlyList<OutboxRow> rows, DateTimeOffset now, CancellationToken ct)
    {
        var deliveries = rows
            .SelectMany(r => subscriptions.ByEventType.GetValueOrDefault(r.Type, []).Select(s => (Row: r, Subscription: s)))
            .GroupBy(d => d.Subscription.Schema);
        foreach (var target in deliveries)
        {
            var list = target.ToList();
            await connection.ExecuteAsync(new CommandDefinition($"""
                INSERT INTO {target.Key}.inbox (message_id, consumer, type, payload, received_at, next_attempt_at)
                SELECT d.id, d.consumer, o.type, o.payload, @now, @now
                FROM unnest(@ids::uuid[], @consumers::text[]) WITH ORDINALITY AS d(id, consumer, n)
                JOIN {schema}.outbox o ON o.id = d.id
                ORDER BY o.seq, d.n
                ON CONFLICT (message_id, consumer) DO NOTHING
                """, new { now, ids = list.Select(d => d.Row.Id).ToArray(), consumers = list.Select(d => d.Subscription.Consumer).ToArray() }, tx,
                cancellationToken: ct));
        }
    }
}
