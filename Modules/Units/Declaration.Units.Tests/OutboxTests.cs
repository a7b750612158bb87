using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

public sealed class OutboxTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static UnitProfileChanged Event(Guid unitId) => new(unitId, Seed.UnitA, "甲", "enterprise", "330106", "330106", "T", "经办人", "13800571234", 1);

    private static Task<long> UnsentAsync() => App.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<long>("SELECT count(*) FROM units.outbox WHERE sent_at IS NULL", null, CancellationToken.None));

    [Test]
    public async Task AnEvent_WrittenInARolledBackTransaction_IsNeverPublished()
    {
        var unitId = Guid.NewGuid();
        await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await sp.GetRequiredService<IOutbox>().AddAsync(Event(unitId), CancellationToken.None);
            await db.RollbackAsync(CancellationToken.None);
            return 0;
        });
        var published = await App.Services.GetRequiredService<OutboxRelay>().ProcessOnceAsync(CancellationToken.None);
        await App.DeliverAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(published, Is.Zero);
            Assert.That(CountingProfileHandler.Handled.ContainsKey(unitId), Is.False);
        });
    }

    [Test]
    public async Task AnEvent_WrittenInACommittedTransaction_IsPublishedOnce_EvenWithTwoRelays()
    {
        var unitId = Guid.NewGuid();
        await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await sp.GetRequiredService<IOutbox>().AddAsync(Event(unitId), CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return 0;
        });
        Assert.That(await UnsentAsync(), Is.EqualTo(1));
        var relay1 = ActivatorUtilities.CreateInstance<OutboxRelay>(App.Services);
        var relay2 = ActivatorUtilities.CreateInstance<OutboxRelay>(App.Services);
        var counts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? relay1 : relay2).ProcessOnceAsync(CancellationToken.None)));
        var processor1 = ActivatorUtilities.CreateInstance<InboxProcessor>(App.Services);
        var processor2 = ActivatorUtilities.CreateInstance<InboxProcessor>(App.Services);
        await Task.WhenAll(processor1.ProcessOnceAsync(CancellationToken.None), processor2.ProcessOnceAsync(CancellationToken.None));
        var handled = CountingProfileHandler.Handled.GetValueOrDefault(unitId);
        Assert.Multiple(async () =>
        {
            Assert.That(counts.Sum(), Is.EqualTo(1));
            Assert.That(handled, Is.EqualTo(1));
            Assert.That(CountingProfileHandler.Handled[unitId], Is.EqualTo(1));
            Assert.That(await UnsentAsync(), Is.Zero);
        });
    }

    [Test]
    public async Task AMessage_DeliveredTwice_IsHandledOnce()
    {
        var evt = Event(Guid.NewGuid());
        await App.PublishAsync(evt);
        await App.RedeliverAsync(evt);
        Assert.That(CountingProfileHandler.Handled[evt.UnitId], Is.EqualTo(1));
    }

    [Test]
    public async Task UpdatingAProfile_WritesUnitProfileChanged_WithTheNewState()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        await App.DeliverAsync();
        CountingProfileHandler.Handled.TryRemove(a.Id, out _);
        await App.SendAsync(TestUsers.Employer(a.Id), Seed.Edit(a) with { ContactMobile = "13912345678" });
        var payload = await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<string>(
            "SELECT payload::text FROM units.outbox WHERE sent_at IS NULL AND type LIKE '%UnitProfileChanged'", null, CancellationToken.None));
        await App.DeliverAsync();
        var handled = CountingProfileHandler.Handled.GetValueOrDefault(a.Id);
        Assert.Multiple(async () =>
        {
            Assert.That(payload, Does.Contain("13912345678"));
            Assert.That(handled, Is.EqualTo(1));
        });
    }
}
