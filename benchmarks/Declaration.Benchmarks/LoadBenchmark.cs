using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Hosting;
using Declaration.Certification.Contracts;
using Declaration.Host.Infrastructure;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Declaration.Benchmarks;

/// <summary>
/// The load benchmark (issue 14, not a test): province-scale data in a PostgreSQL cluster of its own that is kept between runs
/// (<c>--reuse</c>), the host in Release as its own process against it, and wrk (Debian's) at 100 connections on the pages a
/// deadline day loads — each beside the floor measured in the same round — then the nightly batch after a 1 % change of the
/// social-insurance data, beside the full-year run on the same data.
/// <code>
/// dotnet run -c Release --project benchmarks/Declaration.Benchmarks -- load [--data /work/perfdata] [--reuse] [--rounds 3]
///     [--duration 15] [--connections 100] [--only floor,home,...] [--no-nightly] [--nightly-runs 3] [--check] [--same-declarer]
///     [--pool 60]
/// </code>
/// <c>--same-declarer</c> declares on in the unit of the previous run, after the bodies it sent (a fresh reserved unit otherwise):
/// for comparing builds without using up the reserved units. <c>--pool N</c> sets the host's connection pool (default 60).
/// </summary>
internal static partial class LoadBenchmark
{
    private const int LargeUnits = 100;
    private const int ReserveUnits = 50;

    public static async Task<int> RunAsync(string[] args)
    {
        var dataDir = Path.GetFullPath(Text(args, "--data") ?? "/work/perfdata");
        var port = Option(args, "--pg-port", 55432);
        var reuse = args.Contains("--reuse");
        var rounds = Math.Max(1, Option(args, "--rounds", 3));
        var duration = Option(args, "--duration", 15);
        var connections = Option(args, "--connections", 100);
        var scale = Option(args, "--scale", 1_000_000);
        var only = Text(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Directory.CreateDirectory(dataDir);
        var root = RepositoryRoot();
        EnsureWrk(root);

        var keys = await KeysAsync(dataDir);
        var (cluster, connectionString) = await StartClusterAsync(dataDir, port);
        await using var _ = cluster;
        var generated = await ExistsAsync(connectionString);
        if (!reuse || !generated)
        {
            if (reuse) Log("--reuse: no generated database yet, generating it");
            await GenerateAsync(connectionString, keys, dataDir, scale);
        }
        else Log($"--reuse: the province data in {dataDir}");
        await ProvinceData.DurableCommitsAsync(connectionString);

        using var app = Services(connectionString, keys, dataDir);
        var services = app.Services;
        await PrepareRunAsync(services, connectionString);
        if (args.Contains("--check")) await CheckConsistencyAsync(root, connectionString, keys);

        var results = new List<ScenarioResult>();
        long peakMemory = 0;
        if (only is null || only.Any(o => o != "nightly"))
        {
            var hostPort = LocalPostgresCluster.FreePort();
            var hostConnections = Option(args, "--pool", 0) is > 0 and var pool
                ? new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = pool }.ConnectionString : connectionString;
            await using var host = await HostProcess.StartAsync(root, hostPort, hostConnections, keys);
            var loadUsers = await LoadUsersAsync(connectionString);
            var sessions = await SignInAsync(host.BaseUrl, loadUsers);
            var scenarios = await ScenariosAsync(services, connectionString, host.BaseUrl, sessions, dataDir, args.Contains("--same-declarer"));
            await VerifyAsync(host.BaseUrl, scenarios);
            // Events a previous run left on their way are handed on first (their cost is not this run's).
            Log($"events of earlier runs still on their way: handed on in {await DrainEventsAsync(services):0.0} s");
            Log($"machine load before measuring: {File.ReadAllText("/proc/loadavg").Trim()}");
            var work = Path.Combine(dataDir, "wrk");
            Directory.CreateDirectory(work);
            for (var round = 1; round <= rounds; round++)
                foreach (var s in scenarios.Where(s => only is null || only.Contains(s.Key) || s.Key.StartsWith("floor", StringComparison.Ordinal)))
                {
                    var r = await WrkAsync(host.BaseUrl, s, work, connections, duration, round, host.Pid, WarmUpSeconds(args, s.Key));
                    if (s.BodyFile is not null)
                    {
                        await RecordBodiesUsedAsync(connectionString);
                        // The declarations' events (AnnualReview's projection) are part of their cost: the run is timed until they
                        // have been handed on and applied.
                        r = r with { DrainSeconds = await DrainEventsAsync(services) };
                        Log($"round {round} {s.Key}: its events handed on and applied {r.DrainSeconds:0.0} s after the run: " +
                            $"{r.SustainedPerSecond:N0} declarations/s sustained");
                    }
                    results.Add(r);
                    Log($"round {round} {s.Key}: {r.RequestsPerSecond:N0} req/s, p50 {r.P50Ms:0.0} ms, p99 {r.P99Ms:0.0} ms, {r.Errors} errors, " +
                        $"CPU per request {r.CpuMsPerRequest:0.00} ms (host {r.HostCpuMsPerRequest:0.00}, PostgreSQL {r.PostgresCpuMsPerRequest:0.00})");
                }
            peakMemory = host.PeakWorkingSetBytes();
            var after = await host.StopAsync();
            Log($"host stopped ({after})");
        }

        NightlyResult? nightly = null;
        if (!args.Contains("--no-nightly") && (only is null || only.Contains("nightly")))
            nightly = await NightlyAsync(services, connectionString, dataDir, Math.Max(1, Option(args, "--nightly-runs", 3)));

        var report = Report(results, peakMemory, nightly, connections, duration);
        Console.WriteLine();
        Console.WriteLine(report);
        await File.WriteAllTextAsync(Path.Combine(dataDir, $"results-{DateTime.Now:yyyyMMdd-HHmmss}.txt"), report);
        return 0;
    }

    // ---- The database --------------------------------------------------------------------------------------------------------

    private sealed record Keys(string EncryptionKey, string BlindIndexKey);

    /// <summary>The benchmark's own personal-data keys (random, kept beside the cluster: the host runs as in Production).</summary>
    private static async Task<Keys> KeysAsync(string dataDir)
    {
        var path = Path.Combine(dataDir, "keys.json");
        if (File.Exists(path)) return JsonSerializer.Deserialize<Keys>(await File.ReadAllTextAsync(path))!;
        var keys = new Keys(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(keys));
        return keys;
    }

    /// <summary>
    /// A PostgreSQL 15 cluster of the benchmark's own under the data folder (kept: generating the province takes a while), tuned
    /// once for a database of this size on this machine: shared_buffers 2 GB, larger WAL between checkpoints; fsync stays on.
    /// </summary>
    private static async Task<(LocalPostgresCluster, string)> StartClusterAsync(string dataDir, int port)
    {
        var pg = Path.Combine(dataDir, "pg");
        var fresh = !File.Exists(Path.Combine(pg, "PG_VERSION"));
        var cluster = await LocalPostgresCluster.StartAsync(pg, port, deleteOnDispose: false, Log);
        if (fresh)
        {
            await using (var c = new NpgsqlConnection(cluster.ConnectionString("postgres")))
                await c.ExecuteAsync("""
                    ALTER SYSTEM SET shared_buffers = '2GB';
                    ALTER SYSTEM SET effective_cache_size = '8GB';
                    ALTER SYSTEM SET maintenance_work_mem = '512MB';
                    ALTER SYSTEM SET max_wal_size = '8GB';
                    ALTER SYSTEM SET checkpoint_timeout = '30min';
                    ALTER SYSTEM SET random_page_cost = 1.1;
                    ALTER SYSTEM SET max_connections = 200;
                    """);
            await cluster.DisposeAsync();
            cluster = await LocalPostgresCluster.StartAsync(pg, port, deleteOnDispose: false, Log);
        }
        await cluster.EnsureDatabaseAsync("declaration");
        var cs = new NpgsqlConnectionStringBuilder(cluster.ConnectionString("declaration")) { MaxPoolSize = 60 }.ConnectionString;
        return (cluster, cs);
    }

    private static async Task<bool> ExistsAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        return await c.ExecuteScalarAsync<bool>("SELECT to_regclass('bench.load_user') IS NOT NULL")
               && await c.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM bench.load_user)");
    }

    private static async Task GenerateAsync(string connectionString, Keys keys, string dataDir, int scale)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var database = builder.Database!;
        builder.Database = "postgres";
        await using (var c = new NpgsqlConnection(builder.ConnectionString))
        {
            NpgsqlConnection.ClearAllPools();
            await c.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
            await c.ExecuteAsync($"CREATE DATABASE \"{database}\"");
        }
        var files = Path.Combine(dataDir, "files");
        Directory.CreateDirectory(files);
        using var app = Services(connectionString, keys, dataDir);
        var services = app.Services;
        await Startup.MigrateAsync(services, CancellationToken.None);
        // 100 large units of 200 placements (the first 20 are the clerks who load the pages), 50 reserved units with 2,000 insured
        // persons each (at 1,000,000 placements) for the declaration step.
        var generator = new Generator(scale, largeUnits: LargeUnits, largeSize: 200, reserveUnits: ReserveUnits, poolPerReserve: Math.Max(100, scale / 500));
        Log($"generated {generator.Units.Count:N0} units, {generator.Placements.Count:N0} placements, {generator.Pool.Count:N0} insured persons to declare");
        await new ProvinceData(services, connectionString, generator, files).GenerateAsync();
    }

    /// <summary>The modules in this process (generation, window, nightly batch), with the host's keys; no background services.</summary>
    private static IHost Services(string connectionString, Keys keys, string dataDir)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Declaration:PersonalData:EncryptionKey"] = keys.EncryptionKey,
            ["Declaration:PersonalData:BlindIndexKey"] = keys.BlindIndexKey,
            ["Declaration:Messaging:Enabled"] = "false",
            ["Declaration:Hangfire:Enabled"] = "false",
            ["Declaration:Files:Root"] = Path.Combine(dataDir, "files"),
            ["Declaration:AnnualReview:PublicBaseUrl"] = "http://127.0.0.1:5080",
        });
        builder.Services.AddDeclarationCore(builder.Configuration, connectionString);
        return builder.Build();
    }

    /// <summary>Deadline day: the declaration window of the year closes today (an administrator's override, as on 年审认证管理).</summary>
    private static async Task PrepareRunAsync(IServiceProvider services, string connectionString)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        await SendAsync(services, new SetDeclarationWindow(ProvinceData.Year, new DateOnly(2026, 3, 1) > today ? today : new DateOnly(2026, 3, 1), today));
        await using var c = new NpgsqlConnection(connectionString);
        await c.ExecuteAsync("ANALYZE", commandType: System.Data.CommandType.Text, commandTimeout: 0);
    }

    private static async Task CheckConsistencyAsync(string root, string connectionString, Keys keys)
    {
        Log("check-consistency --grace 0 (the real command) …");
        var psi = HostProcess.Start(root, connectionString, keys, "check-consistency", "--grace", "0");
        psi.RedirectStandardOutput = true;
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines.Take(20)) Log("  " + line);
        if (lines.Length > 20) Log($"  … {lines.Length - 20} more lines");
        Log($"check-consistency exit code {p.ExitCode}");
    }

    private static async Task<T> SendAsync<T>(IServiceProvider services, Mediator.ICommand<T> command)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = new SystemUser();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command);
    }

    // ---- Users and scenarios ------------------------------------------------------------------------------------------------------

    private static async Task<List<LoadUser>> LoadUsersAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        return (await c.QueryAsync<LoadUser>("SELECT user_name AS UserName, kind, unit_id AS UnitId, credit_code AS CreditCode, ordinal FROM bench.load_user ORDER BY user_name")).ToList();
    }

    private sealed record Session(LoadUser User, string Cookie);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    /// <summary>Signs every page user in through the login page (the real form and its antiforgery token); returns their cookies.</summary>
    private static async Task<List<Session>> SignInAsync(string baseUrl, List<LoadUser> users)
    {
        var sessions = new List<Session>();
        foreach (var user in users.Where(u => u.Kind != "declarer"))
        {
            var cookies = new CookieContainer();
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
            var page = await http.GetStringAsync("/Account/Login");
            var token = TokenField().Match(page).Groups[1].Value;
            var response = await http.PostAsync("/Account/Login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["UserName"] = user.UserName, ["Password"] = ProvinceData.Password, ["__RequestVerificationToken"] = token,
            }));
            if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in of {user.UserName} failed: {(int)response.StatusCode}");
            var auth = cookies.GetCookies(new Uri(baseUrl))["decl.auth"] ?? throw new InvalidOperationException($"no session cookie for {user.UserName}");
            sessions.Add(new Session(user, $"decl.auth={auth.Value}"));
        }
        Log($"{sessions.Count} users signed in");
        return sessions;
    }

    /// <summary>One measured request mix: the paths (one per user, taken in turn) and their headers, or a POST body file.</summary>
    private sealed record Scenario(string Key, string Label, IReadOnlyList<(string Path, string? Cookie)> Requests, string? Expect,
        string? BodyFile = null, string? Authorization = null, string? Method = null);

    private static async Task<List<Scenario>> ScenariosAsync(IServiceProvider services, string connectionString, string baseUrl, List<Session> sessions, string dataDir,
        bool sameDeclarer)
    {
        var employers = sessions.Where(s => s.User.Kind == "employer").ToList();
        var reviewer = sessions.Single(s => s.User.Kind == "reviewer");
        var list = new List<Scenario>
        {
            new("floor-live", "floor: /health/live (anonymous)", [("/health/live", null)], "Healthy"),
            new("floor-me", "floor: /api/units/me (signed in)", employers.Select(s => ("/api/units/me", (string?)s.Cookie)).ToList(), "creditCode"),
            new("page", "a page without data: /Account/Login (anonymous)", [("/Account/Login", null)], "登录"),
            new("home", "首页 /Unit/Home", employers.Select(s => ("/Unit/Home", (string?)s.Cookie)).ToList(), "安置人员"),
            new("placements", "安置人员列表 (200 placements) /Unit/Placements?year=2025",
                employers.Select(s => ("/Unit/Placements?year=2025", (string?)s.Cookie)).ToList(), "共"),
            new("review", "审核队列 (杭州 reviewer) /Review/Placements", [("/Review/Placements", reviewer.Cookie)], "第 1 /"),
            new("notices", "通知公告 search /Notices?q=培训",
                employers.Select(s => ("/Notices?q=" + Uri.EscapeDataString("培训"), (string?)s.Cookie)).ToList(), "培训"),
            new("levy", "残保金计算器 /Levy?…", employers.Select(s => ("/Levy?year=2025&region=330106&unitType=enterprise&headcount=300&monthlyWage=8000&personMonths=36&severePersonMonths=12",
                (string?)s.Cookie)).ToList(), "应缴"),
        };
        // The declaration step: a fresh reserved unit each run, its insured persons in order (then unknown persons), with an API key.
        await using var c = new NpgsqlConnection(connectionString);
        // (Runs from before the column are taken as having used every body.)
        await c.ExecuteAsync($"ALTER TABLE bench.declare_run ADD COLUMN IF NOT EXISTS bodies_used bigint NOT NULL DEFAULT {DeclareBodies}");
        // The unit of the latest run, while it has bodies enough for another run left.
        var again = sameDeclarer ? await c.QuerySingleOrDefaultAsync<(Guid UnitId, long BodiesUsed)?>("""
            SELECT unit_id, bodies_used FROM (SELECT * FROM bench.declare_run ORDER BY started_at DESC LIMIT 1) r WHERE bodies_used < @limit
            """, new { limit = DeclareBodies - 15_000 }) : null;
        var unit = await c.QuerySingleOrDefaultAsync<LoadUser>("""
            SELECT u.user_name AS UserName, u.kind, u.unit_id AS UnitId, u.credit_code AS CreditCode, u.ordinal FROM bench.load_user u
            WHERE u.kind = 'declarer' AND (u.unit_id = @again OR @again IS NULL AND NOT EXISTS (SELECT 1 FROM bench.declare_run r WHERE r.unit_id = u.unit_id)
              AND NOT EXISTS (SELECT 1 FROM placement.placement p WHERE p.unit_id = u.unit_id))
            ORDER BY u.ordinal LIMIT 1
            """, new { again = again?.UnitId });
        if (unit is null)
        {
            Log("every reserved unit has been declared into: regenerate (without --reuse) to measure the declaration step again");
            return list;
        }
        if (again is { } previous)
        {
            Log($"--same-declarer: declaring on in {unit.CreditCode} after its first {previous.BodiesUsed:N0} bodies");
            BodiesUsed["declare"] = previous.BodiesUsed;
        }
        else await c.ExecuteAsync("INSERT INTO bench.declare_run (unit_id, started_at, bodies_used) VALUES (@UnitId, now(), 0)", unit);
        _declarer = unit.UnitId;
        var account = await SendQueryAsync(services, new FindAccount(unit.UserName)) ?? throw new InvalidOperationException("no declarer account");
        var key = await SendAsync(services, new CreateApiKey(account.Id, "load benchmark", null));
        var persons = (await c.QueryAsync<DeclarePerson>("""
            SELECT id_number AS IdNumber, certificate_type AS CertificateType, certificate_number AS CertificateNumber, employment_start AS EmploymentStart,
                   contract_type AS ContractType, contract_end AS ContractEnd, wage FROM bench.declare_person WHERE unit_id = @UnitId ORDER BY ordinal
            """, unit)).ToList();
        var bodies = Path.Combine(dataDir, "wrk", $"declare-{unit.Ordinal:D3}.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(bodies)!);
        await using (var w = new StreamWriter(bodies, false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            for (var k = 0; k < DeclareBodies; k++)
            {
                var p = k < persons.Count ? persons[k]
                    : Unknown(90_000_000 + unit.Ordinal * 100_000 + k);
                await w.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    businessYear = ProvinceData.Year, idNumber = p.IdNumber, name = "张" + "伟芳娜敏静丽强磊"[k % 8], certificateType = p.CertificateType,
                    certificateNumber = p.CertificateNumber, employmentStart = p.EmploymentStart, employmentEnd = (DateOnly?)null, contractType = p.ContractType,
                    contractStart = Generator.ContractStart, contractEnd = p.ContractEnd, monthlyWage = (decimal)p.Wage, retirementBase50 = false, phone = (string?)null,
                }, JsonOptions));
            }
        }
        list.Add(new Scenario("declare", $"下一步 (save + certify) POST /api/placements ({unit.CreditCode})", [("/api/placements", null)], null, bodies,
            "Bearer " + key.Key, "POST"));
        return list;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record DeclarePerson
    {
        public string IdNumber { get; init; } = "";
        public string CertificateType { get; init; } = "";
        public string CertificateNumber { get; init; } = "";
        public DateOnly EmploymentStart { get; init; }
        public string ContractType { get; init; } = "";
        public DateOnly? ContractEnd { get; init; }
        public int Wage { get; init; }
    }

    private static DeclarePerson Unknown(int person)
    {
        var id = Generator.IdNumberOf(person);
        return new DeclarePerson { IdNumber = id, CertificateType = "disability", CertificateNumber = id + "42", EmploymentStart = new DateOnly(2020, 5, 1), ContractType = "open_ended", Wage = 4500 };
    }

    private static async Task<T> SendQueryAsync<T>(IServiceProvider services, IQuery<T> query)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = new SystemUser();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query);
    }

    /// <summary>Before measuring: every page answers 200 with its content for each of its users (a sign-in redirect would count as success in wrk).</summary>
    private static async Task VerifyAsync(string baseUrl, List<Scenario> scenarios)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(baseUrl) };
        foreach (var s in scenarios.Where(s => s.Method is null))
            foreach (var (path, cookie) in s.Requests.DistinctBy(r => r.Cookie))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                if (cookie is not null) request.Headers.Add("Cookie", cookie);
                var watch = Stopwatch.StartNew();
                using var response = await http.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK || (s.Expect is not null && !body.Contains(s.Expect, StringComparison.Ordinal)))
                    throw new InvalidOperationException($"{s.Key} {path}: {(int)response.StatusCode}, expected text “{s.Expect}” {(body.Contains(s.Expect ?? "", StringComparison.Ordinal) ? "found" : "missing")}\n{body[..Math.Min(body.Length, 2000)]}");
            }
        Log("every page answers 200 with its content for each of its users");
    }

    // ---- wrk ---------------------------------------------------------------------------------------------------------------------

    private sealed record ScenarioResult(string Key, string Label, int Round, long Requests, double Seconds, double P50Ms, double P99Ms, long Errors)
    {
        public double RequestsPerSecond => Requests / Seconds;

        /// <summary>How long after the run the events its requests raised took to be handed on and applied (writes only).</summary>
        public double DrainSeconds { get; init; }

        /// <summary>
        /// The run's requests over its time and the drain of the events left at its end. The backlog the warm-up left is worked off
        /// within the run (so the figure is on the low side); the warm-up itself is not counted, for it holds the pool's first
        /// statements (<see cref="WarmUpSeconds"/>).
        /// </summary>
        public double SustainedPerSecond => Requests / (Seconds + DrainSeconds);

        /// <summary>How long the warm-up before the run took.</summary>
        public double WarmSeconds { get; init; }

        /// <summary>The machine's busy CPU time during the run, per request; the host process's and PostgreSQL's shares.</summary>
        public double CpuMsPerRequest { get; init; }
        public double HostCpuMsPerRequest { get; init; }
        public double PostgresCpuMsPerRequest { get; init; }
    }

    private static void EnsureWrk(string root)
    {
        if (File.Exists("/usr/bin/wrk")) return;
        Log("wrk is missing: installing it as the scripts install packages (scripts/ensure-deps.sh bench)");
        using var p = Process.Start(new ProcessStartInfo(Path.Combine(root, "scripts", "ensure-deps.sh"), "bench") { UseShellExecute = false })!;
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists("/usr/bin/wrk")) throw new InvalidOperationException("wrk is needed: apt-get install wrk");
    }

    private static string Lua(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// Writes the scenario's wrk script: GETs take the users' (path, cookie) pairs in turn; the POST takes one body a request from its
    /// file (thread t of n takes lines t, t+n, …, from an offset, so a body is never sent twice); done() prints one JSON line.
    /// </summary>
    private static string Script(Scenario s, string work, int threads, long offset)
    {
        var lua = new StringBuilder();
        lua.AppendLine("local threads = {}");
        lua.AppendLine("function setup(thread) thread:set(\"tid\", #threads); table.insert(threads, thread) end");
        if (s.BodyFile is null)
        {
            // The requests are formatted in init(): at the top level wrk has not set its Host header yet (Kestrel answers 400 without one).
            lua.AppendLine("local reqs = {}");
            lua.AppendLine("local n = 0");
            lua.AppendLine("function init(args)");
            lua.AppendLine("  n = tid");
            foreach (var (path, cookie) in s.Requests)
                lua.AppendLine(cookie is null ? $"  table.insert(reqs, wrk.format(\"GET\", {Lua(path)}))" : $"  table.insert(reqs, wrk.format(\"GET\", {Lua(path)}, {{ [\"Cookie\"] = {Lua(cookie)} }}))");
            lua.AppendLine("end");
            lua.AppendLine("function request() n = n + 1; return reqs[(n % #reqs) + 1] end");
        }
        else
        {
            lua.AppendLine("local bodies = {}");
            lua.AppendLine("i = 0 -- global: done() reads each thread's position");
            lua.AppendLine($"local headers = {{ [\"Content-Type\"] = \"application/json\", [\"Authorization\"] = {Lua(s.Authorization!)} }}");
            lua.AppendLine($"function init(args) for line in io.lines({Lua(s.BodyFile)}) do table.insert(bodies, line) end; i = {offset} + tid + 1 end");
            lua.AppendLine($"function request() local b = bodies[i] or bodies[#bodies]; i = i + {threads}; return wrk.format(\"POST\", {Lua(s.Requests[0].Path)}, headers, b) end");
        }
        lua.AppendLine("""
            function done(summary, latency, requests)
              local next = 0
              for _, t in ipairs(threads) do local ti = t:get("i"); if ti and ti > next then next = ti end end
              io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"next":%d}\n',
                summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.connect, summary.errors.read,
                summary.errors.write, summary.errors.status, summary.errors.timeout, next))
            end
            """);
        var file = Path.Combine(work, $"{s.Key}.lua");
        File.WriteAllText(file, lua.ToString());
        return file;
    }

    private static readonly Dictionary<string, long> BodiesUsed = [];
    private const int DeclareBodies = 60_000;
    private static Guid? _declarer;

    /// <summary>Waits until no module has an event waiting to be handed on or a delivery waiting to be applied (parked ones aside);
    /// returns the seconds waited.</summary>
    private static async Task<double> DrainEventsAsync(IServiceProvider services)
    {
        var started = Stopwatch.GetTimestamp();
        var (busy, pg) = (BusyMilliseconds(), PostgresMilliseconds());
        var deliveries = services.GetRequiredService<Deliveries>();
        // Where the waiting events are (in an outbox, due in an inbox, or in an inbox waiting for a retry after a failure), every
        // half second: a drain that takes long with little left shows which part holds it.
        var lastLogged = TimeSpan.Zero;
        async Task<long> WaitingAsync()
        {
            var stats = await deliveries.StatsAsync(CancellationToken.None);
            var (outbox, inbox, retrying) = (stats.Sum(s => s.OutboxPending), stats.Sum(s => s.InboxPending), stats.Sum(s => s.InboxRetrying));
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (outbox + inbox > 0 && (lastLogged == TimeSpan.Zero || elapsed - lastLogged >= TimeSpan.FromSeconds(0.5)))
            {
                lastLogged = elapsed;
                Log($"{outbox + inbox:N0} events waiting to be handed on or applied ({elapsed.TotalSeconds:0.0} s): {outbox:N0} in outboxes, " +
                    $"{inbox:N0} in inboxes ({retrying:N0} of them waiting for a retry)");
            }
            return outbox + inbox;
        }
        var deadline = DateTime.UtcNow.AddMinutes(10);
        if (await WaitingAsync() == 0) return 0;
        do
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("events still waiting after 10 minutes");
            await Task.Delay(100);
        }
        while (await WaitingAsync() > 0);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Log($"handed on and applied in {seconds:0.0} s, the machine busy {(BusyMilliseconds() - busy) / 10 / seconds / Environment.ProcessorCount:0} % " +
            $"(PostgreSQL {(PostgresMilliseconds() - pg) / 10 / seconds / Environment.ProcessorCount:0} %)");
        return seconds;
    }

    /// <summary>Where the declarer's bodies end, for a later <c>--same-declarer</c> run.</summary>
    private static async Task RecordBodiesUsedAsync(string connectionString)
    {
        await using var c = new NpgsqlConnection(connectionString);
        await c.ExecuteAsync("UPDATE bench.declare_run SET bodies_used = @used WHERE unit_id = @_declarer",
            new { used = BodiesUsed.GetValueOrDefault("declare"), _declarer });
    }

    /// <summary>A warm-up (not counted; <see cref="WarmUpSeconds"/>), then the measured run: requests/s, p50, p99 and errors (socket errors, timeouts, non-2xx/3xx).</summary>
    private static async Task<ScenarioResult> WrkAsync(string baseUrl, Scenario s, string work, int connections, int duration, int round, int hostPid, int warmUp)
    {
        const int threads = 2;
        var warm = await RunWrkAsync(baseUrl, Script(s, work, threads, BodiesUsed.GetValueOrDefault(s.Key)), connections, warmUp, threads);
        // The next run starts after the last body any thread took (the threads' shares differ: a sum of requests is not enough).
        if (s.BodyFile is not null) BodiesUsed[s.Key] = warm.GetProperty("next").GetInt64();
        var (cpuBefore, hostBefore, pgBefore) = (BusyMilliseconds(), CpuMilliseconds(hostPid), PostgresMilliseconds());
        var json = await RunWrkAsync(baseUrl, Script(s, work, threads, BodiesUsed.GetValueOrDefault(s.Key)), connections, duration, threads);
        var (cpu, hostCpu, pgCpu) = (BusyMilliseconds() - cpuBefore, CpuMilliseconds(hostPid) - hostBefore, PostgresMilliseconds() - pgBefore);
        var requests = json.GetProperty("requests").GetInt64();
        if (s.BodyFile is not null) BodiesUsed[s.Key] = json.GetProperty("next").GetInt64();
        var kinds = new[] { "connect", "read", "write", "status", "timeout" }.Select(k => (k, n: json.GetProperty(k).GetInt64())).ToList();
        var errors = kinds.Sum(e => e.n);
        if (errors > 0) Log($"round {round} {s.Key} errors: {string.Join(", ", kinds.Where(e => e.n > 0).Select(e => $"{e.n} {e.k}"))}");
        return new ScenarioResult(s.Key, s.Label, round, requests, json.GetProperty("duration_us").GetInt64() / 1e6,
            json.GetProperty("p50_us").GetInt64() / 1000.0, json.GetProperty("p99_us").GetInt64() / 1000.0, errors)
        {
            WarmSeconds = warm.GetProperty("duration_us").GetInt64() / 1e6,
            CpuMsPerRequest = requests == 0 ? 0 : cpu / requests, HostCpuMsPerRequest = requests == 0 ? 0 : hostCpu / requests,
            PostgresCpuMsPerRequest = requests == 0 ? 0 : pgCpu / requests,
        };
    }

    /// <summary>
    /// User and system CPU time of every live PostgreSQL process, and of those that ended (a pooled connection closed, an autovacuum
    /// worker done): the postmaster reaps its children, and their time moves into its own children's time — without it a backend
    /// that ended during a run took its whole life's CPU out of the run's figure.
    /// </summary>
    private static double PostgresMilliseconds()
    {
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (File.ReadAllText($"{dir}/comm").Trim() == "postgres") total += CpuMilliseconds(pid, withReapedChildren: true);
            }
            catch (IOException) { }
        }
        return total;
    }

    /// <summary>User and system CPU time of process <paramref name="pid"/> so far (and of its children it reaped), from /proc/pid/stat.</summary>
    private static double CpuMilliseconds(int pid, bool withReapedChildren = false)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14–17 of proc(5): utime, stime, cutime, cstime (here from index 11, the text starting at field 3).
        var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
        if (withReapedChildren) ticks += long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture);
        return ticks * 1000.0 / 100; // USER_HZ
    }

    /// <summary>
    /// The machine's busy CPU time so far (all processes: host, PostgreSQL, wrk; without idle, I/O wait and time stolen by the
    /// hypervisor), from /proc/stat: per request it varies far less than requests/s on a shared machine.
    /// </summary>
    private static double BusyMilliseconds()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal …
        var busy = new[] { 1, 2, 3, 6, 7 }.Sum(i => long.Parse(f[i], CultureInfo.InvariantCulture));
        return busy * 1000.0 / 100; // USER_HZ
    }

    private static async Task<JsonElement> RunWrkAsync(string baseUrl, string script, int connections, int seconds, int threads)
    {
        var psi = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{seconds}s", "--timeout", "10s", "-s", script, baseUrl })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException($"wrk printed no result: {await stdout}{await stderr}");
        return JsonDocument.Parse(line["RESULT ".Length..]).RootElement.Clone();
    }

    // ---- The nightly run after a small change ------------------------------------------------------------------------------------

    private sealed record NightlyResult(List<double> FullSeconds, List<double> ChangedSeconds, long Persons, long Dirty, long FullPlacements, long ChangedPlacements);

    /// <summary>
    /// The full-year run (every unconfirmed placement of the year) and the nightly run after a social-insurance file for 1 % of the
    /// persons (through the real import; each round flips one month of theirs, so every round changes the data), interleaved.
    /// </summary>
    private static async Task<NightlyResult> NightlyAsync(IServiceProvider services, string connectionString, string dataDir, int runs)
    {
        var full = new List<double>();
        var changed = new List<double>();
        long persons = 0, dirty = 0, fullPlacements = 0, changedPlacements = 0;
        await using var c = new NpgsqlConnection(connectionString);
        await c.ExecuteAsync("CREATE TABLE IF NOT EXISTS bench.nightly_round (n int PRIMARY KEY)");
        for (var run = 0; run < runs; run++)
        {
            var watch = Stopwatch.StartNew();
            var all = await SendAsync(services, new RunCertificationBatch(ProvinceData.Year, null, OnlyChanged: false));
            full.Add(watch.Elapsed.TotalSeconds);
            fullPlacements = all.Placements;
            Log($"nightly: full-year run {all.Placements:N0} placements, {all.Changed:N0} changed in {watch.Elapsed.TotalSeconds:0.00} s");

            var round = await c.ExecuteScalarAsync<int>("INSERT INTO bench.nightly_round SELECT coalesce(max(n), 0) + 1 FROM bench.nightly_round RETURNING n");
            var file = await SocialInsuranceChangeAsync(c, dataDir, round, services);
            persons = file.Persons;
            var import = await SendAsync(services, new ImportLinkageData("social-insurance", File.OpenRead(file.Path)));
            dirty = await c.ExecuteScalarAsync<long>("SELECT count(*) FROM certification.placement_dirty");
            Log($"nightly: social-insurance file for {file.Persons:N0} persons ({import.Rows:N0} rows) imported; {dirty:N0} unconfirmed placements marked changed");
            await c.ExecuteAsync("ANALYZE certification.placement_dirty");
            watch.Restart();
            var summary = await SendAsync(services, new RunCertificationBatch(ProvinceData.Year, null, OnlyChanged: true));
            changed.Add(watch.Elapsed.TotalSeconds);
            changedPlacements = summary.Placements;
            Log($"nightly: changed-only run {summary.Placements:N0} placements, {summary.Changed:N0} results changed in {watch.Elapsed.TotalSeconds:0.00} s");
            await Declaration.BuildingBlocks.Messaging.Deliveries.DrainAsync(services, CancellationToken.None);
        }
        return new NightlyResult(full, changed, persons, dirty, fullPlacements, changedPlacements);
    }

    /// <summary>
    /// A social-insurance file for every hundredth insured person with a placement: their twelve months, with month
    /// <c>round % 12 + 1</c> unpaid in odd rounds and paid again in even ones (the generated data has every month paid but gaps).
    /// </summary>
    private static async Task<(string Path, long Persons)> SocialInsuranceChangeAsync(NpgsqlConnection c, string dataDir, int round, IServiceProvider services)
    {
        var path = Path.Combine(dataDir, "wrk", $"social-insurance-change-{round}.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var month = (round - 1) / 2 % 12 + 1;
        var unpaid = round % 2 == 1;
        // The persons are read back from Placement (the only module that can decrypt IdNumbers): one in a hundred, by id order.
        await using var scope = services.CreateAsyncScope();
        var protector = scope.ServiceProvider.GetRequiredService<Declaration.BuildingBlocks.Security.IPersonalDataProtector>();
        var rows = await c.QueryAsync<(byte[] Enc, string Payer)>("""
            SELECT DISTINCT ON (id_number_index) id_number_enc, credit_code FROM placement.placement
            WHERE business_year = 2025 AND get_byte(id_number_index, 0) * 256 + get_byte(id_number_index, 1) < 655 ORDER BY id_number_index, id
            """, commandTimeout: 0);
        long persons = 0;
        await using (var w = new StreamWriter(path, false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            await w.WriteLineAsync("id_number,payer_credit_code,month,insurance_type,paid");
            foreach (var (enc, payer) in rows)
            {
                persons++;
                var id = protector.Decrypt(enc);
                await w.WriteLineAsync($"{id},{payer},2025-{month:D2},pension,{(unpaid ? 0 : 1)}");
            }
        }
        return (path, persons);
    }

    // ---- Report ------------------------------------------------------------------------------------------------------------------

    private static string Report(List<ScenarioResult> results, long peakMemory, NightlyResult? nightly, int connections, int duration)
    {
        var sb = new StringBuilder();
        var load = File.ReadAllText("/proc/loadavg").Trim();
        sb.AppendLine(CultureInfo.InvariantCulture, $"load benchmark: wrk 2 threads, {connections} connections, {duration} s per run after a warm-up ({string.Join(", ", results.GroupBy(r => r.Key == "declare").Select(g => $"{(g.Key ? "下一步" : "pages")} {g.Average(r => r.WarmSeconds):0} s"))}); medians of {results.Select(r => r.Round).DefaultIfEmpty().Max()} rounds; machine load now {load}");
        if (results.Count > 0)
        {
            var floorByRound = results.Where(r => r.Key == "floor-me").ToDictionary(r => r.Round);
            sb.AppendLine("| page | requests/s | p50 | p99 | errors | req/s ÷ floor | p99 ÷ floor p99 | target |");
            sb.AppendLine("|---|---|---|---|---|---|---|---|");
            foreach (var group in results.GroupBy(r => r.Key))
            {
                var rs = group.ToList();
                double Med(Func<ScenarioResult, double> f) => rs.Select(f).Order().ElementAt(rs.Count / 2);
                var rateRatio = rs.Where(r => floorByRound.ContainsKey(r.Round)).Select(r => r.RequestsPerSecond / floorByRound[r.Round].RequestsPerSecond).Order().ToList();
                var p99Ratio = rs.Where(r => floorByRound.ContainsKey(r.Round)).Select(r => r.P99Ms / floorByRound[r.Round].P99Ms).Order().ToList();
                var rr = rateRatio.Count > 0 ? rateRatio[rateRatio.Count / 2] : double.NaN;
                var pr = p99Ratio.Count > 0 ? p99Ratio[p99Ratio.Count / 2] : double.NaN;
                var errors = rs.Sum(r => r.Errors);
                var target = group.Key switch
                {
                    "floor-me" or "floor-live" => "—",
                    "declare" => rr >= 0.10 && errors == 0 ? "met (≥ 10 %)" : "NOT met (≥ 10 %)",
                    _ => rr >= 0.35 && pr <= 4 && errors == 0 ? "met" : "NOT met (≥ 35 %, p99 ≤ 4×, 0 errors)",
                };
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"| {rs[0].Label} | {Med(r => r.RequestsPerSecond):N0} | {Med(r => r.P50Ms):0.0} ms | {Med(r => r.P99Ms):0.0} ms | {errors} | {rr:P0} | {pr:0.0}× | {target} |");
            }
            var declared = results.Where(r => r.Key == "declare" && floorByRound.ContainsKey(r.Round)).ToList();
            if (declared.Count > 0)
            {
                var perRound = declared.Select(r => r.SustainedPerSecond / floorByRound[r.Round].RequestsPerSecond).ToList();
                var ratio = perRound.Order().ElementAt(perRound.Count / 2);
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"下一步 sustained (timed until its events were handed on and applied, {string.Join(", ", declared.Select(r => $"{r.DrainSeconds:0.0}"))} s after the runs): " +
                    $"{declared.Select(r => r.SustainedPerSecond).Order().ElementAt(declared.Count / 2):N0} declarations/s = {ratio:P1} of the floor " +
                    $"({(ratio >= 0.10 ? "met" : "NOT met")}, ≥ 10 %); per round {string.Join(", ", perRound.Select(x => x.ToString("P1", CultureInfo.InvariantCulture)))}");
            }
            sb.AppendLine("rounds (req/s): " + string.Join("; ", results.GroupBy(r => r.Key).Select(g => $"{g.Key} " + string.Join(", ", g.Select(r => r.RequestsPerSecond.ToString("N0", CultureInfo.InvariantCulture))))));
            sb.AppendLine(CultureInfo.InvariantCulture, $"host process peak memory (VmHWM): {peakMemory / 1024.0 / 1024.0:N0} MB");
        }
        if (nightly is not null)
        {
            static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);
            var f = Median(nightly.FullSeconds);
            var ch = Median(nightly.ChangedSeconds);
            sb.AppendLine(CultureInfo.InvariantCulture, $"nightly: full-year run ({nightly.FullPlacements:N0} unconfirmed placements) median {f:0.00} s ({string.Join(", ", nightly.FullSeconds.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))})");
            sb.AppendLine(CultureInfo.InvariantCulture, $"nightly: after a social-insurance file for {nightly.Persons:N0} persons (1 %): {nightly.Dirty:N0} placements marked, run over {nightly.ChangedPlacements:N0} placements median {ch:0.00} s ({string.Join(", ", nightly.ChangedSeconds.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}) = {ch / f:P1} of the full-year run (target ≤ 5 %)");
        }
        return sb.ToString();
    }

    // ---- Plumbing ----------------------------------------------------------------------------------------------------------------

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Declaration.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Declaration.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// The warm-up before a scenario's measured run (<c>--warm-up</c>, 5 s): the declaration's own (<c>--declare-warm-up</c>) may be
    /// longer, for the first declaration on each pooled connection parses and plans the engine's 16 KB statement (about 60 ms of
    /// PostgreSQL's CPU idle, several hundred under load).
    /// </summary>
    private static int WarmUpSeconds(string[] args, string scenario)
    {
        var all = Option(args, "--warm-up", 5);
        return scenario == "declare" ? Option(args, "--declare-warm-up", all) : all;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? Text(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    internal static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    /// <summary>The host in Release as its own process (as in production: own keys, Production environment) against the benchmark's database.</summary>
    private sealed class HostProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private HostProcess(Process process, string baseUrl)
        {
            _process = process;
            BaseUrl = baseUrl;
        }

        public string BaseUrl { get; }

        public int Pid => _process.Id;

        public static ProcessStartInfo Start(string root, string connectionString, Keys keys, params string[] args)
        {
            var dll = Path.Combine(root, "Host", "Declaration.Host", "bin", "Release", "net10.0", "Declaration.Host.dll");
            if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} missing: dotnet build -c Release first");
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = root };
            psi.ArgumentList.Add(dll);
            foreach (var a in args) psi.ArgumentList.Add(a);
            // DECLARATION_BENCH_DB_OPTIONS: extra connection-string settings for the host, to compare driver settings in one run.
            psi.Environment["DECLARATION_DB"] = Environment.GetEnvironmentVariable("DECLARATION_BENCH_DB_OPTIONS") is { Length: > 0 } extra
                ? connectionString + ";" + extra : connectionString;
            psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
            psi.Environment["Declaration__PersonalData__EncryptionKey"] = keys.EncryptionKey;
            psi.Environment["Declaration__PersonalData__BlindIndexKey"] = keys.BlindIndexKey;
            // The benchmark signs in a handful of users and sends thousands of requests a second from one address: rate limits off.
            psi.Environment["Declaration__RateLimits__Enabled"] = "false";
            return psi;
        }

        public static async Task<HostProcess> StartAsync(string root, int port, string connectionString, Keys keys)
        {
            var url = $"http://127.0.0.1:{port}";
            var psi = Start(root, connectionString, keys, "--urls", url);
            psi.Environment["Declaration__AnnualReview__PublicBaseUrl"] = url;
            psi.RedirectStandardOutput = true;
            psi.RedirectStandardError = true;
            var process = Process.Start(psi)!;
            process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } d && !d.Contains("已启动", StringComparison.Ordinal)) Console.Error.WriteLine("  host: " + d); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } d) Console.Error.WriteLine("  host: " + d); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var http = new HttpClient();
            var watch = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited) throw new InvalidOperationException($"host exited with {process.ExitCode}");
                try
                {
                    if ((await http.GetAsync(url + "/health/ready")).IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) { }
                if (watch.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException("host did not become ready");
                await Task.Delay(500);
            }
            Log($"host (Release, pid {process.Id}) ready at {url} in {watch.Elapsed.TotalSeconds:0} s");
            return new HostProcess(process, url);
        }

        public long PeakWorkingSetBytes()
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            return 0;
        }

        public async Task<string> StopAsync()
        {
            if (_process.HasExited) return $"had exited with {_process.ExitCode}";
            _process.Kill(entireProcessTree: false);
            await _process.WaitForExitAsync();
            return "stopped";
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) await StopAsync();
            _process.Dispose();
        }
    }
}
