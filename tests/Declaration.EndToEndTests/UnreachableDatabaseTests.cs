using System.Net;
using Declaration.BuildingBlocks.Hosting;
using Declaration.BuildingBlocks.Testing;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Declaration.EndToEndTests;

/// <summary>
/// A second web host, composed exactly like the real one, on a PostgreSQL address where nothing listens (Hangfire off: its
/// storage is static and belongs to the suite's host). Its readiness must fail while liveness holds; its unhandled errors show
/// how /api and pages answer one.
/// </summary>
public sealed class UnreachableDatabaseTests
{
    private WebApplication? _app;
    private HttpClient? _client;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production", ApplicationName = typeof(WebApp).Assembly.GetName().Name });
        builder.Configuration.AddInMemoryCollection(TestApp.TestSettings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Declaration:Hangfire:Enabled"] = "false",
            ["Declaration:Sms:SenderEnabled"] = "false",
            ["Logging:LogLevel:Default"] = "None",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var nowhere = $"Host=127.0.0.1;Port={LocalPostgresCluster.FreePort()};Username=postgres;Database=declaration;Timeout=3";
        _app = WebApp.Build(builder, nowhere);
        // Endpoints that fail the way a bug does (not an AppException), one under /api and one page.
        _app.MapGet("/api/test/unhandled", (HttpContext _) => Task.FromException(new InvalidOperationException("internal detail 42"))).AllowAnonymous();
        _app.MapGet("/test/unhandled", (HttpContext _) => Task.FromException(new InvalidOperationException("internal detail 42"))).AllowAnonymous();
        await _app.StartAsync();
        _client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(_app.Urls.First()) };
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _client?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [Test]
    public async Task Ready_FailsWhenPostgresIsUnreachable_WhileLiveHolds()
    {
        var live = await _client!.GetAsync("/health/live");
        var ready = await _client.GetAsync("/health/ready");
        var body = await ready.Content.ReadAsStringAsync();
        Assert.Multiple(() =>
        {
            Assert.That(live.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(body, Does.Contain("\"postgresql\":{\"status\":\"Unhealthy\""));
        });
    }

    [Test]
    public async Task AnUnhandledApiError_IsProblemJson_WithoutInternals_AndAPageKeepsItsErrorPage()
    {
        var api = await _client!.GetAsync("/api/test/unhandled");
        await OperationsTests.AssertProblemAsync(api, 500, "服务器内部错误");
        Assert.That(await api.Content.ReadAsStringAsync(), Does.Not.Contain("internal detail 42").And.Not.Contain("InvalidOperationException"));

        var page = await _client.GetAsync("/test/unhandled");
        Assert.Multiple(() =>
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.InternalServerError));
            Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
        });
    }
}
