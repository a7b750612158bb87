using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

public sealed class OutboxTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static UnitProfileChanged Event(Guid unitId) => new(unitId, Seed.UnitA, "甲", "enterprise", "330106", "330106", "T", "经办人", "13800571234", 1);

    private static Task<long> UnsentAsync() => App.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<long>("SELECT count(*) FROM units.outbox WHERE sent_at IS NULL", null, CancellationToken.None));

    /// <summary>
    /// The inbox processor marks each row processed (or failed, or re-queued) by its id: that must be an index lookup, or every
    /// delivery reads the whole inbox (50,000 units imported: 2,000 events a minute, falling as the inbox grew).
    /// </summary>
    [Test]
    public async Task MarkingAnInboxRowByItsId_IsAnIndexLookup()
    {
        var plan = await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            await db.ExecuteAsync("SET LOCAL enable_seqscan = off", null, CancellationToken.None);
            var lines = await db.QueryAsync<string>("EXPLAIN UPDATE units.inbox SET processed_at = now(), attempts = attempts + 1 WHERE id = 42",
                null, CancellationToken.None);
            await db.RollbackAsync(CancellationToken.None);
            return string.Join("\n", lines);
        });
        Assert.That(plan, Does.Contain("Index").And.Not.Contain("Seq Scan"), plan);
    }

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

    /// <summary>
    /// With the database fan-out, an event nothing composed handles is not written (it would be claimed and marked sent for nothing:
    /// a declaration's PlacementCertified, whose readers would be outside, cost 0.48 ms of its 7 ms of statements); one that is handled,
    /// in the same transaction, is.
    /// </summary>
    [Test]
    public async Task AnEventNothingHandles_IsNotWritten_AndOneHandledInTheSameTransaction_Is()
    {
        var unitId = Guid.NewGuid();
        var placementId = Guid.NewGuid();
        var carries = await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            var outbox = sp.GetRequiredService<IOutbox>();
            await db.BeginAsync(CancellationToken.None);
            await outbox.AddAsync(new Certification.Contracts.PlacementCertified(placementId, unitId, 2025, 12, 12, false, 1), CancellationToken.None);
            await outbox.AddAsync(Event(unitId), CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return (outbox.Carries(typeof(Certification.Contracts.PlacementCertified)), outbox.Carries(typeof(UnitProfileChanged)));
        });
        var written = await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<long>(
            "SELECT count(*) FROM certification.outbox WHERE payload->>'placementId' = @id", new { id = placementId.ToString() }, CancellationToken.None));
        Assert.Multiple(async () =>
        {
            Assert.That(carries, Is.EqualTo((false, true)));
            Assert.That(written, Is.Zero, "no row for the event nothing handles");
            Assert.That(await UnsentAsync(), Is.EqualTo(1), "the handled event is written");
        });
    }

    /// <summary>
    /// An outbox that cannot be read now (a long lock on it: a migration, a VACUUM FULL; or a relay's round trip queued behind a
    /// busy deadline day's requests) holds up no other module's events: a pass hands every outbox on at once.
    /// </summary>
    [Test]
    public async Task AnOutboxThatCannotBeReadNow_HoldsUpNoOtherModulesEvents()
    {
        var schemas = App.Services.GetServices<ModuleDescriptor>().Select(m => m.Schema).ToList();
        var (first, last) = (schemas[0], schemas[^1]);
        var unitId = Guid.NewGuid();
        var types = App.Services.GetRequiredService<EventTypeMap>();
        var dataSource = App.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using (var write = await dataSource.OpenConnectionAsync())
        {
            // An event in the last module's outbox, as its outbox writes it.
            var @event = Event(unitId) with { OccurredAt = DateTimeOffset.UtcNow };
            await using var insert = new Npgsql.NpgsqlCommand($"INSERT INTO {last}.outbox (id, type, payload, occurred_at) VALUES ($1, $2, $3::jsonb, $4)", write)
            {
                Parameters = { new() { Value = @event.Id }, new() { Value = types.NameOf(@event.GetType()) }, new() { Value = types.Serialize(@event) }, new() { Value = @event.OccurredAt } },
            };
            await insert.ExecuteNonQueryAsync();
        }
        await using var locker = await dataSource.OpenConnectionAsync();
        await using var lockTx = await locker.BeginTransactionAsync();
        await using (var @lock = new Npgsql.NpgsqlCommand($"LOCK TABLE {first}.outbox IN ACCESS EXCLUSIVE MODE", locker, lockTx)) await @lock.ExecuteNonQueryAsync();

        var pass = App.Services.GetRequiredService<OutboxRelay>().ProcessOnceAsync(CancellationToken.None);
        long delivered = 0;
        for (var waited = 0; waited < 150 && delivered == 0; waited++)
        {
            await Task.Delay(100);
            await using var read = await dataSource.OpenConnectionAsync();
            await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM units.inbox WHERE payload->>'unitId' = $1", read) { Parameters = { new() { Value = unitId.ToString() } } };
            delivered = (long)(await count.ExecuteScalarAsync())!;
        }
        var stillWaiting = !pass.IsCompleted;
        await lockTx.RollbackAsync();
        var handedOn = await pass;
        Assert.Multiple(() =>
        {
            Assert.That(delivered, Is.EqualTo(2), $"the event in {last}'s outbox reached both handlers while {first}'s outbox was locked");
            Assert.That(stillWaiting, Is.True, $"the pass was still waiting for {first}'s outbox");
            Assert.That(handedOn, Is.GreaterThanOrEqualTo(1));
        });
    }

    [Test]
    public async Task ManyEvents_AppliedByConcurrentWorkers_AreEachHandledOnce()
    {
        var units = await PublishManyAsync(60);
        var attempted = await ProcessOnceAsync(workers: 4, batch: 5);
        Assert.Multiple(() =>
        {
            Assert.That(attempted, Is.GreaterThanOrEqualTo(units.Count), "every delivery in one pass");
            Assert.That(units.Select(u => CountingProfileHandler.Handled.GetValueOrDefault(u)), Is.All.EqualTo(1));
        });
    }

    /// <summary>One pass of an inbox processor with <paramref name="workers"/> workers claiming <paramref name="batch"/> rows at a time.</summary>
    private static Task<int> ProcessOnceAsync(int workers, int batch) =>
        ActivatorUtilities.CreateInstance<InboxProcessor>(App.Services,
            Options.Create(new MessagingOptions { InboxWorkers = workers, BatchSize = 500, InboxBatchSize = batch })).ProcessOnceAsync(CancellationToken.None);

    private static async Task<List<Guid>> PublishManyAsync(int count)
    {
        var units = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToList();
        await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            foreach (var unit in units) await sp.GetRequiredService<IOutbox>().AddAsync(Event(unit), CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return 0;
        });
        await App.Services.GetRequiredService<OutboxRelay>().ProcessOnceAsync(CancellationToken.None);
        return units;
    }

    [Test]
    public async Task ManyDeliveries_AreAppliedInBatches_EachBatchOneTransaction()
    {
        var units = await PublishManyAsync(60);
        var attempted = await ProcessOnceAsync(workers: 1, batch: 50);
        // The transaction that marked a row processed is the row version's xmin: one per batch.
        var (rows, transactions) = await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().QuerySingleAsync<(long, long)>(
            "SELECT count(*), count(DISTINCT xmin::text) FROM units.inbox WHERE processed_at IS NOT NULL", null, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(rows, Is.EqualTo(units.Count * 2), "both handlers of each event");
            Assert.That(attempted, Is.GreaterThanOrEqualTo(rows), "(and the other modules' handlers of the event)");
            Assert.That(transactions, Is.EqualTo((rows + 49) / 50), "fifty deliveries a transaction");
            Assert.That(units.Select(u => CountingProfileHandler.Handled.GetValueOrDefault(u)), Is.All.EqualTo(1));
            Assert.That(units.Select(u => FlakyProfileHandler.Handled.GetValueOrDefault(u)), Is.All.EqualTo(1));
        });
    }

    [Test]
    public async Task AFailingDelivery_InABatch_HoldsUpNoOther_AndIsCountedOnce()
    {
        var units = await PublishManyAsync(60);
        var failing = units[17];
        FlakyProfileHandler.Failing[failing] = true;
        try
        {
            await ProcessOnceAsync(workers: 2, batch: 50);
            var rows = await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().QueryAsync<(string, int, bool, string?)>("""
                SELECT consumer, attempts, processed_at IS NOT NULL, last_error FROM units.inbox ORDER BY id
                """, null, CancellationToken.None));
            var failed = rows.Where(r => r.Item3 == false).ToList();
            Assert.Multiple(() =>
            {
                Assert.That(rows, Has.Count.EqualTo(units.Count * 2));
                Assert.That(failed, Has.Count.EqualTo(1), "only the failing delivery is left pending");
                Assert.That(failed.Single().Item1, Does.EndWith(nameof(FlakyProfileHandler)));
                Assert.That(failed.Single().Item2, Is.EqualTo(1), "the rolled-back batch does not count as an attempt");
                Assert.That(failed.Single().Item4, Does.Contain("模拟故障"));
                Assert.That(rows.Where(r => r.Item3).Select(r => r.Item2), Is.All.EqualTo(1), "every other delivery applied on its first attempt");
                Assert.That(units.Select(u => CountingProfileHandler.Handled.GetValueOrDefault(u)), Is.All.EqualTo(1), "each applied once");
                Assert.That(units.Where(u => u != failing).Select(u => FlakyProfileHandler.Handled.GetValueOrDefault(u)), Is.All.EqualTo(1));
                Assert.That(FlakyProfileHandler.Handled.ContainsKey(failing), Is.False);
            });
        }
        finally
        {
            FlakyProfileHandler.Failing.TryRemove(failing, out _);
        }
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

/// <summary>A handler that keeps failing: retried with a growing back-off, parked after MaxAttempts, listed, re-driven; the others are not held up.</summary>
public sealed class ParkingTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<(int Attempts, DateTimeOffset? Next, DateTimeOffset? Parked, string? Error)> RowAsync(Guid messageId) =>
        App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().QuerySingleAsync<(int, DateTimeOffset?, DateTimeOffset?, string?)>("""
            SELECT attempts, next_attempt_at, parked_at, last_error FROM units.inbox WHERE message_id = @messageId AND consumer LIKE '%FlakyProfileHandler'
            """, new { messageId }, CancellationToken.None));

    [Test]
    public async Task AFailingHandler_IsRetriedWithBackOff_ParkedAfterMaxAttempts_ListedAndRedriven_WithoutHoldingUpTheOthers()
    {
        var unitId = Guid.NewGuid();
        FlakyProfileHandler.Failing[unitId] = true;
        var evt = new UnitProfileChanged(unitId, Seed.UnitA, "甲", "enterprise", "330106", "330106", "T", "经办人", "13800571234", 1);
        await App.PublishAsync(evt);
        var maxAttempts = App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<MessagingOptions>>().Value.MaxAttempts;
        var delays = new List<TimeSpan>();
        var immediateRetry = await RowAsync(evt.Id);
        await App.DeliverAsync();   // not due yet: nothing happens before the back-off
        var stillOne = await RowAsync(evt.Id);
        for (var i = 0; i < maxAttempts - 1; i++)
        {
            var row = await RowAsync(evt.Id);
            delays.Add(row.Next!.Value - App.Clock.Now);
            App.Clock.Advance(row.Next.Value - App.Clock.Now + TimeSpan.FromMilliseconds(1));
            await App.DeliverAsync();
        }
        var parked = await RowAsync(evt.Id);
        App.Clock.Advance(TimeSpan.FromDays(1));
        await App.DeliverAsync();
        var deliveries = App.Services.GetRequiredService<Deliveries>();
        var issues = await deliveries.IssuesAsync(10, CancellationToken.None);
        var stats = (await deliveries.StatsAsync(CancellationToken.None)).Single(s => s.Schema == "units");
        var listed = await CliRunner.RunAsync(App.Server.ConnectionString, "deliveries");

        FlakyProfileHandler.Failing.TryRemove(unitId, out _);
        var issue = issues.Single(i => i.MessageId == evt.Id);
        var redriven = await deliveries.RedriveAsync(issue.Schema, issue.Queue, issue.Id, CancellationToken.None);
        await App.DeliverAsync();
        var after = await deliveries.IssuesAsync(10, CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(immediateRetry.Attempts, Is.EqualTo(1));
            Assert.That(stillOne.Attempts, Is.EqualTo(1), "a failed delivery waits for its back-off");
            Assert.That(delays.Zip(delays.Skip(1)).Count(d => d.Second > d.First), Is.GreaterThanOrEqualTo(delays.Count - 3), "the back-off grows");
            Assert.That(parked.Attempts, Is.EqualTo(maxAttempts));
            Assert.That(parked.Parked, Is.Not.Null);
            Assert.That(parked.Error, Does.Contain("模拟故障"));
            Assert.That(CountingProfileHandler.Handled.GetValueOrDefault(unitId), Is.EqualTo(1), "the other handler of the same event was not held up");
            Assert.That(issue.Parked, Is.True);
            Assert.That(stats.InboxParked, Is.EqualTo(1));
            Assert.That(listed.ExitCode, Is.EqualTo(1), listed.StandardError);
            Assert.That(listed.StandardOutput, Does.Contain("parked units inbox").And.Contain("FlakyProfileHandler"));
            Assert.That(redriven, Is.True);
            Assert.That(FlakyProfileHandler.Handled.GetValueOrDefault(unitId), Is.EqualTo(1), "re-driven and handled once");
            Assert.That(after.Where(i => i.MessageId == evt.Id), Is.Empty);
        });
    }
}
