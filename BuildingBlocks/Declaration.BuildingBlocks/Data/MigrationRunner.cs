using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// Forward-only, per-schema migrations: every embedded <c>Migrations/*.sql</c> of a module, in name order, once,
/// recorded in <c>&lt;schema&gt;.schema_journal</c>. The platform scripts (outbox, inbox, audit) come first.
/// An advisory lock keeps concurrent hosts from migrating twice.
/// </summary>
public sealed class MigrationRunner(NpgsqlDataSource dataSource, IEnumerable<ModuleDescriptor> modules, ILogger<MigrationRunner> logger)
{
    public const string PlatformSchema = "platform";

    public async Task RunAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(7734001)", cancellationToken: ct));
        try
        {
            await ApplyAsync(connection, PlatformSchema, typeof(MigrationRunner).Assembly, ct);
            foreach (var module in modules)
            {
                await connection.ExecuteAsync(new CommandDefinition(MessagingTables(module.Schema), cancellationToken: ct));
                await ApplyAsync(connection, module.Schema, module.Assembly, ct);
            }
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(7734001)", cancellationToken: CancellationToken.None));
        }
    }

    private static string MessagingTables(string schema) => $"""
        CREATE SCHEMA IF NOT EXISTS {schema};
        CREATE TABLE IF NOT EXISTS {schema}.outbox (
            id uuid PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL, occurred_at timestamptz NOT NULL,
            sent_at timestamptz, attempts int NOT NULL DEFAULT 0, last_error text);
        CREATE INDEX IF NOT EXISTS outbox_unsent ON {schema}.outbox (occurred_at) WHERE sent_at IS NULL;
        CREATE TABLE IF NOT EXISTS {schema}.inbox (
            message_id uuid NOT NULL, consumer text NOT NULL, processed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (message_id, consumer));
        """;

    private async Task ApplyAsync(NpgsqlConnection connection, string schema, System.Reflection.Assembly assembly, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            $"CREATE SCHEMA IF NOT EXISTS {schema}; CREATE TABLE IF NOT EXISTS {schema}.schema_journal (script text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());",
            cancellationToken: ct));
        var applied = (await connection.QueryAsync<string>(new CommandDefinition($"SELECT script FROM {schema}.schema_journal", cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .OrderBy(n => n, StringComparer.Ordinal);
        foreach (var name in scripts)
        {
            var script = name[(name.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            if (applied.Contains(script)) continue;
            await using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            var sql = await reader.ReadToEndAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(sql, transaction: tx, commandTimeout: 0, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition($"INSERT INTO {schema}.schema_journal(script) VALUES (@script)", new { script }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            logger.LogInformation("Applied migration {Schema}/{Script}", schema, script);
        }
    }
}
