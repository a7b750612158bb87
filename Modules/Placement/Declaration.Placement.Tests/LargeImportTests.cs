using System.Globalization;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.TestSupport;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>
/// A placements file of province-scale shape (several thousand rows over several units, with duplicates across units, related units,
/// expiring certificates, missing pension months, low wages and retirements) imports whole in one engine run, and stores exactly the
/// results a whole-year <c>certify</c> stores for the same data.
/// </summary>
public sealed class LargeImportTests
{
    private const int Persons = 3_000;
    private const int SharedWithB = 200;

    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task AFileLargerThanTheLockTable_ImportsWhole_AndStoresWhatAWholeYearCertifyStores()
    {
        await LinkageData.UnitsAsync((LinkageData.A, LinkageData.D, "labor_dispatch", "2025-07-01", null));
        await LinkageData.StandardMinimumWagesAsync();
        var ids = Enumerable.Range(0, Persons).Select(Person).ToList();
        await LinkageData.ImportAsync("certificates", ["id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on",
            .. ids.Select((id, i) => i % 33 == 5 ? null : $"{id},某人,disability,{id}4{1 + i % 4},4,{1 + i % 4},2015-01-01,{(i % 20 == 3 ? "2025-06-30" : "")},")
                  .OfType<string>()]);
        var pension = new List<string> { "id_number,payer_credit_code,month,insurance_type,paid" };
        var wages = new List<string> { "id_number,payer_credit_code,month,gross_wage" };
        for (var i = 0; i < ids.Count; i++)
            for (var m = 1; m <= 12; m++)
            {
                if (i % 17 == 4 && m is 3 or 4) continue;                                // gaps in the pension
                var payer = i % 10 == 7 && m >= 7 ? LinkageData.D : UnitOf(i);           // the dispatch agency pays half a year
                pension.Add($"{ids[i]},{payer},2025-{m:00},pension,1");
                wages.Add($"{ids[i]},{payer},2025-{m:00},{(i % 25 == 9 ? 2000 : 5200)}");  // some below the minimum wage
                if (i < SharedWithB && m <= 6 && payer != LinkageData.A)
                {
                    pension.Add($"{ids[i]},{LinkageData.B},2025-{m:00},pension,1");    // the second unit pays too: §4 decides
                    wages.Add($"{ids[i]},{LinkageData.B},2025-{m:00},5200");
                }
            }
        await LinkageData.ImportAsync("social-insurance", [.. pension]);
        await LinkageData.ImportAsync("wages", [.. wages]);

        var rows = new List<string> { "credit_code,business_year,id_number,name,certificate_type,certificate_number,employment_start,employment_end,contract_type,contract_start,contract_end,monthly_wage,retirement_base,phone" };
        for (var i = 0; i < ids.Count; i++)
            rows.Add(Row(UnitOf(i), ids[i], i));
        for (var i = 0; i < SharedWithB; i++)
            rows.Add(Row(LinkageData.B, ids[i], i));  // the same persons declared by a second unit (§4)
        var file = LinkageData.Csv([.. rows]);

        // Per-row engine runs created ~8 temporary tables each inside the one transaction: this file would need more locks than the
        // server's shared lock table holds (max_locks_per_transaction × max_connections).
        var locks = await LinkageData.ScalarAsync<long>("SELECT current_setting('max_locks_per_transaction')::bigint * current_setting('max_connections')::bigint");
        Assert.That((rows.Count - 1) * 8L, Is.GreaterThan(locks), "the file must be larger than per-row temporary tables would allow");

        var result = await App.SendAsync(TestUsers.Admin, new ImportPlacements(file));
        Assert.That((result.Rows, result.Inserted, result.Updated), Is.EqualTo(((long)rows.Count - 1, (long)rows.Count - 1, 0L)));

        var imported = await SnapshotAsync();
        var facts = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM certification.placement");
        var submitted = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM placement.outbox WHERE type = @t", new { t = typeof(PlacementSubmitted).FullName });
        var certified = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM certification.outbox WHERE type = @t", new { t = typeof(PlacementCertified).FullName });
        var audited = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM platform.audit_log WHERE module = 'Placement' AND entity_type = 'Placement' AND action = '批量申报（新增）'");
        var states = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM placement.placement WHERE state = 'AwaitingReview' AND result_version > 0");
        var projected = await LinkageData.ScalarAsync<long>("""
            SELECT count(*) FROM placement.placement p JOIN certification.placement_months m ON m.placement_id = p.id
            WHERE p.qualifying_months = bit_count(m.qualifies::bit(12)) AND p.result_version = m.version
            """);
        var duplicates = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM certification.month_result WHERE 'DUPLICATE_DECLARATION' = ANY(reasons)");
        var qualifying = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM certification.month_result WHERE qualifies");

        // The same data certified by the whole-year batch, from no stored results.
        await LinkageData.ScalarAsync<long>("DELETE FROM certification.placement_months");
        var batch = await App.SendAsync(TestUsers.System, new RunCertificationBatch(LinkageData.Year, null, OnlyChanged: false));
        var certify = await SnapshotAsync();

        var n = rows.Count - 1;
        Assert.Multiple(() =>
        {
            Assert.That(facts, Is.EqualTo(n));
            Assert.That(submitted, Is.EqualTo(n), "one PlacementSubmitted per placement");
            Assert.That(certified, Is.EqualTo(n), "one PlacementCertified per placement");
            Assert.That(audited, Is.EqualTo(n), "one audit entry per placement");
            Assert.That(states, Is.EqualTo(n), "every placement submitted with its result projected");
            Assert.That(projected, Is.EqualTo(n), "Placement's projection of every result matches Certification's");
            Assert.That(batch.Placements, Is.EqualTo(n));
            Assert.That(duplicates, Is.GreaterThan(0), "the data exercises §4");
            Assert.That(qualifying, Is.GreaterThan(0).And.LessThan(n * 12L), "some months qualify, some do not");
            Assert.That(imported, Has.Count.EqualTo(n));
            Assert.That(imported, Is.EqualTo(certify), "the import stores what a whole-year certify stores");
        });
    }

    private static string UnitOf(int i) => (i % 4) switch { 0 => LinkageData.A, 1 => LinkageData.C, 2 => LinkageData.E, _ => LinkageData.A };

    /// <summary>Distinct persons: men and women born 1960–2005 (some past retirement in 2025, a few under 16 in part of it).</summary>
    private static string Person(int i)
    {
        var birth = new DateOnly(1960 + i % 46, 1 + i % 12, 1 + i % 28);
        if (i % 97 == 11) birth = new DateOnly(2009, 8, 15);
        return LinkageData.IdNumber(birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture), 1 + i / 46 % 998);
    }

    private static string Row(string unit, string id, int i)
    {
        var contract = (i % 19) switch { 2 => "fixed,2025-01-01,2025-06-30", 5 => "service_agreement,2024-01-01,2026-12-31", 7 => "establishment,2010-01-01,", _ => "open_ended,2020-01-01," };
        var employment = i % 23 == 8 ? "2025-04-01,2025-10-31" : "2020-01-01,";
        var base50 = i % 31 == 6 && !Declaration.BuildingBlocks.Domain.Identifiers.IsMale(id) ? "50" : "";
        return $"{unit},2025,{id},某人,disability,{id}4{1 + i % 4},{employment},{contract},{(i % 25 == 9 ? 2000 : 5200)},{base50},";
    }

    private static Task<List<string>> SnapshotAsync() => Seed.DbAsync(App, async db => (await db.QueryAsync<string>("""
        SELECT concat_ws('|', placement_id, qualifies, covered, severe, age_retired, age_under_16, cert_invalid, cert_none, contract_too_short,
                         duplicate_declaration, not_employed, si_not_paid, wage_below_minimum, via_related_unit)
        FROM certification.placement_months ORDER BY placement_id
        """, null, CancellationToken.None)).ToList());
}
