using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Declaration.BuildingBlocks.Hosting;
using Declaration.BuildingBlocks.Testing;

namespace Declaration.EndToEndTests;

/// <summary>
/// The built web host as a child process in Production with JSON logs and an OTLP endpoint (HTTP): standard output is one JSON
/// object a line, and a stand-in collector receives traces, metrics and logs on their OTLP paths.
/// </summary>
public sealed class TelemetryExportTests
{
    [Test]
    public async Task JsonLogsAndOtlpExport_ReachTheirDestinations()
    {
        var collectorPort = LocalPostgresCluster.FreePort();
        using var collector = new HttpListener();
        collector.Prefixes.Add($"http://127.0.0.1:{collectorPort}/");
        collector.Start();
        var received = new ConcurrentDictionary<string, string>();
        _ = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                HttpListenerContext context;
                try { context = await collector.GetContextAsync(); }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
                received[context.Request.Url!.AbsolutePath] = context.Request.ContentType ?? string.Empty;
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Declaration.Host.dll"));
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add("http://127.0.0.1:0");
        foreach (var (key, value) in TestApp.TestSettings) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        psi.Environment["DECLARATION_DB"] = E2E.ConnectionString;
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        psi.Environment["Declaration__Sms__SenderEnabled"] = "false"; // the suite's host does the suite's work
        psi.Environment["Declaration__Logging__Json"] = "true";
        psi.Environment["Declaration__Telemetry__OtlpEndpoint"] = $"http://127.0.0.1:{collectorPort}";
        psi.Environment["Declaration__Telemetry__OtlpProtocol"] = "http";
        psi.Environment["OTEL_METRIC_EXPORT_INTERVAL"] = "500";
        psi.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        psi.Environment["OTEL_BLRP_SCHEDULE_DELAY"] = "200";
        using var process = Process.Start(psi)!;
        var lines = new ConcurrentQueue<string>();
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lines.Enqueue(e.Data);
            if (e.Data.Contains("Now listening on", StringComparison.Ordinal) && e.Data.StartsWith('{'))
                address.TrySetResult(JsonDocument.Parse(e.Data).RootElement.GetProperty("State").GetProperty("address").GetString()!);
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await address.Task.WaitAsync(TimeSpan.FromMinutes(2));
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            for (var i = 0; i < 40 && !(received.ContainsKey("/v1/traces") && received.ContainsKey("/v1/metrics") && received.ContainsKey("/v1/logs")); i++)
            {
                Assert.That((await client.GetAsync("/Account/Login")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
                await Task.Delay(500);
            }
            var json = lines.Where(l => l.StartsWith('{')).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(received.Keys, Is.SupersetOf(new[] { "/v1/traces", "/v1/metrics", "/v1/logs" }), string.Join("\n", lines));
                Assert.That(received.Values, Has.All.EqualTo("application/x-protobuf"));
                Assert.That(json, Is.Not.Empty);
                Assert.That(lines.Where(l => !l.StartsWith("stderr", StringComparison.Ordinal) && l.Contains("\"LogLevel\"", StringComparison.Ordinal)),
                    Has.All.StartWith("{"), "every log line on standard output is JSON");
                using var first = JsonDocument.Parse(json[0]);
                Assert.That(first.RootElement.TryGetProperty("Timestamp", out _) && first.RootElement.TryGetProperty("Category", out _), Is.True, json[0]);
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            collector.Stop();
        }
    }
}
