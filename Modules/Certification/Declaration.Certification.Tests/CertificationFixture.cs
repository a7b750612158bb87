using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.TestSupport;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Certification.Tests;

[SetUpFixture]
public sealed class CertificationFixture
{
    public static TestApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => LinkageData.Current = App = await ModuleTestApp.StartAsync("certification_tests",
        services => services.AddIntegrationEventHandler<CertificationResultChanged, CountingResultChangedHandler>("certification")
            .AddIntegrationEventHandler<PlacementCertified, PlacementCertifiedSubscriber>("certification"),
        new Dictionary<string, string?> { ["Declaration:Certification:ChunkPlacements"] = "2" });

    [OneTimeTearDown]
    public async Task StopAsync() => await App.DisposeAsync();
}

/// <summary>Counts deliveries of CertificationResultChanged per placement (through the inbox) that took effect (at commit).</summary>
internal sealed class CountingResultChangedHandler(IDbSession db) : IIntegrationEventHandler<CertificationResultChanged>
{
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, int> Handled = new();

    public Task HandleAsync(CertificationResultChanged @event, CancellationToken ct)
    {
        db.AfterCommit(() => Handled.AddOrUpdate(@event.PlacementId, 1, (_, n) => n + 1));
        return Task.CompletedTask;
    }
}

