using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Declaration.ClusterTests;

/// <summary>
/// The multi-host mode as an operator starts it: <c>scripts/cluster --hosts 3</c> (PostgreSQL, RabbitMQ, three hosts, nginx with
/// deploy/nginx/declaration-proxy.conf), each host with a short Hangfire invisibility timeout (a dead host's job moves on
/// quickly), the nightly batch every minute, and an SMS platform played by this test (it records every delivery).
/// </summary>
[SetUpFixture]
public sealed class Cluster
{
    private static Process? _script;
    private static readonly StringBuilder Output = new();
    private static HttpListener? _sms;

    public static string Dir { get; private set; } = string.Empty;
    public static string Url { get; private set; } = string.Empty;
    public static IReadOnlyDictionary<string, string> State { get; private set; } = new Dictionary<string, string>();
    public static string ConnectionString { get; private set; } = string.Empty;

    /// <summary>Every delivery the SMS platform received: (Idempotency-Key, mobile, content).</summary>
    public static ConcurrentQueue<(string Key, string Body)> SmsReceived { get; } = new();

    public static int HostPid(string host) => int.Parse(State[$"{host.ToUpperInvariant()}_PID"], System.Globalization.CultureInfo.InvariantCulture);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var repo = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repo, "Declaration.sln"))) repo = Path.GetDirectoryName(repo) ?? throw new InvalidOperationException("repository root not found");
        Dir = Path.Combine("/tmp", $"declaration-cluster-test-{Guid.NewGuid():N}");
        var smsPort = FreePort();
        _sms = new HttpListener();
        _sms.Prefixes.Add($"http://127.0.0.1:{smsPort}/");
        _sms.Start();
        _ = Task.Run(ServeSmsAsync);

        var start = new ProcessStartInfo("bash", [Path.Combine(repo, "scripts", "cluster"), "--hosts", "3"])
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        var env = start.Environment;
        env["DECLARATION_CLUSTER_DIR"] = Dir;
        env["DECLARATION_CLUSTER_NO_BUILD"] = "1";
        env["Declaration__Hangfire__PollSeconds"] = "1";
        env["Declaration__Hangfire__InvisibilityTimeout"] = "00:00:15";
        env["Declaration__Hangfire__DistributedLockTimeout"] = "00:00:20";
        env["Declaration__Certification__NightlyCron"] = "* * * * *";
        env["Declaration__Sms__Gateway__Url"] = $"http://127.0.0.1:{smsPort}/sms";
        env["Declaration__Sms__PollInterval"] = "00:00:01";
        env["Logging__LogLevel__Default"] = "Warning";
        _script = Process.Start(start)!;
        _script.OutputDataReceived += (_, e) => { lock (Output) Output.AppendLine(e.Data); };
        _script.ErrorDataReceived += (_, e) => { lock (Output) Output.AppendLine(e.Data); };
        _script.BeginOutputReadLine();
        _script.BeginErrorReadLine();

        var stateFile = Path.Combine(Dir, "cluster.env");
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (true)
        {
            if (File.Exists(stateFile) && await File.ReadAllTextAsync(stateFile) is { } text && text.Contains("READY=1", StringComparison.Ordinal))
            {
                State = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
                break;
            }
            if (_script.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"scripts/cluster did not start (exit {(_script.HasExited ? _script.ExitCode : -1)}):\n{Output}");
            await Task.Delay(250);
        }
        Url = State["URL"];
        ConnectionString = $"Host=127.0.0.1;Port={State["PG_PORT"]};Username=postgres;Database=declaration";
        TestContext.Progress.WriteLine($"cluster up at {Url} ({Dir})");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_script is { HasExited: false })
        {
            // As Ctrl-C would: the script stops nginx, the hosts, the broker and its epmd, and PostgreSQL.
            using (var kill = Process.Start("kill", ["-TERM", _script.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try { await _script.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { _script.Kill(entireProcessTree: true); }
        }
        _sms?.Stop();
        NpgsqlConnection.ClearAllPools();
        TestContext.Progress.WriteLine(Output.ToString());
        if (TestContext.CurrentContext.Result.FailCount > 0) PrintLogTails();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>After a failure: the ends of nginx's and every host's logs (the folder is removed after the run).</summary>
    private static void PrintLogTails()
    {
        IEnumerable<string> hostLogs = Directory.Exists(Path.Combine(Dir, "logs")) ? Directory.GetFiles(Path.Combine(Dir, "logs"), "host*.log").Order() : [];
        foreach (var path in new[] { "nginx/logs/access.log", "nginx/logs/error.log" }.Select(l => Path.Combine(Dir, l)).Concat(hostLogs))
        {
            if (!File.Exists(path)) continue;
            var lines = File.ReadLines(path).TakeLast(60).ToList();
            TestContext.Progress.WriteLine($"--- {Path.GetRelativePath(Dir, path)} (last {lines.Count} lines) ---");
            foreach (var line in lines) TestContext.Progress.WriteLine(line);
        }
    }

    private static async Task ServeSmsAsync()
    {
        while (_sms is { IsListening: true })
        {
            HttpListenerContext context;
            try { context = await _sms.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            SmsReceived.Enqueue((context.Request.Headers["Idempotency-Key"] ?? string.Empty, body));
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            var reply = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { messageId = "gw-" + Guid.NewGuid().ToString("N") }));
            await context.Response.OutputStream.WriteAsync(reply);
            context.Response.Close();
        }
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public static async Task<List<object?[]>> RowsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: not reached within {timeout.TotalSeconds:0} s (last: {value})");
            await Task.Delay(250);
        }
    }
}

/// <summary>An HTTP client with its own cookies, through the proxy, signed in through the real login form (antiforgery included).</summary>
public sealed partial class Session : IDisposable
{
    private readonly HttpClientHandler _handler = new() { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };

    public Session() => Client = new HttpClient(_handler) { BaseAddress = new Uri(Cluster.Url), Timeout = TimeSpan.FromSeconds(120) };

    public HttpClient Client { get; }

    /// <summary>The hosts that served this session's requests, in order (the X-Declaration-Host response header).</summary>
    public List<string> Hosts { get; } = [];

    public static async Task<Session> SignInAsync(string user)
    {
        var session = new Session();
        var response = await session.PostFormAsync("/Account/Login", new() { ["UserName"] = user, ["Password"] = "Demo@2026" });
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in of {user} failed: {(int)response.StatusCode}");
        return session;
    }

    /// <summary>
    /// Sends the request; a state-changing /api call carries the session's antiforgery token as the RequestVerificationToken
    /// header, as a page's script does (fetched from <c>GET /api/antiforgery</c> once per sign-in).
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (request.RequestUri!.OriginalString.StartsWith("/api/", StringComparison.Ordinal) && request.Method != HttpMethod.Get
            && request.Method != HttpMethod.Head && !request.Headers.Contains("RequestVerificationToken"))
            request.Headers.Add("RequestVerificationToken", _apiToken ??= await ApiTokenAsync());
        var response = await Client.SendAsync(request);
        Hosts.Add(HostOf(response));
        return response;
    }

    private string? _apiToken;

    private async Task<string> ApiTokenAsync()
    {
        using var response = await Client.GetAsync("/api/antiforgery");
        response.EnsureSuccessStatusCode();
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("token").GetString()!;
    }

    public Task<HttpResponseMessage> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    public static string HostOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues("X-Declaration-Host", out var values) ? values.Single() : "(none)";

    public async Task<string> TokenAsync(string formPage)
    {
        var page = await (await GetAsync(formPage)).Content.ReadAsStringAsync();
        return TokenPattern().Match(page).Groups[1].Value;
    }

    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields, string? formPage = null)
    {
        fields["__RequestVerificationToken"] = await TokenAsync(formPage ?? path);
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) });
    }

    public async Task<HttpResponseMessage> PostMultipartAsync(string path, string formPage, Dictionary<string, string> fields, string fileField, string fileName, byte[] file, string type)
    {
        var content = new MultipartFormDataContent();
        foreach (var (k, v) in fields) content.Add(new StringContent(v), k);
        content.Add(new StringContent(await TokenAsync(formPage)), "__RequestVerificationToken");
        var bytes = new ByteArrayContent(file);
        bytes.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        content.Add(bytes, fileField, fileName);
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content });
    }

    [System.Text.RegularExpressions.GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex TokenPattern();

    public void Dispose()
    {
        Client.Dispose();
        _handler.Dispose();
    }
}
