using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using static Declaration.Placement.Tests.PlacementFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Placement.Tests;

/// <summary>Disputes, decisions, confirmation, return, bulk confirmation and access (RULES.md §5), on results certified by Certification.</summary>
public sealed class ReviewTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static readonly Declaration.BuildingBlocks.Application.ICurrentUser Hangzhou = TestUsers.Reviewer("3301");
    private static readonly Declaration.BuildingBlocks.Application.ICurrentUser Ningbo = TestUsers.Reviewer("3302");

    [Test]
    public async Task Dispute_DecideMonths_Confirm_CertifiedCount()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id, category: 4, level: 2, validUntil: "2025-10-31");      // severe; no certificate for Nov–Dec
        await PaidAsync(id, A, Range(1, 10));
        var r = await DisputeAsync(units[A], await DeclareAsync(units[A], id, name: "李强", certificateNumber: id + "42"), [11, 12], "11、12月社保补缴中");

        var queue = await App.SendAsync(Hangzhou, new GetReviewQueue(ReviewQueueKind.Disputed, Year, null));
        await App.SendAsync(Hangzhou, new DecideMonth(r.PlacementId, 11, true, "补缴凭证有效"));
        var beforeAllDecided = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(Hangzhou, new ConfirmPlacement(r.PlacementId)));
        await App.SendAsync(Hangzhou, new DecideMonth(r.PlacementId, 12, false, "无凭证"));
        await App.SendAsync(Hangzhou, new ConfirmPlacement(r.PlacementId));
        var count = await App.SendAsync(TestUsers.Employer(units[A].Id), new GetCertifiedCount(units[A].Id, Year));
        var detail = await App.SendAsync(Hangzhou, new GetReviewDetail(r.PlacementId));
        var months = await App.SendAsync(TestUsers.Employer(units[A].Id), new GetConfirmedMonths(units[A].Id, Year));
        var audited = await ScalarAsync<long>("""
            SELECT count(*) FROM platform.audit_log WHERE unit_id = @id AND action IN ('审核通过月份', '审核不通过月份', '确认申报记录')
            """, new { id = units[A].Id });
        var events = await ScalarAsync<long>("SELECT count(*) FROM placement.outbox WHERE type LIKE '%DisputeDecided' OR type LIKE '%PlacementConfirmed'");
        Assert.Multiple(() =>
        {
            Assert.That(queue.Items.Select(i => i.PlacementId), Is.EqualTo(new[] { r.PlacementId }));
            Assert.That(queue.Items[0].DisputedMonths, Is.EqualTo(new[] { 11, 12 }));
            Assert.That(beforeAllDecided!.Rule, Is.EqualTo("DisputedMonthsUndecided"));
            // 10 severe months × 2 + November granted without a covering certificate (weight 1) + December denied.
            Assert.That(count.PersonMonths, Is.EqualTo(21));
            Assert.That(count.CertifiedCountRounded, Is.EqualTo(1.75m));
            Assert.That(count.Persons.Single().MaskedName, Is.EqualTo("李*"));
            Assert.That(count.Persons.Single().MaskedIdNumber, Is.EqualTo(id[..6] + "********" + id[^4..]));
            Assert.That((count.Persons.Single().Category, count.Persons.Single().Level), Is.EqualTo(((int?)4, (int?)2)));
            Assert.That(detail.State, Is.EqualTo("Confirmed"));
            Assert.That(detail.Result.Months.Single(m => m.Month == 11).FinalWeight, Is.EqualTo(1));
            Assert.That(detail.Result.Months.Single(m => m.Month == 12).FinalWeight, Is.EqualTo(0));
            // The home page's monthly figures apply the same decisions (summed by Certification from the month masks).
            Assert.That(months!.PersonMonths, Is.EqualTo(new[] { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 0 }));
            Assert.That((months.Total, months.PlainMonths, months.SevereMonths), Is.EqualTo((21, 1, 10)));
            Assert.That(audited, Is.EqualTo(3));
            Assert.That(events, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task GrantedMonth_WithACoveringSevereCertificate_KeepsWeight2()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id, category: 4, level: 1);
        await PaidAsync(id, A, Range(1, 11));
        var r = await DisputeAsync(units[A], await DeclareAsync(units[A], id, certificateNumber: id + "41"), [12], "已缴");
        await App.SendAsync(Hangzhou, new DecideMonth(r.PlacementId, 12, true, "同意"));
        await App.SendAsync(Hangzhou, new ConfirmPlacement(r.PlacementId));
        var count = await App.SendAsync(Hangzhou, new GetCertifiedCount(units[A].Id, Year));
        var months = await App.SendAsync(Hangzhou, new GetConfirmedMonths(units[A].Id, Year));
        Assert.That(count.PersonMonths, Is.EqualTo(24));
        Assert.That((months!.Total, months.PersonMonths[11], months.SevereMonths), Is.EqualTo((24, 2, 12)));
    }

    [Test]
    public async Task Return_WithAReason_PublishesPlacementReturned_AndAReasonIsRequired()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        var r = await SubmitAsync(units[A], await DeclareAsync(units[A], id));
        var noReason = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(Hangzhou, new ReturnPlacement(r.PlacementId, " ")));
        await App.SendAsync(Hangzhou, new ReturnPlacement(r.PlacementId, "请补充劳动合同"));
        var payload = await ScalarAsync<string>("SELECT payload::text FROM placement.outbox WHERE type LIKE '%PlacementReturned'");
        var detail = await App.SendAsync(Hangzhou, new GetReviewDetail(r.PlacementId));
        var queue = await App.SendAsync(Hangzhou, new GetReviewQueue(ReviewQueueKind.All, Year, null));
        Assert.Multiple(() =>
        {
            Assert.That(noReason!.Errors.Keys, Does.Contain("Reason"));
            Assert.That(payload, Does.Contain("请补充劳动合同"));
            Assert.That((detail.State, detail.ReturnReason), Is.EqualTo(("Returned", "请补充劳动合同")));
            Assert.That(queue.Total, Is.Zero);
        });
    }

    /// <summary>The queue's totals come from counts the placements' statements keep (issue 14); they equal a count of the placements.</summary>
    [Test]
    public async Task QueueTotals_FollowEveryChange_AndEqualACountOfThePlacements()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var saved = new List<PlacementSaved>();
        for (var i = 0; i < 8; i++)
        {
            var id = IdNumber("19900101", 11 + 20 * i);
            await CertificateAsync(id);
            await PaidAsync(id, i == 3 ? D : A, AllYear);   // one flagged (paid by the dispatch agency)
            saved.Add(await DeclareAsync(units[i < 6 ? A : B], id));
        }
        var totals = new List<(string Step, long Kept, long Counted)>();
        static Task<long?> ExecuteAsync(string sql, object? args = null) => ScalarAsync<long?>(sql + " RETURNING 1", args);
        async Task Check(string step)
        {
            foreach (var reviewer in new[] { Hangzhou, Ningbo, TestUsers.Reviewer("330106"), TestUsers.Admin })
                foreach (var kind in Enum.GetValues<ReviewQueueKind>())
                    foreach (var year in new int?[] { Year, null })
                    {
                        var kept = (await App.SendAsync(reviewer, new GetReviewQueue(kind, year, null))).Total;
                        var counted = await ScalarAsync<long>("""
                            SELECT count(*) FROM placement.placement p JOIN placement.unit u ON u.id = p.unit_id
                            WHERE p.state IN ('AwaitingReview', 'Disputed') AND u.federation_code LIKE @prefix || '%' AND (@year::int IS NULL OR p.business_year = @year)
                              AND (@kind = 'All' OR p.state = @kind OR (@kind = 'Flagged' AND p.has_flags))
                            """, new { prefix = reviewer.Jurisdiction ?? "", year, kind = kind.ToString() });
                        totals.Add(($"{step} {reviewer.Jurisdiction ?? "admin"} {kind} {year}", kept, counted));
                    }
        }
        await Check("declared");
        var submitted = new List<PlacementSaved>();
        for (var i = 0; i < 7; i++) submitted.Add(await SubmitAsync(units[i < 6 ? A : B], saved[i]));
        await Check("submitted");
        await DisputeAsync(units[B], saved[7], [12], "理由");
        await Check("disputed");
        await App.SendAsync(Hangzhou, new ConfirmPlacement(submitted[1].PlacementId));
        await App.SendAsync(Hangzhou, new ReturnPlacement(submitted[2].PlacementId, "请补充材料"));
        await App.SendAsync(Hangzhou, new BulkConfirm([submitted[4].PlacementId, submitted[5].PlacementId, submitted[3].PlacementId]));
        await Check("confirmed and returned");
        // The unit moves to another federation (Units' profile projected into Placement): its waiting placements move with it.
        await ExecuteAsync("UPDATE placement.unit SET federation_code = '330212' WHERE id = @id", new { id = units[A].Id });
        await Check("moved");
        await ExecuteAsync("DELETE FROM placement.placement WHERE id = @id", new { id = submitted[6].PlacementId });
        await Check("deleted");
        var consistency = await App.SendAsync(TestUsers.Admin, new CheckPlacementConsistency());
        await ScalarAsync<long>("WITH u AS (UPDATE placement.queue_count SET n = n + 1 WHERE state = 'AwaitingReview' AND n > 0 RETURNING 1) SELECT count(*) FROM u");
        var broken = await App.SendAsync(TestUsers.Admin, new CheckPlacementConsistency());
        Assert.Multiple(() =>
        {
            foreach (var (step, kept, counted) in totals) Assert.That(kept, Is.EqualTo(counted), step);
            Assert.That(totals.Where(t => t.Step == "submitted 3301 All 2025").Select(t => t.Kept), Is.EqualTo(new[] { 6L }));
            Assert.That(consistency.Inconsistencies.Where(i => i.Where == "Review queue counts"), Is.Empty);
            Assert.That(broken.Inconsistencies.Where(i => i.Where == "Review queue counts"), Is.Not.Empty, "the consistency check compares the kept counts");
        });
    }

    /// <summary>
    /// A queue page without a search is served from the host's cache while the queue stamps of the reviewer's federations are
    /// unchanged (issue 14); every statement on a queued placement moves them, so the page shows each change at once.
    /// </summary>
    [Test]
    public async Task TheQueuePage_IsServedFromTheCache_UntilAQueueStampOfTheJurisdictionMoves()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900101", 11);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear);
        var saved = await DeclareAsync(units[A], id);
        await SubmitAsync(units[A], saved);
        async Task<ReviewQueueItemDto?> ItemAsync(string? search = null) =>
            (await App.SendAsync(Hangzhou, new GetReviewQueue(ReviewQueueKind.All, Year, search))).Items.SingleOrDefault(i => i.PlacementId == saved.PlacementId);
        var before = await ItemAsync();
        Assert.That(before, Is.Not.Null);

        // Changed with this transaction's triggers off: the queue page keeps what it cached; a search (never cached) sees the change.
        await ScalarAsync<long?>("""
            DO $$ BEGIN
                SET LOCAL session_replication_role = replica;
                UPDATE placement.placement SET name_masked = '缓**', qualifying_months = 3 WHERE id = '
            """ + saved.PlacementId + "'; END $$; SELECT 1::bigint");
        var cached = await ItemAsync();
        var searched = await ItemAsync("缓");
        Assert.That((cached!.MaskedName, cached.QualifyingMonths), Is.EqualTo((before!.MaskedName, before.QualifyingMonths)), "served from the cache");
        Assert.That(searched?.MaskedName, Is.EqualTo("缓**"), "a search is read afresh");

        // The stamp of another federation does not matter; the unit's federation's does.
        await ScalarAsync<long?>("SELECT 1::bigint FROM placement.touch_queues(ARRAY['3302'])");
        Assert.That((await ItemAsync())!.MaskedName, Is.EqualTo(before.MaskedName), "Ningbo's queue moved, not Hangzhou's");
        await ScalarAsync<long?>("SELECT 1::bigint FROM placement.touch_queues(ARRAY(SELECT federation_code FROM placement.unit WHERE id = @id))", new { id = units[A].Id });
        Assert.That(((await ItemAsync())!.MaskedName, (await ItemAsync())!.QualifyingMonths), Is.EqualTo(("缓**", 3)));

        // Ordinary statements move the stamps themselves: a new result of a queued placement, a unit renamed, a decision that empties the queue.
        await ScalarAsync<long?>("UPDATE placement.placement SET qualifying_months = 7 WHERE id = @id RETURNING 1::bigint", new { id = saved.PlacementId });
        Assert.That((await ItemAsync())!.QualifyingMonths, Is.EqualTo(7));
        await ScalarAsync<long?>("UPDATE placement.unit SET name = '改名后的单位' WHERE id = @id RETURNING 1::bigint", new { id = units[A].Id });
        Assert.That((await ItemAsync())!.UnitName, Is.EqualTo("改名后的单位"));
        await App.SendAsync(Hangzhou, new ConfirmPlacement(saved.PlacementId));
        Assert.That(await ItemAsync(), Is.Null, "confirmed: out of the queue");
    }

    [Test]
    public async Task BulkConfirm_SkipsFlaggedAndNonQualifyingPlacements()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var clean = IdNumber("19900101", 11);
        var flagged = IdNumber("19900101", 31);
        var failing = IdNumber("19900101", 51);
        foreach (var id in new[] { clean, flagged, failing }) await CertificateAsync(id);
        await PaidAsync(clean, A, AllYear);
        await PaidAsync(flagged, D, AllYear);
        await PaidAsync(failing, A, Range(1, 11));
        var ids = new List<Guid>();
        foreach (var id in new[] { clean, flagged, failing })
        {
            var r = await SubmitAsync(units[A], await DeclareAsync(units[A], id));
            ids.Add(r.PlacementId);
        }
        var flaggedQueue = await App.SendAsync(Hangzhou, new GetReviewQueue(ReviewQueueKind.Flagged, Year, null));
        var confirmed = await App.SendAsync(Hangzhou, new BulkConfirm(ids));
        var states = new List<string>();
        foreach (var id in ids) states.Add((await App.SendAsync(Hangzhou, new GetReviewDetail(id))).State);
        Assert.Multiple(() =>
        {
            Assert.That(flaggedQueue.Items.Select(i => i.PlacementId), Is.EqualTo(new[] { ids[1] }));
            Assert.That(confirmed, Is.EqualTo(1));
            Assert.That(states, Is.EqualTo(new[] { "Confirmed", "AwaitingReview", "AwaitingReview" }));
        });
    }

    [Test]
    public async Task ReviewerOutsideTheJurisdiction_Gets403_EmployerOfAnotherUnit_Gets404()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        var r = await SubmitAsync(units[A], await DeclareAsync(units[A], id));
        var ningboQueue = await App.SendAsync(Ningbo, new GetReviewQueue(ReviewQueueKind.All, null, null));
        Assert.Multiple(async () =>
        {
            Assert.That(ningboQueue.Total, Is.Zero);
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(Ningbo, new ConfirmPlacement(r.PlacementId)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(Ningbo, new DecideMonth(r.PlacementId, 1, true, "x")));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(Ningbo, new GetCertificationResult(r.PlacementId)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(units[B].Id), new GetCertificationResult(r.PlacementId)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(units[B].Id), new ConfirmPlacement(r.PlacementId)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(units[B].Id), new GetCertifiedCount(units[A].Id, Year)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(units[A].Id), new ConfirmPlacement(r.PlacementId)));
            Assert.That((await App.SendAsync(Hangzhou, new GetReviewDetail(r.PlacementId))).State, Is.EqualTo("AwaitingReview"));
        });
    }

    [Test]
    public async Task Withdrawn_ForgetsThePlacement_Reopened_ClearsDecisionsAndLeavesTheQueue()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var clerk = TestUsers.Employer(units[A].Id);
        var first = IdNumber("19900101", 11);
        var second = IdNumber("19900101", 31);
        var r1 = await DeclareAsync(units[A], first);
        var r2 = await DisputeAsync(units[A], await DeclareAsync(units[A], second), [1], "理由");
        await App.SendAsync(Hangzhou, new DecideMonth(r2.PlacementId, 1, true, "同意"));
        await App.SendAsync(clerk, new DeletePlacement(r1.PlacementId, r1.Version));
        await App.SendAsync(clerk, new EditPlacement(r2.PlacementId, r2.Version, second, "张三", "disability", second + "43", new DateOnly(2020, 1, 1), null,
            "open_ended", new DateOnly(2020, 1, 1), null, 5100m, false, null));
        var detail = await App.SendAsync(Hangzhou, new GetReviewDetail(r2.PlacementId));
        Assert.Multiple(async () =>
        {
            Assert.That(await App.SendAsync(Hangzhou, new GetCertificationResult(r1.PlacementId)), Is.Null);
            Assert.That(detail.State, Is.EqualTo("Draft"));
            Assert.That(detail.Result.Months.All(m => m.Granted is null), Is.True);
            Assert.That((await App.SendAsync(Hangzhou, new GetReviewQueue(ReviewQueueKind.All, Year, null))).Total, Is.Zero);
        });
    }

    [Test]
    public async Task LookupCertificate_ReturnsTheRegistryView()
    {
        await UnitsAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id, category: 2, level: 3, issued: "2018-06-01");
        var found = await App.SendAsync(TestUsers.Admin, new LookupCertificate(id, Year));
        var none = await App.SendAsync(TestUsers.Admin, new LookupCertificate(IdNumber("19900307", 271), Year));
        Assert.Multiple(() =>
        {
            Assert.That(found, Is.EqualTo(new CertificateInfoDto("disability", id + "23", 2, 3, new DateOnly(2018, 6, 1), null)));
            Assert.That(none, Is.Null);
        });
    }
}
