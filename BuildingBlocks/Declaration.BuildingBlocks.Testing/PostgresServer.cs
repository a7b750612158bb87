using Declaration.BuildingBlocks.Hosting;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Declaration.BuildingBlocks.Testing;

/// <summary>
/// A real PostgreSQL for tests: <c>DECLARATION_TEST_PG</c> when set; else Testcontainers when a Docker engine answers;
/// else a throwaway cluster from the local binaries (temp folder, free port, removed at the end).
/// Each test assembly gets a fresh database of its own on that server.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly IAsyncDisposable? _owned;
    private readonly string _adminConnectionString;

    private PostgresServer(string adminConnectionString, IAsyncDisposable? owned, string source)
    {
        _adminConnectionString = adminConnectionString;
        _owned = owned;
        Source = source;
    }

    public string Source { get; }
    public string? Database { get; private set; }
    public string ConnectionString => new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = Database }.ConnectionString;

    public static async Task<PostgresServer> StartAsync(string databasePrefix)
    {
        PostgresServer server;
        var configured = Environment.GetEnvironmentVariable("DECLARATION_TEST_PG");
        if (!string.IsNullOrWhiteSpace(configured)) server = new PostgresServer(configured, null, "DECLARATION_TEST_PG");
        else if (await TryDockerAsync() is { } container)
            server = new PostgresServer(container.GetConnectionString(), container, "Testcontainers");
        else
        {
            var dir = Path.Combine(Path.GetTempPath(), $"declaration-test-pg-{Guid.NewGuid():N}");
            var cluster = await LocalPostgresCluster.StartAsync(dir, LocalPostgresCluster.FreePort(), deleteOnDispose: true);
            server = new PostgresServer(cluster.ConnectionString("postgres"), cluster, "local cluster");
        }
        server.Database = $"{databasePrefix}_{Guid.NewGuid():N}"[..Math.Min(60, databasePrefix.Length + 33)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(server._adminConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{server.Database}\"", connection);
        await create.ExecuteNonQueryAsync();
        return server;
    }

    private static async Task<PostgreSqlContainer?> TryDockerAsync()
    {
        if (!File.Exists("/var/run/docker.sock") && Environment.GetEnvironmentVariable("DOCKER_HOST") is null) return null;
        try
        {
            var container = new PostgreSqlBuilder("postgres:15-alpine").Build();
            await container.StartAsync();
            return container;
        }
        catch (Exception ex) when (ex.GetType().Name.Contains("Docker", StringComparison.Ordinal) || ex is InvalidOperationException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>Empties every table of the given schemas (journals kept) so each test starts clean.</summary>
    public async Task ResetAsync(IEnumerable<string> schemas)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var list = new NpgsqlCommand(
            "SELECT string_agg(format('%I.%I', schemaname, tablename), ', ') FROM pg_tables WHERE schemaname = ANY(@s) AND tablename <> 'schema_journal'", connection);
        list.Parameters.AddWithValue("s", schemas.ToArray());
        if (await list.ExecuteScalarAsync() is string tables && tables.Length > 0)
        {
            // A consumer still finishing the previous test's events may hold a lock: a deadlock is retried, not failed.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var truncate = new NpgsqlCommand($"TRUNCATE {tables} RESTART IDENTITY CASCADE", connection);
                    await truncate.ExecuteNonQueryAsync();
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable && attempt < 5)
                {
                    await Task.Delay(200 * attempt);
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Database is not null && _owned is null)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_adminConnectionString);
                await connection.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException) { }
        }
        if (_owned is not null) await _owned.DisposeAsync();
    }
}
