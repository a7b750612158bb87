using Dapper;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>Where a module's deliveries stand: unsent and parked outbox rows, pending, retrying and parked inbox rows.</summary>
public sealed record DeliveryStats
{
    public string Schema { get; init; } = null!;
    public long OutboxPending { get; init; }
    public DateTimeOffset? OldestOutboxPending { get; init; }
    public long OutboxParked { get; init; }
    public long InboxPending { get; init; }
    public long InboxRetrying { get; init; }
    public DateTimeOffset? OldestInboxPending { get; init; }
    public long InboxParked { get; init; }

    public bool Clean => OutboxPending == 0 && OutboxParked == 0 && InboxPending == 0 && InboxParked == 0;
}

/// <summary>One delivery that needs attention: parked, or failed at least once and waiting for its next attempt.</summary>
public sealed record DeliveryIssue
{
    public string Schema { get; init; } = null!;
    /// <summary><see cref="Deliveries.Inbox"/> (a handler's delivery) or <see cref="Deliveries.Outbox"/> (not handed on).</summary>
    public string Queue { get; init; } = null!;
    public long Id { get; init; }
    public Guid MessageId { get; init; }
    public string Consumer { get; init; } = null!;
    public string Type { get; init; } = null!;
    public int Attempts { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? ParkedAt { get; init; }
    public string? LastError { get; init; }
    public bool Parked => ParkedAt is not null;
}

/// <summary>Lists, re-drives and drains deliveries of every module (the admin page, the CLI, health checks and tests).</summary>
public sealed class Deliveries(NpgsqlDataSource dataSource, IEnumerable<ModuleDescriptor> modules, TimeProvider clock)
{
    public const string Outbox = "outbox";
    public const string Inbox = "inbox";

    public async Task<IReadOnlyList<DeliveryStats>> StatsAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var result = new List<DeliveryStats>();
        foreach (var schema in Schemas)
            result.Add(await connection.QuerySingleAsync<DeliveryStats>(new CommandDefinition($"""
                SELECT @schema AS Schema,
                       (SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL AND parked_at IS NULL) AS OutboxPending,
                       (SELECT min(occurred_at) FROM {schema}.outbox WHERE sent_at IS NULL AND parked_at IS NULL) AS OldestOutboxPending,
                       (SELECT count(*) FROM {schema}.outbox WHERE sent_at IS NULL AND parked_at IS NOT NULL) AS OutboxParked,
                       (SELECT count(*) FROM {schema}.inbox WHERE processed_at IS NULL AND parked_at IS NULL) AS InboxPending,
                       (SELECT count(*) FROM {schema}.inbox WHERE processed_at IS NULL AND parked_at IS NULL AND attempts > 0) AS InboxRetrying,
                       (SELECT min(received_at) FROM {schema}.inbox WHERE processed_at IS NULL AND parked_at IS NULL) AS OldestInboxPending,
                       (SELECT count(*) FROM {schema}.inbox WHERE processed_at IS NULL AND parked_at IS NOT NULL) AS InboxParked
                """, new { schema }, cancellationToken: ct)));
        return result;
    }

    /// <summary>Parked deliveries and those that failed and wait for a retry, newest first.</summary>
    public async Task<IReadOnlyList<DeliveryIssue>> IssuesAsync(int limit, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var result = new List<DeliveryIssue>();
        foreach (var schema in Schemas)
        {
            result.AddRange(await connection.QueryAsync<DeliveryIssue>(new CommandDefinition($"""
                SELECT @schema AS Schema, 'inbox' AS Queue, id, message_id AS MessageId, consumer, type, attempts, received_at AS Since,
                       next_attempt_at AS NextAttemptAt, parked_at AS ParkedAt, last_error AS LastError
                FROM {schema}.inbox WHERE processed_at IS NULL AND (parked_at IS NOT NULL OR attempts > 0)
                ORDER BY coalesce(parked_at, next_attempt_at) DESC LIMIT @limit
                """, new { schema, limit }, cancellationToken: ct)));
            result.AddRange(await connection.QueryAsync<DeliveryIssue>(new CommandDefinition($"""
                SELECT @schema AS Schema, 'outbox' AS Queue, seq AS Id, id AS MessageId, '' AS Consumer, type, attempts, occurred_at AS Since,
                       NULL::timestamptz AS NextAttemptAt, parked_at AS ParkedAt, last_error AS LastError
                FROM {schema}.outbox WHERE sent_at IS NULL AND parked_at IS NOT NULL
                ORDER BY parked_at DESC LIMIT @limit
                """, new { schema, limit }, cancellationToken: ct)));
        }
        return result.OrderByDescending(i => i.ParkedAt ?? i.NextAttemptAt).Take(limit).ToList();
    }

    /// <summary>Puts one parked or retrying delivery back to be attempted now, its attempt count reset. Returns whether one was found.</summary>
    public async Task<bool> RedriveAsync(string schema, string queue, long id, CancellationToken ct)
    {
        if (!Schemas.Contains(schema, StringComparer.Ordinal)) return false;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var sql = queue switch
        {
            Inbox => $"UPDATE {schema}.inbox SET parked_at = NULL, attempts = 0, next_attempt_at = @now WHERE id = @id AND processed_at IS NULL",
            Outbox => $"UPDATE {schema}.outbox SET parked_at = NULL, attempts = 0 WHERE seq = @id AND sent_at IS NULL",
            _ => null,
        };
        return sql is not null && await connection.ExecuteAsync(new CommandDefinition(sql, new { id, now = clock.GetUtcNow() }, cancellationToken: ct)) > 0;
    }

    /// <summary>Re-drives every parked delivery of every module; returns how many.</summary>
    public async Task<int> RedriveAllParkedAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var count = 0;
        foreach (var schema in Schemas)
        {
            count += await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE {schema}.inbox SET parked_at = NULL, attempts = 0, next_attempt_at = @now WHERE parked_at IS NOT NULL AND processed_at IS NULL",
                new { now = clock.GetUtcNow() }, cancellationToken: ct));
            count += await connection.ExecuteAsync(new CommandDefinition(
                $"UPDATE {schema}.outbox SET parked_at = NULL, attempts = 0 WHERE parked_at IS NOT NULL AND sent_at IS NULL", cancellationToken: ct));
        }
        return count;
    }

    private IEnumerable<string> Schemas => modules.Select(m => m.Schema);

    /// <summary>
    /// Runs this process's relay and inbox processor until nothing is due (the CLI before it exits, seeding, tests). Deliveries
    /// waiting for a back-off stay pending for the hosts' background service.
    /// </summary>
    public static async Task DrainAsync(IServiceProvider services, CancellationToken ct)
    {
        var relay = services.GetRequiredService<OutboxRelay>();
        var processor = services.GetRequiredService<InboxProcessor>();
        while (await relay.ProcessOnceAsync(ct) + await processor.ProcessOnceAsync(ct) > 0) { }
    }
}
