using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Placement.Tests.PlacementFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Placement.Tests;

/// <summary>
/// Every projection of every module applies events in their aggregate's version order: delivered out of order, and each twice
/// (the same message again) or once more as a fresh message, the projections end at the newest state — never an older one.
/// Projections: AnnualReview's placement states, Certification's units and related units, Notices' unit contacts, Placement's
/// units and its copy of the automatic result.
/// </summary>
public sealed class ProjectionOrderTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static readonly int Seed = Environment.TickCount;

    /// <summary>
    /// Delivers the events shuffled; each is then redelivered (same message id) and, every other one, published again as a new message;
    /// last of all the oldest event comes once more as a new message (what a projection without an order guard would end on).
    /// </summary>
    private static async Task ShuffledTwiceAsync(IReadOnlyList<IntegrationEvent> events)
    {
        var rng = new Random(Seed);
        TestContext.Out.WriteLine($"shuffle seed {Seed}");
        var order = events.OrderBy(_ => rng.Next()).ToList();
        foreach (var e in order) await App.PublishAsync(e);
        foreach (var e in order.OrderBy(_ => rng.Next()))
        {
            await App.RedeliverAsync(e);
            if (rng.Next(2) == 0) await App.PublishAsync(e with { Id = Guid.NewGuid() });
        }
        await App.PublishAsync(events[0] with { Id = Guid.NewGuid() });
    }

    [Test]
    public async Task UnitEvents_OutOfOrderAndTwice_LeaveEveryUnitProjectionAtTheNewestVersion()
    {
        var units = await UnitsAsync();
        var a = units[A];
        var profiles = Enumerable.Range(a.Version + 1, 5).Select(v => new UnitProfileChanged(a.Id, a.CreditCode, $"甲公司（第{v}版）", "enterprise",
            v % 2 == 0 ? "330106" : "330108", v % 2 == 0 ? "330106" : "330108", "T330106", "经办人", $"1380000{v:0000}", v)).ToList();
        var related = Enumerable.Range(1, 4).Select(v => new RelatedUnitsChanged(a.Id, a.CreditCode,
            Enumerable.Range(0, v).Select(i => new RelatedUnitFact(units[D].CreditCode, "labor_dispatch", new DateOnly(2024, 1 + i, 1), null)).ToList(), v)).ToList();
        await ShuffledTwiceAsync([.. profiles, .. related]);

        var newest = profiles[^1];
        var certification = await ScalarAsync<string>("SELECT name || '|' || region_code || '|' || federation_code || '|' || version FROM certification.unit WHERE id = @id", new { id = a.Id });
        var relatedFroms = await ScalarAsync<string>("""
            SELECT string_agg(valid_from::text, ',' ORDER BY valid_from) || '|' || (SELECT related_version FROM certification.unit WHERE id = @id)
            FROM certification.related_unit WHERE unit_id = @id
            """, new { id = a.Id });
        var contact = await ScalarAsync<string>("SELECT contact_mobile || '|' || federation_code || '|' || version FROM notices.unit_contact WHERE unit_id = @id", new { id = a.Id });
        var placementUnit = await ScalarAsync<string>("SELECT name || '|' || federation_code || '|' || version FROM placement.unit WHERE id = @id", new { id = a.Id });
        Assert.Multiple(() =>
        {
            Assert.That(certification, Is.EqualTo($"{newest.Name}|{newest.RegionCode}|{newest.FederationCode}|{newest.Version}"));
            Assert.That(relatedFroms, Is.EqualTo("2024-01-01,2024-02-01,2024-03-01,2024-04-01|4"));
            Assert.That(contact, Is.EqualTo($"{newest.ContactMobile}|{newest.FederationCode}|{newest.Version}"));
            Assert.That(placementUnit, Is.EqualTo($"{newest.Name}|{newest.FederationCode}|{newest.Version}"));
        });
    }

    [Test]
    public async Task PlacementEvents_OutOfOrderAndTwice_LeaveAnnualReviewsProjectionAtTheNewestState()
    {
        var units = await UnitsAsync();
        var a = units[A];
        var (p, q) = (Guid.NewGuid(), Guid.NewGuid());
        IntegrationEvent[] events =
        [
            new PlacementDeclared(p, a.Id, Year, 1), new PlacementSubmitted(p, a.Id, Year, "张*", 2),
            new PlacementDisputed(p, a.Id, Year, [3], "理由", "张*", 3), new PlacementReturned(p, a.Id, Year, "退回", "张*", 4),
            new PlacementReopened(p, a.Id, Year, 5), new PlacementSubmitted(p, a.Id, Year, "张*", 6), new PlacementConfirmed(p, a.Id, Year, 18, "张*", 7),
            new PlacementDeclared(q, a.Id, Year, 1), new PlacementSubmitted(q, a.Id, Year, "李*", 2), new PlacementConfirmed(q, a.Id, Year, 12, "李*", 3),
            new PlacementWithdrawn(q, a.Id, Year, 4),
        ];
        await ShuffledTwiceAsync(events);
        var states = await ScalarAsync<string>("""
            SELECT string_agg(state || ':' || coalesce(person_months::text, '-') || ':' || version, ',' ORDER BY version DESC)
            FROM annual_review.placement_state WHERE placement_id IN (@p, @q)
            """, new { p, q });
        var year = await App.SendAsync(TestUsers.Employer(a.Id), new Declaration.AnnualReview.Contracts.GetAnnualReviewStatus(a.Id, Year));
        // The unit-year's kept counts (moved by each applied change, never by a stale or repeated one) equal a count of the placements.
        var counts = await ScalarAsync<string>("""
            SELECT y.active_placements || '/' || y.confirmed_placements || ' ' ||
                   (SELECT count(*) FILTER (WHERE state <> 'Withdrawn') || '/' || count(*) FILTER (WHERE state = 'Confirmed')
                    FROM annual_review.placement_state s WHERE s.unit_id = y.unit_id AND s.business_year = y.business_year)
            FROM annual_review.unit_year y WHERE y.unit_id = @Id AND y.business_year = @Year
            """, new { a.Id, Year });
        Assert.Multiple(() =>
        {
            Assert.That(states, Is.EqualTo("Confirmed:18:7,Withdrawn:-:4"));
            Assert.That(year.State, Is.EqualTo(Declaration.AnnualReview.Contracts.AnnualReviewState.ReadyToCertify));
            Assert.That(counts, Is.EqualTo("1/1 1/1"));
        });
    }

    [Test]
    public async Task ResultEvents_OutOfOrderAndTwice_LeavePlacementsCopyOfTheResultAtTheNewestVersion()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var saved = await DeclareAsync(units[A], IdNumber("19900101", 11));
        var stored = await App.SendAsync(TestUsers.System, new GetCertificationResult(saved.PlacementId));
        var changes = Enumerable.Range(1, 5).Select(k => new CertificationResultChanged(saved.PlacementId, units[A].Id, Year, k - 1, k, k, k % 2 == 0, false,
            stored!.Version + k)).ToList();
        await ShuffledTwiceAsync(changes);
        var copy = await ScalarAsync<string>("""
            SELECT qualifying_months || '|' || person_months || '|' || has_flags || '|' || result_version FROM placement.placement WHERE id = @id
            """, new { id = saved.PlacementId });
        var newest = changes[^1];
        Assert.That(copy, Is.EqualTo($"{newest.NewQualifyingMonths}|{newest.PersonMonths}|{(newest.HasFlags ? "true" : "false")}|{newest.ResultVersion}"));
    }

    /// <summary>
    /// Two deliveries (two inbox workers' batches) apply result events of the same two placements in opposite orders, at once: both
    /// commit. Applied an event at a time, each locked its first placement and then waited for the other's — a deadlock, one batch
    /// failed after a second and went back to be applied an event at a time.
    /// </summary>
    [Test]
    public async Task ResultEvents_OfTwoPlacements_AppliedInOppositeOrders_ByTwoDeliveriesAtOnce_BothCommit()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var x = await DeclareAsync(units[A], IdNumber("19900101", 11));
        var y = await DeclareAsync(units[A], IdNumber("19880202", 12));
        var vx = (await App.SendAsync(TestUsers.System, new GetCertificationResult(x.PlacementId)))!.Version;
        var vy = (await App.SendAsync(TestUsers.System, new GetCertificationResult(y.PlacementId)))!.Version;
        CertificationResultChanged Change(PlacementSaved p, long version, int months) =>
            new(p.PlacementId, units[A].Id, Year, 0, months, months, false, false, version);

        var bothHandledTheirFirst = new Barrier(2);
        Task<int> DeliverAsync(CertificationResultChanged first, CertificationResultChanged second) => Task.Run(() => App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            var handler = sp.GetRequiredService<Declaration.Placement.Features.Projections.CertificationResultChangedHandler>();
            await db.BeginAsync(CancellationToken.None);
            await handler.HandleAsync(first, CancellationToken.None);
            bothHandledTheirFirst.SignalAndWait(TimeSpan.FromSeconds(10));
            await handler.HandleAsync(second, CancellationToken.None);
            await db.CommitAsync(CancellationToken.None);
            return 0;
        }));
        var one = DeliverAsync(Change(x, vx + 1, 7), Change(y, vy + 1, 8));
        var other = DeliverAsync(Change(y, vy + 2, 9), Change(x, vx + 2, 10));
        var outcomes = await Task.WhenAll(Capture(one), Capture(other));

        var copies = await ScalarAsync<string>("""
            SELECT string_agg(qualifying_months || '@' || result_version, ',' ORDER BY id = @x DESC) FROM placement.placement WHERE id IN (@x, @y)
            """, new { x = x.PlacementId, y = y.PlacementId });
        Assert.Multiple(() =>
        {
            Assert.That(outcomes, Is.All.Null, "both deliveries committed");
            Assert.That(copies, Is.EqualTo($"10@{vx + 2},9@{vy + 2}"), "each placement's newest result");
        });
    }

    private static async Task<string?> Capture(Task task)
    {
        try { await task; return null; }
        catch (Exception ex) { return ex.GetBaseException().Message; }
    }
}
