using Declaration.BuildingBlocks.Hosting;

namespace Declaration.Host.Infrastructure;

/// <summary>
/// Where the database is: <c>DECLARATION_DB</c> (or ConnectionStrings:Declaration) when set; else the embedded local
/// cluster under the data folder, started now and stopped when the returned handle is disposed.
/// </summary>
public sealed class DatabaseLocator : IAsyncDisposable
{
    private LocalPostgresCluster? _cluster;

    public string ConnectionString { get; private set; } = string.Empty;
    public bool Embedded => _cluster is not null;

    public static async Task<DatabaseLocator> ResolveAsync(IConfiguration configuration, Action<string> log)
    {
        var locator = new DatabaseLocator();
        var configured = Environment.GetEnvironmentVariable("DECLARATION_DB") ?? configuration.GetConnectionString("Declaration");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            locator.ConnectionString = configured;
            return locator;
        }
        var dataDir = configuration["Declaration:DataDir"] ?? Path.Combine(Directory.GetCurrentDirectory(), ".data");
        var port = int.TryParse(configuration["Declaration:LocalPostgresPort"], out var p) ? p : 5433;
        locator._cluster = await LocalPostgresCluster.StartAsync(Path.Combine(dataDir, "pg"), port, deleteOnDispose: false, log);
        await locator._cluster.EnsureDatabaseAsync("declaration");
        locator.ConnectionString = locator._cluster.ConnectionString("declaration");
        return locator;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
