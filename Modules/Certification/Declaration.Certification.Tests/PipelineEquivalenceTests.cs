using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Certification.Engine;
using static Declaration.Certification.Tests.CertificationFixture;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Certification.Tests;

/// <summary>
/// The engine runs the rules in two pipelines: one statement of common table expressions for a declaration (CertifyPlacement) and
/// temp tables for groups (imports, the nightly batch). On a random population that touches every reason code and flag, certifying
/// each placement alone must leave exactly what the whole-year run and the bulk run compute: neither changes a single result.
/// </summary>
public sealed class PipelineEquivalenceTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static readonly string[] Masks =
    [
        "qualifies", "covered", "severe", "age_retired", "age_under_16", "cert_invalid", "cert_none", "contract_too_short",
        "duplicate_declaration", "not_employed", "si_not_paid", "wage_below_minimum", "via_related_unit",
    ];

    private static Task<string?> SnapshotAsync() => ScalarAsync<string>($"""
        SELECT string_agg(concat_ws(' ', placement_id, {string.Join(", ", Masks)}, version), E'\n' ORDER BY placement_id)
        FROM certification.placement_months
        """);

    [TestCase(20251201)]
    [TestCase(77)]
    public async Task OnePlacementAtATime_EqualsTheWholeYearRun_AndTheBulkRun(int seed)
    {
        var random = new Random(seed);
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", "2025-06-30"), (C, E, "payroll_agent", "2025-03-01", null));
        // The province row, cities from January, a county of 杭州 (A's and C's region) raised from July, nothing for 宁波's county.
        await MinimumWagesAsync("330000,2024-01-01,2280", "330100,2025-01-01,2490", "330106,2025-07-01,2600", "330200,2025-01-01,2490");
        string[] codes = [A, B, C, D, E];
        var certificates = new List<string> { "id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on" };
        var insurance = new List<string> { "id_number,payer_credit_code,month,insurance_type,paid" };
        var wages = new List<string> { "id_number,payer_credit_code,month,gross_wage" };
        var facts = new List<PlacementFacts>();
        for (var i = 0; i < 60; i++)
        {
            var birth = random.Next(6) switch
            {
                0 => $"1965{random.Next(1, 13):00}15", // retires during the year (men)
                1 => $"2009{random.Next(1, 13):00}10", // turns 16 during the year
                2 => $"1972{random.Next(1, 13):00}20", // women born here retire in the year by the reform table
                _ => $"19{random.Next(75, 100)}0{random.Next(1, 10)}0{random.Next(1, 10)}",
            };
            var id = IdNumber(birth, 11 + 2 * i + random.Next(2));
            string Disability(int level, string issued, string? until = null, string? revoked = null) =>
                $"{id},某人,disability,{id}4{level},4,{level},{issued},{until},{revoked}";
            switch (random.Next(7))
            {
                case 0: break; // no certificate
                case 1: certificates.Add(Disability(random.Next(1, 5), "2015-01-01")); break;
                case 2: certificates.Add(Disability(3, "2015-01-01", until: $"2025-{random.Next(1, 13):00}-15")); break;
                case 3: certificates.Add(Disability(2, $"2025-{random.Next(1, 13):00}-01")); break;
                case 4: certificates.Add(Disability(3, "2015-01-01", revoked: $"2025-{random.Next(1, 13):00}-10")); break;
                case 5: certificates.Add($"{id},某人,veteran,JUN{id[^6..]},,{random.Next(1, 7)},2015-01-01,,"); break;
                default:
                    certificates.Add(Disability(4, "2015-01-01", until: "2025-04-30"));
                    certificates.Add(Disability(1, "2025-09-01"));
                    break;
            }
            // Payers: one to three units, each paying some months (sometimes unpaid), with wages around the minimum.
            foreach (var payer in codes.OrderBy(_ => random.Next()).Take(random.Next(1, 4)))
            {
                var from = random.Next(1, 13);
                var to = random.Next(from, 13);
                for (var m = from; m <= to; m++)
                {
                    insurance.Add($"{id},{payer},{Year}-{m:00},pension,{(random.Next(8) == 0 ? 0 : 1)}");
                    if (random.Next(5) > 0) wages.Add($"{id},{payer},{Year}-{m:00},{random.Next(12, 40) * 100}.00");
                }
            }
            // Placements: one unit, or the same person declared by two or three (§4).
            foreach (var unit in codes.OrderBy(_ => random.Next()).Take(random.Next(3) == 0 ? random.Next(2, 4) : 1))
            {
                var start = random.Next(3) == 0 ? new DateOnly(2025, random.Next(1, 13), random.Next(1, 29)) : new DateOnly(2020, 1, 1);
                DateOnly? end = random.Next(4) == 0 ? new DateOnly(2025, random.Next(start.Year == 2025 ? start.Month : 1, 13), 28) : null;
                var fixedTerm = random.Next(4) == 0;
                facts.Add(Facts(units[unit], id, fixedTerm ? "fixed" : "open_ended", fixedTerm ? new DateOnly(2020, random.Next(2, 13), 1) : null,
                    start, end, wage: random.Next(15, 60) * 100m, base50: birth.StartsWith("1972", StringComparison.Ordinal) && random.Next(2) == 0));
            }
        }
        await ImportAsync("certificates", [.. certificates]);
        await ImportAsync("social-insurance", [.. insurance]);
        await ImportAsync("wages", [.. wages]);

        foreach (var f in facts) await CertifyAsync(f);
        var alone = await SnapshotAsync();
        var coverage = await App.InScopeAsync(TestUsers.System, async sp => (await sp.GetRequiredService<IDbSession>().QueryAsync<(string Mask, long Months)>(
            string.Join(" UNION ALL ", Masks.Select(m => $"SELECT '{m}', sum(bit_count({m}::bit(12)))::bigint FROM certification.placement_months")),
            null, CancellationToken.None)).ToList());

        // The engine over the whole year (its shared work tables), then the nightly batch (this fixture's chunks of two placements:
        // the target-table pipeline, a person's other placements pulled into each chunk's group).
        var wholeYear = await App.InScopeAsync(TestUsers.System, async sp =>
        {
            var db = sp.GetRequiredService<IDbSession>();
            await db.BeginAsync(CancellationToken.None);
            var run = await sp.GetRequiredService<CertificationEngine>().RunAsync(App.Clock.GetUtcNow(), CancellationToken.None, wholeYear: Year);
            await db.CommitAsync(CancellationToken.None);
            return run;
        });
        var afterWholeYear = await SnapshotAsync();
        var batch = await App.SendAsync(TestUsers.System, new RunCertificationBatch(Year, null, OnlyChanged: false));
        var afterBatch = await SnapshotAsync();
        var bulk = await App.SendAsync(TestUsers.System, new CertifyPlacements(facts));
        var afterBulk = await SnapshotAsync();

        Assert.Multiple(() =>
        {
            Assert.That(coverage.Where(c => c.Months == 0).Select(c => c.Mask), Is.Empty, "the population touches every reason code and flag");
            Assert.That(alone!.Split('\n'), Has.Length.EqualTo(facts.Count));
            Assert.That(wholeYear.Placements, Is.EqualTo(facts.Count));
            Assert.That(wholeYear.ChangedCount, Is.Zero, "the whole-year run changes no result");
            Assert.That(afterWholeYear, Is.EqualTo(alone));
            Assert.That(batch.Changed, Is.Zero, "the chunked batch changes no result");
            Assert.That(afterBatch, Is.EqualTo(alone));
            Assert.That(bulk.Placements, Is.EqualTo(facts.Count));
            Assert.That(afterBulk, Is.EqualTo(alone), "the bulk run changes no result");
        });
    }
}
