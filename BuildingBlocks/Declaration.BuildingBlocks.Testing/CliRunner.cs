using System.Diagnostics;

namespace Declaration.BuildingBlocks.Testing;

public sealed record CliResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs the host's command-line verbs as a real process (the built Declaration.Host.dll next to the test assembly)
/// against the test database, as <c>./declaration</c> would.
/// </summary>
public static class CliRunner
{
    public static async Task<CliResult> RunAsync(string connectionString, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Declaration.Host.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("Declaration.Host.dll is not next to the test assembly", dll);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DECLARATION_DB"] = connectionString;
        foreach (var (key, value) in TestApp.TestSettings)
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }
}
