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
            await ApplyAsync(connection, PlatformSchema, EmbeddedScripts(typeof(MigrationRunner).Assembly), ct);
            foreach (var module in modules)
            {
                var scripts = Messaging.MessagingTables.Scripts(module.Schema).Concat(EmbeddedScripts(module.Assembly));
                await ApplyAsync(connection, module.Schema, scripts, ct);
            }
        }
        finally
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(7734001)", cancellationToken: CancellationToken.None));
        }
    }

    /// <summary>A module's <c>Migrations/*.sql</c> resources in name order, read when applied.</summary>
    private static IEnumerable<(string Name, string Sql)> EmbeddedScripts(System.Reflection.Assembly assembly)
    {
        foreach (var resource in assembly.GetManifestResourceNames()
                     .Where(n => n.Contains(".Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
                     .OrderBy(n => n, StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (resource[(resource.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..], reader.ReadToEnd());
        }
    }

    private async Task ApplyAsync(NpgsqlConnection connection, string schema, IEnumerable<(string Name, string Sql)> scripts, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            $"CREATE SCHEMA IF NOT EXISTS {schema}; CREATE TABLE IF NOT EXISTS {schema}.schema_journal (script text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());",
            cancellationToken: ct));
        var applied = (await connection.QueryAsync<string>(new CommandDefinition($"SELECT script FROM {schema}.schema_journal", cancellationToken: ct))).ToHashSet(StringComparer.Ordinal);
        foreach (var (script, sql) in scripts)
        {
            if (applied.Contains(script)) continue;
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition(sql, transaction: tx, commandTimeout: 0, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition($"INSERT INTO {schema}.schema_journal(script) VALUES (@script)", new { script }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            logger.LogInformation("Applied migration {Schema}/{Script}", schema, script);
        }
    }
}
