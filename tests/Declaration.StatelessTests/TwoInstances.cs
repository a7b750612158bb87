using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Testing;
using Declaration.Host.Infrastructure;
using Declaration.Host.Web;
using Declaration.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Declaration.StatelessTests;

/// <summary>
/// Two app instances (two service providers, as two hosts would have) on one test database: instance A is the usual module
/// test app; instance B is composed the same way on A's connection string, with its own name, its own clock and nothing shared
/// in memory with A.
/// </summary>
[SetUpFixture]
public sealed class TwoInstances
{
    private static TestApp? _a;
    private static IHost? _b;

    public static TestApp A => _a!;
    public static IServiceProvider B => _b!.Services;
    public static FakeClock ClockB { get; } = new(new DateTimeOffset(2026, 3, 15, 2, 0, 0, TimeSpan.Zero));
    public static ImportFileJobHooks HooksA { get; } = new();

    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Declaration:Files:ChunkBytes"] = "65536",
        ["Declaration:Files:Root"] = Path.Combine(Path.GetTempPath(), $"declaration-stateless-legacy-{Guid.NewGuid():N}"),
    };

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _a = await ModuleTestApp.StartAsync("stateless", settings: new Dictionary<string, string?>(Settings) { ["Declaration:HostName"] = "instance-a" });
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TestApp.TestSettings);
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Declaration:HostName"] = "instance-b" });
        builder.Services.AddSingleton<TimeProvider>(ClockB);
        builder.Services.AddDeclarationCore(builder.Configuration, _a.Server.ConnectionString);
        _b = builder.Build();
        await _b.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_b is not null)
        {
            await _b.StopAsync();
            _b.Dispose();
        }
        if (_a is not null) await _a.DisposeAsync();
    }

    public static async Task<T> InScopeAsync<T>(IServiceProvider services, Func<IServiceProvider, Task<T>> work, ICurrentUser? user = null)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user ?? TestUsers.System;
        return await work(scope.ServiceProvider);
    }

    /// <summary>The import job runner of an instance, as a Hangfire worker of that host would run it.</summary>
    public static ImportFileJob ImportJobOf(IServiceProvider services, ImportFileJobHooks? hooks = null) =>
        new(services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<IConfiguration>(),
            services.GetRequiredService<ILogger<ImportFileJob>>(), hooks);
}
