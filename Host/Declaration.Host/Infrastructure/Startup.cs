using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Files;

namespace Declaration.Host.Infrastructure;

/// <summary>Migrations then each module's idempotent reference data, as the system user.</summary>
public static class Startup
{
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await services.GetRequiredService<MigrationRunner>().RunAsync(ct);
        await services.GetRequiredService<Declaration.BuildingBlocks.Security.KeyCheck>().VerifyAsync(ct);
        await using var scope = services.CreateSystemScope();
        var db = scope.ServiceProvider.GetRequiredService<IDbSession>();
        foreach (var seeder in scope.ServiceProvider.GetServices<IModuleSeeder>())
        {
            await db.BeginAsync(ct);
            await seeder.SeedAsync(db, ct);
            await db.CommitAsync(ct);
        }
        await services.PrepareFileStorageAsync(ct);
    }

    /// <summary>Runs <paramref name="work"/> in a fresh scope as <paramref name="user"/> (jobs, CLI, tests).</summary>
    public static async Task<T> AsUserAsync<T>(this IServiceProvider services, ICurrentUser user, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return await work(scope.ServiceProvider);
    }
}
