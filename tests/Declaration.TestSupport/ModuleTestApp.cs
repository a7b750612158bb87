using Declaration.BuildingBlocks.Testing;
using Declaration.Host.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.TestSupport;

/// <summary>The whole composition (all modules, mediator, in-memory bus) on a fresh test database.</summary>
public static class ModuleTestApp
{
    public static Task<TestApp> StartAsync(string name, Action<IServiceCollection>? configureBefore = null, IDictionary<string, string?>? settings = null) =>
        TestApp.StartAsync(name, (services, configuration, cs) => services.AddDeclarationCore(configuration, cs),
            services => Startup.MigrateAsync(services, CancellationToken.None), configureBefore, settings);
}
