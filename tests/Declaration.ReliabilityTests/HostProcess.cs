using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Declaration.BuildingBlocks.Testing;

namespace Declaration.ReliabilityTests;

/// <summary>
/// The real web host as a child process (Declaration.Host.dll next to the test assembly) on a test database: started, killed
/// with SIGKILL (<see cref="Process.Kill()"/> on Linux, as <c>kill -9</c>) at any instant, and started again on the same port.
/// </summary>
internal sealed class HostProcess(string connectionString, IReadOnlyDictionary<string, string> settings) : IAsyncDisposable
{
    private Process? _process;
    private readonly int _port = FreePort();
    private readonly List<string> _log = [];

    public string BaseUrl => $"http://127.0.0.1:{_port}";
    public int Starts { get; private set; }
    public int Kills { get; private set; }
    public bool Running => _process is { HasExited: false };

    public async Task StartAsync()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Declaration.Host.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(dll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(BaseUrl);
        psi.Environment["DECLARATION_DB"] = connectionString;
        foreach (var (key, value) in TestApp.TestSettings) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        foreach (var (key, value) in settings) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Starts++;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"the host exited with {_process.ExitCode}:\n{string.Join('\n', Tail())}");
            try
            {
                if ((await http.GetAsync($"{BaseUrl}/Account/Login")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(200);
        }
        throw new TimeoutException($"the host did not answer in time:\n{string.Join('\n', Tail())}");
    }

    /// <summary>SIGKILL: no shutdown code runs, in-flight requests and transactions die with the process.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        Kills++;
    }

    public IReadOnlyList<string> Tail()
    {
        lock (_log) return _log.TakeLast(40).ToList();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_log)
        {
            _log.Add(line);
            if (_log.Count > 2000) _log.RemoveRange(0, 1000);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false }) await KillAsync();
        _process?.Dispose();
    }
}
