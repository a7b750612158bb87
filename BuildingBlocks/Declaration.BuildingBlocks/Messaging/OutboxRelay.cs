using System.Text.Json;
using Dapper;
using Declaration.BuildingBlocks.Data;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Declaration.BuildingBlocks.Messaging;

public sealed class OutboxOptions
{
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int BatchSize { get; set; } = 100;
    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Publishes committed outbox rows through MassTransit. Rows are claimed with FOR UPDATE SKIP LOCKED inside a
/// transaction, so any number of relays (hosts) publish each row once; a failure is recorded and retried.
/// </summary>
public sealed class OutboxRelay(NpgsqlDataSource dataSource, IEnumerable<ModuleDescriptor> modules, EventTypeMap types,
    IServiceScopeFactory scopes, ILogger<OutboxRelay> logger, TimeProvider clock)
{
    /// <summary>One pass over every module's outbox; returns how many rows were published.</summary>
    public async Task<int> ProcessOnceAsync(CancellationToken ct)
    {
        var published = 0;
        foreach (var module in modules)
            published += await ProcessSchemaAsync(module.Schema, 100, ct);
        return published;
    }

    private async Task<int> ProcessSchemaAsync(string schema, int batch, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var rows = (await connection.QueryAsync<(Guid Id, string Type, string Payload)>(new CommandDefinition(
            $"SELECT id, type, payload::text FROM {schema}.outbox WHERE sent_at IS NULL AND attempts < 20 ORDER BY occurred_at LIMIT @batch FOR UPDATE SKIP LOCKED",
            new { batch }, tx, cancellationToken: ct))).AsList();
        if (rows.Count == 0) return 0;
        await using var scope = scopes.CreateAsyncScope();
        var publisher = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var sent = 0;
        foreach (var row in rows)
        {
            try
            {
                var type = types.Resolve(row.Type) ?? throw new InvalidOperationException($"Unknown event type {row.Type}");
                var message = JsonSerializer.Deserialize(row.Payload, type, EventTypeMap.Json)!;
                await publisher.Publish(message, type, context => context.MessageId = row.Id, ct);
                await connection.ExecuteAsync(new CommandDefinition($"UPDATE {schema}.outbox SET sent_at = @now, attempts = attempts + 1 WHERE id = @Id",
                    new { row.Id, now = clock.GetUtcNow() }, tx, cancellationToken: ct));
                sent++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Publishing outbox row {Id} of {Schema} failed", row.Id, schema);
                await connection.ExecuteAsync(new CommandDefinition($"UPDATE {schema}.outbox SET attempts = attempts + 1, last_error = @error WHERE id = @Id",
                    new { row.Id, error = ex.Message }, tx, cancellationToken: ct));
            }
        }
        await tx.CommitAsync(ct);
        return sent;
    }
}

/// <summary>The relay's loop in every host.</summary>
public sealed class OutboxRelayService(OutboxRelay relay, IOptions<OutboxOptions> options, ILogger<OutboxRelayService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await relay.ProcessOnceAsync(stoppingToken) > 0) { }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Outbox relay pass failed; retrying");
            }
            try { await Task.Delay(options.Value.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }
}
