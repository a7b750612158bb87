using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Certification.Features.Batch;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Certification.Tests.CertificationFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Certification.Tests;

/// <summary>The nightly batch: only dirty unconfirmed placements, one CertificationResultChanged per changed placement, resumable.</summary>
public sealed class BatchTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [TearDown]
    public void ClearHook() => App.Services.GetRequiredService<BatchHooks>().AfterChunkCommitted = null;

    private static Task<long> EventsAsync() =>
        ScalarAsync<long>("SELECT count(*) FROM certification.outbox WHERE type = 'Declaration.Certification.Contracts.CertificationResultChanged'");

    /// <summary>Six placements in three units (A, B, C), declared through Placement, none with a certificate yet.</summary>
    private static async Task<(Dictionary<string, Units.Contracts.UnitDto> Units, List<(string Id, Guid Placement)> People)> SixAsync()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var people = new List<(string, Guid)>();
        var i = 0;
        Declared.Clear();
        foreach (var code in new[] { A, A, B, B, C, C })
        {
            var id = IdNumber("19900101", 11 + 20 * i++);
            await PaidAsync(id, code, AllYear);
            var saved = await DeclareAsync(units[code], id);
            Declared[saved.PlacementId] = saved;
            people.Add((id, saved.PlacementId));
        }
        return (units, people);
    }

    private static readonly Dictionary<Guid, Placement.Contracts.PlacementSaved> Declared = [];

    [Test]
    public async Task Nightly_RecertifiesOnlyDirtyUnconfirmedPlacements_AndPublishesOneEventPerChangedPlacement()
    {
        var (units, people) = await SixAsync();
        await SubmitAsync(units[A], Declared[people[1].Placement]);
        await App.SendAsync(TestUsers.Reviewer("3301"), new Placement.Contracts.ReturnPlacement(people[1].Placement, "退回"));
        // Certificates for persons 0, 1 (returned, still unconfirmed) and 4; person 2's record does not change the result.
        await CertificateAsync(people[0].Id);
        await CertificateAsync(people[1].Id);
        await CertificateAsync(people[4].Id);
        await ImportAsync("wages", "id_number,payer_credit_code,month,gross_wage", $"{people[2].Id},{B},2025-01,6000");
        var dirty = await ScalarAsync<long>("SELECT count(*) FROM certification.placement_dirty");
        var before = await EventsAsync();
        CountingResultChangedHandler.Handled.Clear();

        var summary = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: true));
        await DeliverAsync();
        var delivered = await Poller.UntilAsync(() => Task.FromResult(CountingResultChangedHandler.Handled.Count), n => n >= 3);
        var again = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: true));
        var result0 = await App.SendAsync(TestUsers.System, new GetCertificationResult(people[0].Placement));
        Assert.Multiple(async () =>
        {
            Assert.That(dirty, Is.EqualTo(4));
            Assert.That(summary.Placements, Is.EqualTo(4));
            Assert.That(summary.Changed, Is.EqualTo(3));
            Assert.That(await EventsAsync() - before, Is.EqualTo(3));
            Assert.That(delivered, Is.EqualTo(3));
            Assert.That(CountingResultChangedHandler.Handled.Keys, Is.EquivalentTo(new[] { people[0].Placement, people[1].Placement, people[4].Placement }));
            Assert.That(CountingResultChangedHandler.Handled.Values.All(n => n == 1), Is.True);
            Assert.That(again.Placements, Is.Zero);
            Assert.That(result0!.QualifyingMonths, Is.EqualTo(12));
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM certification.placement_dirty"), Is.Zero);
        });
    }

    [Test]
    public async Task Nightly_LeavesConfirmedPlacementsAlone()
    {
        var (units, people) = await SixAsync();
        await SubmitAsync(units[A], Declared[people[0].Placement]);
        await App.SendAsync(TestUsers.Reviewer("3301"), new Placement.Contracts.ConfirmPlacement(people[0].Placement));
        await CertificateAsync(people[0].Id);
        var summary = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: true));
        var r = await App.SendAsync(TestUsers.System, new GetCertificationResult(people[0].Placement));
        Assert.Multiple(() =>
        {
            Assert.That(summary.Placements, Is.Zero);
            Assert.That(r!.QualifyingMonths, Is.Zero);
        });
    }

    [Test]
    public async Task ACrashMidBatch_ResumesWhereItStopped_WithoutDuplicateEvents()
    {
        var (_, people) = await SixAsync();
        foreach (var (id, _) in people) await CertificateAsync(id);
        var before = await EventsAsync();
        var hooks = App.Services.GetRequiredService<BatchHooks>();
        hooks.AfterChunkCommitted = chunk => chunk == 0 ? throw new InvalidOperationException("simulated crash") : Task.CompletedTask;
        await Assert.ThrowsAsync<InvalidOperationException>(() => App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: true)));
        var afterCrash = await EventsAsync() - before;
        var stillDirty = await ScalarAsync<long>("SELECT count(*) FROM certification.placement_dirty");
        hooks.AfterChunkCommitted = null;
        var resumed = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: true));
        var perPlacement = await ScalarAsync<long>("""
            SELECT count(DISTINCT payload->>'placementId') FROM certification.outbox WHERE type LIKE '%CertificationResultChanged'
            """);
        Assert.Multiple(async () =>
        {
            Assert.That(afterCrash, Is.EqualTo(2), "the first chunk (one unit, two placements) committed before the crash");
            Assert.That(stillDirty, Is.EqualTo(4));
            Assert.That(resumed.Placements, Is.EqualTo(4));
            Assert.That(await EventsAsync() - before, Is.EqualTo(6));
            Assert.That(perPlacement, Is.EqualTo(6));
        });
    }

    [Test]
    public async Task Batch_SkipsAndReportsAUnitWithoutMinimumWage()
    {
        await SixAsync();
        // Remove every row covering Ningbo (B): only the Hangzhou city row remains.
        await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<Declaration.BuildingBlocks.Data.IDbSession>()
            .ExecuteAsync("DELETE FROM certification.minimum_wage WHERE region_code <> '330100'", null, CancellationToken.None));
        var summary = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: false));
        Assert.Multiple(() =>
        {
            Assert.That(summary.SkippedUnits, Has.Count.EqualTo(1));
            Assert.That(summary.SkippedUnits[0], Does.StartWith(B));
            Assert.That(summary.Placements, Is.EqualTo(4));
        });
    }
}
