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

    /// <summary>Publishes what was written to the outboxes and gives this process's consumers time to handle it.</summary>
    public static async Task DrainOutboxAsync(IServiceProvider services, CancellationToken ct)
    {
        var relay = services.GetRequiredService<OutboxRelay>();
        for (var quiet = 0; quiet < 3;)
        {
            var published = await relay.ProcessOnceAsync(ct);
            quiet = published == 0 ? quiet + 1 : 0;
            await Task.Delay(published == 0 ? 200 : 50, ct);
        }
    }
}
