using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Declaration.BuildingBlocks.Hosting;

/// <summary>
/// The embedded default database: a PostgreSQL cluster from the machine's own binaries in a folder of ours.
/// initdb refuses root, so as root the server runs as the <c>postgres</c> OS user (runuser). When that user cannot
/// reach the requested folder (a clone under <c>/root</c> or in a <c>mktemp -d</c> folder, mode 0700), the cluster
/// lives instead in a folder of the postgres user's home keyed by the requested path
/// (<c>~postgres/declaration-clusters/&lt;hash&gt;</c>, see <see cref="LocationFile"/>): the permissions of the user's
/// own folders are never loosened.
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private readonly bool _startedByUs;
    private readonly bool _deleteOnDispose;

    /// <summary>Written into the requested folder when the cluster had to live elsewhere: the path of the real cluster.</summary>
    public const string LocationFile = "CLUSTER_LOCATION";

    private LocalPostgresCluster(string requestedDir, string dataDir, int port, bool startedByUs, bool deleteOnDispose)
    {
        RequestedDir = requestedDir;
        DataDir = dataDir;
        Port = port;
        _startedByUs = startedByUs;
        _deleteOnDispose = deleteOnDispose;
    }

    /// <summary>The folder the caller asked for.</summary>
    public string RequestedDir { get; }
    /// <summary>Where the cluster really is: <see cref="RequestedDir"/>, or a folder the postgres user can reach.</summary>
    public string DataDir { get; }
    public int Port { get; }

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Pooling = true, MaxPoolSize = 50, Timeout = 30 }.ConnectionString;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts (initialising when new) the cluster in <paramref name="dataDir"/>, or reuses one already running there.</summary>
    public static async Task<LocalPostgresCluster> StartAsync(string dataDir, int port, bool deleteOnDispose, Action<string>? log = null, CancellationToken ct = default)
    {
        var bin = FindBinaries();
        var requestedDir = Path.GetFullPath(dataDir);
        Directory.CreateDirectory(requestedDir);
        dataDir = await ResolveClusterDirectoryAsync(requestedDir, ct);
        if (dataDir != requestedDir) log?.Invoke($"postgres 系统用户无法进入 {requestedDir}，本地 PostgreSQL 数据目录改在 {dataDir}");
        if (!File.Exists(Path.Combine(dataDir, "PG_VERSION")))
        {
            log?.Invoke($"正在初始化本地 PostgreSQL 数据目录 {dataDir}");
            OwnByPostgres(dataDir);
            await RunAsync(Path.Combine(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"], ct);
        }
        if (await AnswersAsync(port, ct)) return new LocalPostgresCluster(requestedDir, dataDir, port, startedByUs: false, deleteOnDispose);
        OwnByPostgres(dataDir);
        var options = $"-p {port} -k {dataDir} -c listen_addresses=127.0.0.1 -c max_connections=200" +
                      (deleteOnDispose ? " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" : string.Empty);
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", dataDir, "-o", options, "-l", Path.Combine(dataDir, "server.log"), "-w", "-t", "60", "start"], ct);
        return new LocalPostgresCluster(requestedDir, dataDir, port, startedByUs: true, deleteOnDispose);
    }

    /// <summary>Creates the database when it does not exist yet.</summary>
    public async Task EnsureDatabaseAsync(string database, CancellationToken ct = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", connection);
        exists.Parameters.AddWithValue("n", database);
        if (await exists.ExecuteScalarAsync(ct) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", string.Empty, StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_startedByUs)
        {
            try { await RunAsync(Path.Combine(FindBinaries(), "pg_ctl"), ["-D", DataDir, "-m", "fast", "-w", "stop"], CancellationToken.None); }
            catch (InvalidOperationException) { /* already stopped */ }
        }
        if (_deleteOnDispose)
        {
            foreach (var dir in new[] { DataDir, RequestedDir }.Distinct())
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    /// <summary>
    /// The folder the cluster lives in: the requested one, unless we are root and the postgres OS user cannot reach it;
    /// then a folder of the postgres user's home keyed by the requested path (the same clone always finds its cluster
    /// again), noted in <see cref="LocationFile"/> inside the requested folder.
    /// </summary>
    private static async Task<string> ResolveClusterDirectoryAsync(string requestedDir, CancellationToken ct)
    {
        if (!Environment.IsPrivilegedProcess || File.Exists(Path.Combine(requestedDir, "PG_VERSION"))) return requestedDir;
        var parent = Path.GetDirectoryName(requestedDir) ?? "/";
        // The cluster folder itself is handed to postgres; every folder above it must let postgres pass (search permission).
        if (await ExitCodeAsync("runuser", ["-u", "postgres", "--", "test", "-x", parent], ct) == 0) return requestedDir;
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(requestedDir)))[..16];
        var root = Path.Combine(PostgresHome(), "declaration-clusters");
        var dir = Path.Combine(root, key);
        Directory.CreateDirectory(dir);
        await RunAsync("chown", ["postgres:postgres", root], ct, asPostgres: false);
        await RunAsync("chmod", ["755", root], ct, asPostgres: false);
        await File.WriteAllTextAsync(Path.Combine(requestedDir, LocationFile),
            $"{dir}\n# postgres 系统用户无法进入本目录，本地 PostgreSQL 集群保存在上面的目录中（按本目录路径区分）。\n", ct);
        return dir;
    }

    /// <summary>The postgres OS user's home folder (from /etc/passwd), else /var/lib/postgresql.</summary>
    private static string PostgresHome()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length >= 6 && fields[0] == "postgres" && Directory.Exists(fields[5])) return fields[5];
            }
        }
        catch (IOException) { }
        return "/var/lib/postgresql";
    }

    private static async Task<bool> AnswersAsync(int port, CancellationToken ct)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            return true;
        }
        catch (SocketException) { return false; }
    }

    public static string FindBinaries()
    {
        var configured = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(configured) && File.Exists(Path.Combine(configured, "pg_ctl"))) return configured;
        const string root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            var best = Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
                .Where(x => File.Exists(Path.Combine(x.Dir, "pg_ctl")))
                .OrderByDescending(x => x.Version).FirstOrDefault();
            if (best.Dir is not null) return best.Dir;
        }
        throw new InvalidOperationException("未找到 PostgreSQL 服务器程序（pg_ctl、initdb）。请安装：apt-get install postgresql，或设置 DECLARATION_DB 连接串。");
    }

    private static void OwnByPostgres(string dir)
    {
        if (!Environment.IsPrivilegedProcess) return;
        RunAsync("chown", ["-R", "postgres:postgres", dir], CancellationToken.None, asPostgres: false).GetAwaiter().GetResult();
        RunAsync("chmod", ["700", dir], CancellationToken.None, asPostgres: false).GetAwaiter().GetResult();
    }

    private static async Task<int> ExitCodeAsync(string file, string[] args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        await Task.WhenAll(process.StandardOutput.ReadToEndAsync(ct), process.StandardError.ReadToEndAsync(ct));
        await process.WaitForExitAsync(ct);
        return process.ExitCode;
    }

    private static async Task RunAsync(string file, string[] args, CancellationToken ct, bool asPostgres = true)
    {
        var psi = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && Environment.IsPrivilegedProcess)
        {
            psi.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", file }) psi.ArgumentList.Add(a);
        }
        else psi.FileName = file;
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.WorkingDirectory = "/";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await stderr}{await stdout}");
    }
}
