using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using static Declaration.Certification.Tests.CertificationFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Certification.Tests;

/// <summary>Linkage data imports (FORMATS.md): whole-file rejection with line numbers, idempotence, history, dirty marks.</summary>
public sealed class ImportTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<long> CountAsync(string table) => ScalarAsync<long>($"SELECT count(*) FROM certification.{table}");

    [Test]
    public async Task BadCertificatesFile_IsRejectedWhole_WithEveryBadLine_AndWritesNothing()
    {
        var good = IdNumber("19900307", 251);
        var ex = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync("certificates",
            "id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on",
            $"{good},甲,disability,{good}43,4,3,2015-01-01,,",                     // 2: fine
            $"{good[..17]}0,乙,disability,{good}43,4,3,2015-01-01,,",             // 3: bad check char
            $"{good},丙,disability,{good}43,4,3,2015-13-01,,",                     // 4: bad date
            $"{good},丁,disability,{good}43,4,9,2016-01-01,,",                     // 5: level out of range
            $"{good},戊,passport,{good}43,4,3,2017-01-01,,"));                     // 6: unknown type
        var lines = ex!.Errors.Select(e => (e.Line, e.Column)).ToList();
        Assert.Multiple(async () =>
        {
            Assert.That(lines, Does.Contain((3L, "id_number")));
            Assert.That(lines, Does.Contain((4L, "issued_on")));
            Assert.That(lines, Does.Contain((5L, "level")));
            Assert.That(lines, Does.Contain((6L, "certificate_type")));
            Assert.That(lines.Select(l => l.Line), Does.Not.Contain(2L));
            Assert.That(await CountAsync("certificate"), Is.Zero);
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM platform.import_history"), Is.Zero);
        });
    }

    [Test]
    public async Task UnknownColumn_AndDuplicateNaturalKeys_RejectTheFile()
    {
        var id = IdNumber("19900307", 251);
        var unknown = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync("wages",
            "id_number,payer_credit_code,month,gross_wage,bonus", $"{id},{A},2025-01,5000,1"));
        var duplicate = await Assert.ThrowsAsync<ImportRejectedException>(() => ImportAsync("social-insurance",
            "id_number,payer_credit_code,month,insurance_type,paid",
            $"{id},{A},2025-01,pension,1", $"{id},{A},2025-02,pension,1", $"{id},{A},2025-01,pension,0"));
        var badMinimum = await Assert.ThrowsAsync<ImportRejectedException>(() => MinimumWagesAsync("33010,2025-01-01,2490", "330100,2025-01-01,-1"));
        Assert.Multiple(async () =>
        {
            Assert.That(unknown!.Errors.Select(e => (e.Line, e.Column)), Does.Contain((1L, "bonus")));
            Assert.That(duplicate!.Errors.Select(e => e.Line), Is.EqualTo(new[] { 4L }));
            Assert.That(duplicate.Errors[0].Reason, Does.Contain("第2行"));
            Assert.That(badMinimum!.Errors.Select(e => (e.Line, e.Column)), Is.EqualTo(new[] { (2L, "region_code"), (3L, "monthly_minimum") }));
            Assert.That(await CountAsync("social_insurance") + await CountAsync("wage") + await CountAsync("minimum_wage"), Is.Zero);
        });
    }

    [Test]
    public async Task TheSameFileTwice_ChangesNothingTheSecondTime_AndIsRecordedInTheHistory()
    {
        var id = IdNumber("19900307", 251);
        string[] certificates = ["id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on",
            $"{id},甲,disability,{id}43,4,3,2015-01-01,,", $"{id.ToLowerInvariant()},甲,veteran,JUN123456,,2,2016-01-01,2030-01-01,"];
        var first = await ImportAsync("certificates", certificates);
        var second = await ImportAsync("certificates", certificates);
        var si = new[] { "id_number,payer_credit_code,month,insurance_type,paid", $"{id},{A},2025-01,pension,1", $"{id},{A},2025-01,medical,1" };
        var siFirst = await ImportAsync("social-insurance", si);
        var siSecond = await ImportAsync("social-insurance", si);
        var changed = await ImportAsync("social-insurance", "id_number,payer_credit_code,month,insurance_type,paid", $"{id},{A},2025-01,pension,0");
        Assert.Multiple(async () =>
        {
            Assert.That((first.Rows, first.Inserted, first.Updated), Is.EqualTo((2L, 2L, 0L)));
            Assert.That((second.Rows, second.Inserted, second.Updated), Is.EqualTo((2L, 0L, 0L)));
            Assert.That(second.Sha256, Is.EqualTo(first.Sha256));
            Assert.That((siFirst.Inserted, siSecond.Inserted, siSecond.Updated), Is.EqualTo((2L, 0L, 0L)));
            Assert.That((changed.Inserted, changed.Updated), Is.EqualTo((0L, 1L)));
            Assert.That(await CountAsync("certificate"), Is.EqualTo(2));
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM platform.import_history WHERE kind IN ('certificates', 'social-insurance')"), Is.EqualTo(5));
        });
    }

    [Test]
    public async Task OnlyAdminsAndTheSystemMayImport()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3301"),
            new ImportLinkageData("minimum-wages", Csv("region_code,effective_from,monthly_minimum", "330000,2024-01-01,2280"))));
        var admin = await App.SendAsync(TestUsers.Admin,
            new ImportLinkageData("minimum-wages", Csv("region_code,effective_from,monthly_minimum", "330000,2024-01-01,2280")));
        Assert.That(admin.Inserted, Is.EqualTo(1));
    }

    [Test]
    public async Task ChangedLinkageData_MarksOnlyTheAffectedUnconfirmedPlacementsDirty()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var p1 = IdNumber("19900101", 11);
        var p2 = IdNumber("19900101", 31);
        var ningbo = IdNumber("19900101", 51);
        await CertifyAsync(Facts(units[A], p1));
        await CertifyAsync(Facts(units[A], p2));
        await CertifyAsync(Facts(units[B], ningbo));
        await CertificateAsync(p1);
        var afterCertificate = await ScalarAsync<long>("SELECT count(*) FROM certification.placement_dirty");
        await CertificateAsync(p1);                                          // same row again: nothing changes
        var afterSame = await ScalarAsync<long>("SELECT count(*) FROM certification.placement_dirty");
        await MinimumWagesAsync("330200,2025-07-01,2600");                   // Ningbo only
        var ningboDirty = await ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM certification.placement p JOIN certification.placement_dirty d ON d.placement_id = p.id WHERE p.unit_id = @id)", new { id = units[B].Id });
        Assert.Multiple(() =>
        {
            Assert.That(afterCertificate, Is.EqualTo(1));
            Assert.That(afterSame, Is.EqualTo(1));
            Assert.That(ningboDirty, Is.True);
        });
    }
    /// <summary>linkage_year (what certification reads) follows every import, including a payment withdrawn and a wage corrected.</summary>
    [Test]
    public async Task LinkageYear_FollowsEachImport_SoTheNextCertificationSeesAWithdrawnPaymentAndACorrectedWage()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900101", 15);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear);
        var before = await CertifyAsync(Facts(units[A], id));

        await ImportAsync("social-insurance", "id_number,payer_credit_code,month,insurance_type,paid", $"{id},{A},2025-03,pension,0");
        await ImportAsync("wages", "id_number,payer_credit_code,month,gross_wage", $"{id},{A},2025-05,1000.00", $"{id},{A},2025-06,2489.99");
        await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: true));
        var after = (await App.SendAsync(TestUsers.System, new GetCertificationResult(before.PlacementId)))!;
        // The summary equals a recomputation from the monthly records.
        var stale = await ScalarAsync<long>("""
            SELECT count(*) FROM certification.linkage_year ly
            WHERE (ly.pension_paid, ly.wage_months, ly.w5, ly.w6) IS DISTINCT FROM (
                (SELECT coalesce(bit_or(1 << (date_part('month', s.month)::int - 1)), 0) FROM certification.social_insurance s
                 WHERE s.id_hash = ly.id_hash AND s.payer_credit_code = ly.payer_credit_code AND s.insurance_type = 'pension' AND s.paid),
                (SELECT coalesce(bit_or(1 << (date_part('month', w.month)::int - 1)), 0) FROM certification.wage w
                 WHERE w.id_hash = ly.id_hash AND w.payer_credit_code = ly.payer_credit_code),
                (SELECT (w.gross_wage * 100)::bigint FROM certification.wage w
                 WHERE w.id_hash = ly.id_hash AND w.payer_credit_code = ly.payer_credit_code AND w.month = '2025-05-01'),
                (SELECT (w.gross_wage * 100)::bigint FROM certification.wage w
                 WHERE w.id_hash = ly.id_hash AND w.payer_credit_code = ly.payer_credit_code AND w.month = '2025-06-01'))
            """);
        Assert.Multiple(() =>
        {
            Assert.That(before.QualifyingMonths, Is.EqualTo(12));
            Assert.That(MonthsWith(after, ReasonCodes.SiNotPaid), Is.EqualTo(new[] { 3 }));
            Assert.That(MonthsWith(after, ReasonCodes.WageBelowMinimum), Is.EqualTo(new[] { 5, 6 }), "2489.99 < 2490.00 by one cent");
            Assert.That(after.QualifyingMonths, Is.EqualTo(9));
            Assert.That(stale, Is.Zero);
        });
    }
}
