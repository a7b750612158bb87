using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;

namespace Declaration.Host.Infrastructure;

/// <summary><c>seed-demo</c>: every module's demo seeder in order, delivering the outbox between them so later seeders see earlier events.</summary>
public static class DemoData
{
    public static async Task SeedAsync(IServiceProvider services, Action<string>? log, CancellationToken ct)
    {
        var seeders = services.GetServices<IDemoDataSeeder>().OrderBy(s => s.Order).ToList();
        foreach (var seeder in seeders)
        {
            log?.Invoke($"演示数据：{seeder.GetType().Name}");
            await using (var scope = services.CreateSystemScope())
                await seeder.SeedAsync(scope.ServiceProvider, ct);
            await DrainOutboxAsync(services, ct);
        }
    }

    /// <summary>Delivers what was written to the outboxes to every subscriber, in this process, until nothing is due.</summary>
    public static Task DrainOutboxAsync(IServiceProvider services, CancellationToken ct) => Deliveries.DrainAsync(services, ct);
}
