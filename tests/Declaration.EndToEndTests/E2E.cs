using Declaration.BuildingBlocks.Testing;
using Declaration.Host.Infrastructure;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;

namespace Declaration.EndToEndTests;

/// <summary>
/// One real web host per test process (Hangfire's storage is static) on a fresh PostgreSQL database with the demo data,
/// listening on a loopback port, and one headless Chromium (the Debian package) for the browser tests.
/// </summary>
[SetUpFixture]
public sealed class E2E
{
    private static WebApplication? _app;
    private static PostgresServer? _server;
    private static IPlaywright? _playwright;
    private static IBrowser? _browser;

    public static string BaseUrl { get; private set; } = string.Empty;
    public static IServiceProvider Services => _app!.Services;
    public static string ConnectionString => _server!.ConnectionString;
    public const string Password = "Demo@2026";
    public static readonly TimeSpan RateLimitWindow = TimeSpan.FromSeconds(5);

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = await PostgresServer.StartAsync("e2e");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, EnvironmentName = "Production", ApplicationName = typeof(WebApp).Assembly.GetName().Name });
        builder.Configuration.AddInMemoryCollection(TestApp.TestSettings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Declaration:Messaging:Enabled"] = "true",
            ["Declaration:Messaging:PollInterval"] = "00:00:00.200",
            ["Declaration:Hangfire:Enabled"] = "true",
            ["Declaration:Hangfire:PollSeconds"] = "1",
            ["Declaration:Files:Root"] = Path.Combine(Path.GetTempPath(), $"declaration-e2e-files-{Guid.NewGuid():N}"),
            ["Logging:LogLevel:Default"] = "Warning",
            // Short windows, so the rate-limit tests can exhaust one and every other test finds it fresh a few seconds later.
            ["Declaration:RateLimits:Window"] = RateLimitWindow.ToString(),
            ["Declaration:RateLimits:SignInPerAddress"] = "60",
            ["Declaration:RateLimits:SignInPerUserName"] = "12",
            ["Declaration:RateLimits:VerifyPerAddress"] = "30",
            ["Declaration:RateLimits:UploadsPerAccount"] = "60",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = WebApp.Build(builder, _server.ConnectionString);
        await Startup.MigrateAsync(_app.Services, CancellationToken.None);
        await _app.StartAsync();
        BaseUrl = _app.Urls.First().TrimEnd('/');
        await DemoData.SeedAsync(_app.Services, null, CancellationToken.None);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (_server is not null) await _server.DisposeAsync();
    }

    /// <summary>The shared headless Chromium, started on first use.</summary>
    public static async Task<IBrowser> BrowserAsync()
    {
        if (_browser is not null) return _browser;
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium" : null,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        return _browser;
    }
}
