using System.Diagnostics;
using Declaration.BuildingBlocks.Hosting;
using Declaration.BuildingBlocks.Testing;
using Npgsql;

namespace Declaration.ReliabilityTests;

/// <summary>Restarts the test's own local PostgreSQL cluster (pg_ctl restart -m fast: every connection is cut).</summary>
internal static class PostgresRestart
{
    /// <summary>Only a throwaway local cluster of the test's own is restarted (not a configured or shared server).</summary>
    public static bool Possible(PostgresServer server) => server.Source == "local cluster";

    public static async Task RestartAsync(string connectionString)
    {
        string dataDirectory;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var show = new NpgsqlCommand("SHOW data_directory", connection);
            dataDirectory = (string)(await show.ExecuteScalarAsync())!;
        }
        NpgsqlConnection.ClearAllPools();
        var pgCtl = Path.Combine(LocalPostgresCluster.FindBinaries(), "pg_ctl");
        var asRoot = Environment.UserName == "root";
        // The restarted server writes to its log file, not to our pipes (it outlives pg_ctl: a pipe it held would never close).
        var psi = new ProcessStartInfo(asRoot ? "runuser" : pgCtl) { UseShellExecute = false };
        if (asRoot) foreach (var a in new[] { "-u", "postgres", "--", pgCtl }) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "-D", dataDirectory, "-l", Path.Combine(dataDirectory, "server.log"), "-m", "fast", "-w", "-t", "60", "restart" })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"pg_ctl restart failed with exit code {process.ExitCode}");
    }
}
