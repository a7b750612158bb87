using Dapper;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Declaration.BuildingBlocks.Messaging;

/// <summary>
/// Runs every module's pending inbox rows through their handlers. Rows are claimed in their order with FOR UPDATE SKIP LOCKED (so
/// any number of workers and hosts share the work) up to <see cref="MessagingOptions.InboxBatchSize"/> at a time, and applied in one
/// transaction that holds the handlers' changes and the rows' "processed" marks: each delivery takes effect exactly once (a process
/// killed mid-way rolls back and the rows stay pending). A batch that fails is rolled back whole and its rows are applied again one
/// at a time, each in its own transaction, so that one failing delivery holds up no other: the failure is counted and retried after
/// an exponential back-off; after MaxAttempts the row is parked with its error (listed on /Admin/Deliveries, re-drivable).
/// A process takes only rows of the handlers it has (during a rolling deploy, a new handler's rows wait for a host that has it).
/// </summary>
public sealed class InboxProcessor(NpgsqlDataSource dataSource, IServiceScopeFactory scopes, SubscriptionMap subscriptions, EventTypeMap types,
    IOptions<MessagingOptions> options, IHostEnvironment environment, ILogger<InboxProcessor> logger, TimeProvider clock)
{
    private readonly double _faultRate = FaultRate(options.Value, environment);

    /// <summary>
    /// Processes the due rows of every consumer schema (up to <see cref="MessagingOptions.BatchSize"/> each); returns how many
    /// deliveries were attempted. A schema whose first batch came back full gets <see cref="MessagingOptions.InboxWorkers"/> workers
    /// for the rest; one with fewer due rows costs that one batch (or one look).
    /// </summary>
    public async Task<int> ProcessOnceAsync(CancellationToken ct) =>
        (await Task.WhenAll(subscriptions.ConsumerSchemas.Select(schema => ProcessSchemaAsync(schema, ct)))).Sum();

    /// <summary>One consumer schema's share of a pass (the schemas at once: a pass takes as long as the slowest, not their sum).</summary>
    private async Task<int> ProcessSchemaAsync(string schema, CancellationToken ct)
    {
        var workers = Math.Max(1, options.Value.InboxWorkers);
        var share = Math.Max(1, options.Value.BatchSize / workers);
        var first = await ApplyAsync(schema, null, Math.Min(BatchLimit, share), ct);
        // A first batch short of full took every due row: the workers would only look again.
        if (first < Math.Min(BatchLimit, share)) return first;
        var counts = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => ProcessSomeAsync(schema, share, ct)));
        return first + counts.Sum();
    }

    private int BatchLimit => Math.Max(1, options.Value.InboxBatchSize);

    private async Task<int> ProcessSomeAsync(string schema, int limit, CancellationToken ct)
    {
        var done = 0;
        while (done < limit)
        {
            var applied = await ApplyAsync(schema, null, Math.Min(BatchLimit, limit - done), ct);
            if (applied == 0) break;
            done += applied;
        }
        return done;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows of <paramref name="schema"/> (or only the row <paramref name="id"/>) and applies
    /// them in one transaction; returns how many were claimed (each applied, or its failure recorded).
    /// </summary>
    private async Task<int> ApplyAsync(string schema, long? id, int limit, CancellationToken ct)
    {
        IReadOnlyList<InboxRow> rows = [];
        try
        {
            await using var scope = scopes.CreateSystemScope();
            var db = scope.ServiceProvider.GetRequiredService<IDbSession>();
            await db.BeginAsync(ct);
            try
            {
                // The next due rows (or the one row), from the index of due rows in their order: the generic plan (planned once per
                // connection).
                rows = await db.QueryAsync<InboxRow>(GenericPlan.Wrap($"""
                    SELECT id, message_id AS MessageId, consumer, type, payload::text AS payload, attempts FROM {schema}.inbox
                    WHERE processed_at IS NULL AND parked_at IS NULL AND next_attempt_at <= @now AND consumer = ANY(@consumers)
                        {(id is null ? "" : "AND id = @id")}
                    ORDER BY id LIMIT @limit FOR UPDATE SKIP LOCKED
                    """, db), new { now = clock.GetUtcNow(), consumers = subscriptions.ConsumersOf(schema), id, limit }, ct);
                if (rows.Count == 0)
                {
                    await db.RollbackAsync(ct);
                    return 0;
                }
                string? previous = null;
                foreach (var row in rows)
                {
                    var subscription = subscriptions.Find(schema, row.Consumer)
                        ?? throw new InvalidOperationException($"No handler {row.Consumer} is registered in {schema}.");
                    // A handler's generic plans (work found by key) are its own: the next handler of another kind plans as usual.
                    if (row.Consumer != previous) db.UseCustomPlans();
                    previous = row.Consumer;
                    var @event = types.Deserialize(row.Type, row.Payload);
                    await subscription.InvokeAsync(scope.ServiceProvider, @event, ct);
                    if (_faultRate > 0 && Random.Shared.NextDouble() < _faultRate)
                        throw new InjectedFaultException($"injected failure delivering {row.Type} to {row.Consumer}");
                }
                // The marks travel with the handlers' queued writes and the COMMIT (one round trip).
                await db.DeferAsync(BatchCommands.Create(
                    $"UPDATE {schema}.inbox SET processed_at = @now, attempts = attempts + 1, last_error = NULL WHERE id = ANY(@ids)",
                    new { ids = rows.Select(r => r.Id).ToArray(), now = clock.GetUtcNow() }), ct);
                await db.CommitAsync(ct);
                return rows.Count;
            }
            catch
            {
                await db.RollbackAsync(CancellationToken.None);
                throw;
            }
        }
        catch (Exception ex) when (rows.Count > 0 && !ct.IsCancellationRequested)
        {
            if (rows.Count == 1)
            {
                await RecordFailureAsync(schema, rows[0], ex, ct);
                return 1;
            }
            // Which delivery failed (and whether the others would) is found by applying each on its own.
            logger.LogDebug(ex, "A batch of {Count} deliveries in {Schema} failed; applying them one at a time", rows.Count, schema);
            foreach (var row in rows) await ApplyAsync(schema, row.Id, 1, ct);
            return rows.Count;
        }
    }

    private async Task RecordFailureAsync(string schema, InboxRow row, Exception ex, CancellationToken ct)
    {
        var attempts = row.Attempts + 1;
        var parked = attempts >= options.Value.MaxAttempts;
        var now = clock.GetUtcNow();
        if (parked)
            logger.LogError(ex, "Delivery of {Type} {MessageId} to {Consumer} parked after {Attempts} attempts", row.Type, row.MessageId, row.Consumer, attempts);
        else if (ex is InjectedFaultException)
            logger.LogDebug("Injected failure: {Type} {MessageId} to {Consumer}, attempt {Attempts}", row.Type, row.MessageId, row.Consumer, attempts);
        else
            logger.LogWarning(ex, "Delivery of {Type} {MessageId} to {Consumer} failed (attempt {Attempts}); retrying", row.Type, row.MessageId, row.Consumer, attempts);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition($"""
            UPDATE {schema}.inbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next,
                parked_at = CASE WHEN attempts + 1 >= @max THEN @now END
            WHERE id = @Id AND processed_at IS NULL
            """, new
        {
            row.Id, error = Describe(ex), next = now + options.Value.BackOff(attempts), max = options.Value.MaxAttempts, now,
        }, cancellationToken: ct));
    }

    private static string Describe(Exception ex)
    {
        var text = $"{ex.GetType().Name}: {ex.Message}";
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException) text += $" → {inner.GetType().Name}: {inner.Message}";
        return text.Length > 2000 ? text[..2000] : text;
    }

    private static double FaultRate(MessagingOptions options, IHostEnvironment environment)
    {
        if (options.FaultInjectionRate <= 0) return 0;
        if (environment.IsProduction())
            throw new InvalidOperationException("Declaration:Messaging:FaultInjectionRate is for reliability tests and is refused in Production.");
        return Math.Min(options.FaultInjectionRate, 0.9);
    }

    private sealed record InboxRow
    {
        public long Id { get; init; }
        public Guid MessageId { get; init; }
        public string Consumer { get; init; } = null!;
        public string Type { get; init; } = null!;
        public string Payload { get; init; } = null!;
        public int Attempts { get; init; }
    }
}

/// <summary>A failure injected by <see cref="MessagingOptions.FaultInjectionRate"/> (reliability tests only).</summary>
public sealed class InjectedFaultException(string message) : Exception(message);
