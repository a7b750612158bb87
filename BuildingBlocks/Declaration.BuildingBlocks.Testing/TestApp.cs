using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Declaration.BuildingBlocks.Testing;

/// <summary>
/// The composed modules on a real PostgreSQL database, with the bus running and a fake clock: module tests send
/// requests through the mediator as a chosen user. One per test assembly; <see cref="ResetAsync"/> between tests.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly Func<IServiceProvider, Task> _migrate;

    private TestApp(PostgresServer server, IHost host, FakeClock clock, Func<IServiceProvider, Task> migrate)
    {
        Server = server;
        _host = host;
        Clock = clock;
        _migrate = migrate;
    }

    public PostgresServer Server { get; }
    public FakeClock Clock { get; }
    public IServiceProvider Services => _host.Services;

    public static readonly IReadOnlyDictionary<string, string?> TestSettings = new Dictionary<string, string?>
    {
        ["Declaration:PersonalData:EncryptionKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
        ["Declaration:PersonalData:BlindIndexKey"] = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray()),
        ["Declaration:Messaging:Enabled"] = "false",
        // Tests deliver by hand and read what each delivery did, in order (the concurrent workers have a test of their own).
        ["Declaration:Messaging:InboxWorkers"] = "1",
        ["Declaration:Hangfire:Enabled"] = "false",
    };

    /// <param name="name">Prefix of the test database.</param>
    /// <param name="compose">The host's composition (modules, mediator, bus) on a connection string.</param>
    /// <param name="migrate">The host's migration and reference-data step.</param>
    /// <param name="configureBefore">Extra registrations that must precede composition (e.g. a test event handler).</param>
    public static async Task<TestApp> StartAsync(string name, Action<IServiceCollection, IConfiguration, string> compose,
        Func<IServiceProvider, Task> migrate, Action<IServiceCollection>? configureBefore = null, IDictionary<string, string?>? settings = null)
    {
        var server = await PostgresServer.StartAsync(name);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(TestSettings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Declaration:Files:Root"] = Path.Combine(Path.GetTempPath(), $"declaration-test-files-{Guid.NewGuid():N}"),
        });
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        var clock = new FakeClock(new DateTimeOffset(2026, 3, 15, 2, 0, 0, TimeSpan.Zero));
        builder.Services.AddSingleton<TimeProvider>(clock);
        configureBefore?.Invoke(builder.Services);
        compose(builder.Services, builder.Configuration, server.ConnectionString);
        var host = builder.Build();
        await migrate(host.Services);
        await host.StartAsync();
        return new TestApp(server, host, clock, migrate);
    }

    /// <summary>Empties every module table and re-runs the reference-data seeders.</summary>
    public async Task ResetAsync()
    {
        var schemas = Services.GetServices<ModuleDescriptor>().Select(m => m.Schema).Append("platform").ToList();
        await Server.ResetAsync(schemas);
        await _migrate(Services);
        Clock.Now = new DateTimeOffset(2026, 3, 15, 2, 0, 0, TimeSpan.Zero);
    }

    /// <summary>Sends a request in a fresh scope as <paramref name="user"/>.</summary>
    public async Task<TResponse> SendAsync<TResponse>(ICurrentUser user, IRequest<TResponse> request)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(request);
    }

    public async Task<TResponse> SendAsync<TResponse>(ICurrentUser user, ICommand<TResponse> command)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command);
    }

    public async Task<TResponse> SendAsync<TResponse>(ICurrentUser user, IQuery<TResponse> query)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query);
    }

    /// <summary>Runs <paramref name="work"/> in a fresh scope as <paramref name="user"/>.</summary>
    public async Task<T> InScopeAsync<T>(ICurrentUser user, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = user;
        return await work(scope.ServiceProvider);
    }

    /// <summary>Writes events into their publishers' outboxes (one transaction, as a module's command does) and delivers them.</summary>
    public async Task PublishAsync(params Messaging.IntegrationEvent[] events)
    {
        await InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            foreach (var e in events) await sp.GetRequiredService<Messaging.IOutbox>().AddAsync(e, CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return 0;
        });
        await DeliverAsync();
    }

    /// <summary>
    /// Hands an already published event (same message id) to the relay again, as a second outbox row in another module's outbox
    /// (a relay that died after handing a row on but before marking it sent does this), and delivers it.
    /// </summary>
    public async Task RedeliverAsync(Messaging.IntegrationEvent e)
    {
        var types = Services.GetRequiredService<Messaging.EventTypeMap>();
        var publisher = types.SchemaOf(e.GetType());
        var other = Services.GetServices<ModuleDescriptor>().First(m => m.Schema != publisher).Schema;
        await InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().ExecuteAsync(
            $"INSERT INTO {other}.outbox (id, type, payload, occurred_at) VALUES (@Id, @type, @payload::jsonb, @OccurredAt)",
            new { e.Id, type = types.NameOf(e.GetType()), payload = types.Serialize(e), e.OccurredAt }, CancellationToken.None));
        await DeliverAsync();
    }

    /// <summary>Delivers every committed event to every subscriber until nothing is due (the relay and the inbox processor, in this process).</summary>
    public Task DeliverAsync() => Messaging.Deliveries.DrainAsync(Services, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>Users for tests.</summary>
public static class TestUsers
{
    public static readonly ICurrentUser System = new SystemUser();
    public static ICurrentUser Admin { get; } = new ExplicitUser("admin-1", "管理员", Role.Admin);
    public static ICurrentUser Employer(Guid unitId) => new ExplicitUser($"employer-{unitId:N}", "经办人", Role.Employer, unitId);
    public static ICurrentUser Reviewer(string jurisdiction) => new ExplicitUser($"reviewer-{jurisdiction}", $"审核员{jurisdiction}", Role.Reviewer, null, jurisdiction);
}
