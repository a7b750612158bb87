using Dapper;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Declaration.BuildingBlocks.Observability;

public sealed record OutboxBacklogRow(string Schema, long Pending, TimeSpan? OldestAge);

/// <summary>
/// Events written but not yet handed on: per module, the unsent rows of <c>&lt;schema&gt;.outbox</c> (<c>sent_at IS NULL</c>) and the
/// age of the oldest (<c>occurred_at</c>), read through the partial indexes of due and of parked rows. The readiness check and the outbox gauges use it.
/// </summary>
public sealed class OutboxBacklog(NpgsqlDataSource dataSource, IEnumerable<ModuleDescriptor> modules, TimeProvider clock)
{
    public async Task<IReadOnlyList<OutboxBacklogRow>> ReadAsync(CancellationToken ct)
    {
        var schemas = modules.Select(m => m.Schema).Distinct().ToList();
        if (schemas.Count == 0) return [];
        // Unsent rows are either due or parked: each half is what one partial index holds (a plain `sent_at IS NULL` matches neither
        // index's predicate and read the whole table, sent rows and all, every 15 seconds).
        var sql = string.Join("\nUNION ALL\n", schemas.Select(s => $"""
            SELECT '{s}' AS schema, count(*) AS pending, min(occurred_at) AS oldest FROM (
                SELECT occurred_at FROM {s}.outbox WHERE sent_at IS NULL AND parked_at IS NULL
                UNION ALL SELECT occurred_at FROM {s}.outbox WHERE sent_at IS NULL AND parked_at IS NOT NULL) u
            """));
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(string Schema, long Pending, DateTime? Oldest)>(new CommandDefinition(sql, cancellationToken: ct));
        var now = clock.GetUtcNow();
        return rows.Select(r => new OutboxBacklogRow(r.Schema, r.Pending,
            r.Oldest is { } o ? now - new DateTimeOffset(DateTime.SpecifyKind(o, DateTimeKind.Utc)) : null)).ToList();
    }
}

/// <summary>Samples <see cref="OutboxBacklog"/> every 15 seconds for the outbox gauges (a scrape never waits for the database).</summary>
public sealed class OutboxBacklogSampler(OutboxBacklog backlog, ILogger<OutboxBacklogSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(15));
        do
        {
            try { DeclarationTelemetry.SetOutboxBacklog(await backlog.ReadAsync(stoppingToken)); }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Outbox backlog could not be read");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
