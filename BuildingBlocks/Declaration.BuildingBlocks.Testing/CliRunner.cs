using System.Diagnostics;

namespace Declaration.BuildingBlocks.Testing;

public sealed record CliResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs the host's command-line verbs as a real process (the built Declaration.Host.dll next to the test assembly)
/// against the test database, as <c>./declaration</c> would.
/// </summary>
public static class CliRunner
{
    public static Task<CliResult> RunAsync(string connectionString, params string[] args) =>
        RunAsync(connectionString, new Dictionary<string, string?>(), args);

    /// <summary>Runs with <paramref name="environment"/> over the test settings (a null value removes the variable).</summary>
    public static async Task<CliResult> RunAsync(string connectionString, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Declaration.Host.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("Declaration.Host.dll is not next to the test assembly", dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DECLARATION_DB"] = connectionString;
        foreach (var (key, value) in TestApp.TestSettings)
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        foreach (var (key, value) in environment)
        {
            if (value is null) psi.Environment.Remove(key);
            else psi.Environment[key] = value;
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Declaration.Host {string.Join(' ', args)} did not exit within 3 minutes: {await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
