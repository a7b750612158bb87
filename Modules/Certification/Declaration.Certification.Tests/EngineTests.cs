using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Certification.Engine;
using static Declaration.Certification.Tests.CertificationFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Certification.Tests;

/// <summary>One focused test per reason code and flag of RULES.md §3–4, against real PostgreSQL.</summary>
public sealed class EngineTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    /// <summary>A person who qualifies all year in unit A unless the test changes one input.</summary>
    private static async Task<(Dictionary<string, Units.Contracts.UnitDto> Units, string Id)> BaselineAsync(string birth = "19900307", int seq = 251)
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber(birth, seq);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear);
        return (units, id);
    }

    [Test]
    public async Task AllChecksPass_TwelveQualifyingMonths_NoReasons()
    {
        var (units, id) = await BaselineAsync();
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.Multiple(() =>
        {
            Assert.That(r.Months.Select(m => m.Month), Is.EqualTo(AllYear));
            Assert.That(r.Months.All(m => m.Qualifies && m.Reasons.Count == 0 && m.Flags.Count == 0), Is.True);
            Assert.That(r.PersonMonths, Is.EqualTo(12));
        });
    }

    [Test]
    public async Task CertNone_WhenTheRegistryHasNoCertificate_AndCertInvalidIsNotReported()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await PaidAsync(id, A, AllYear);
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r, ReasonCodes.CertNone), Is.EqualTo(AllYear));
            Assert.That(MonthsWith(r, ReasonCodes.CertInvalid), Is.Empty);
            Assert.That(r.Months.All(m => m.Reasons.SequenceEqual([ReasonCodes.CertNone]) && m.Weight == 0), Is.True);
        });
    }

    [Test]
    public async Task CertInvalid_OutsideTheEffectiveInterval_ValidUntilAndRevocation()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var expires = IdNumber("19900307", 251);
        var revoked = IdNumber("19850101", 333);
        var later = IdNumber("19800101", 111);
        await CertificateAsync(expires, validUntil: "2025-06-30");
        await CertificateAsync(revoked, revoked: "2025-09-01");   // effective until 2025-08-31
        await CertificateAsync(later, issued: "2025-03-31");      // one day of March counts
        foreach (var id in new[] { expires, revoked, later }) await PaidAsync(id, A, AllYear);
        var r1 = await CertifyAsync(Facts(units[A], expires));
        var r2 = await CertifyAsync(Facts(units[A], revoked));
        var r3 = await CertifyAsync(Facts(units[A], later));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r1, ReasonCodes.CertInvalid), Is.EqualTo(Range(7, 12)));
            Assert.That(MonthsWith(r2, ReasonCodes.CertInvalid), Is.EqualTo(Range(9, 12)));
            Assert.That(MonthsWith(r3, ReasonCodes.CertInvalid), Is.EqualTo(Range(1, 2)));
            Assert.That(MonthsWith(r1, ReasonCodes.CertNone), Is.Empty);
        });
    }

    [Test]
    public async Task AgeUnder16_BeforeTheMonthOfThe16thBirthday()
    {
        var (units, id) = await BaselineAsync("20090531", 253);
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r, ReasonCodes.AgeUnder16), Is.EqualTo(Range(1, 4)));
            Assert.That(r.Months.Where(m => m.Month >= 5).All(m => m.Qualifies), Is.True);
        });
    }

    [Test]
    public async Task AgeRetired_ManBorn1965_03_RetiresApril2025()
    {
        var (units, id) = await BaselineAsync("19650301", 19);
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r, ReasonCodes.AgeRetired), Is.EqualTo(Range(4, 12)));
            Assert.That(r.Months.Where(m => m.Month <= 3).All(m => m.Qualifies), Is.True);
        });
    }

    [Test]
    public async Task AgeRetired_WomanBase50_Born1975_03_RetiresMay2025()
    {
        var (units, id) = await BaselineAsync("19750315", 22);
        var base55 = await CertifyAsync(Facts(units[A], id));
        var base50 = await CertifyAsync(Facts(units[A], id, base50: true, placementId: base55.PlacementId));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(base50, ReasonCodes.AgeRetired), Is.EqualTo(Range(5, 12)));
            Assert.That(MonthsWith(base55, ReasonCodes.AgeRetired), Is.Empty);
        });
    }

    [Test]
    public async Task AgeRetired_WomanBase55_BornInTheReformRange_1970_05_RetiresJuly2025()
    {
        var (units, id) = await BaselineAsync("19700510", 22);
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.That(MonthsWith(r, ReasonCodes.AgeRetired), Is.EqualTo(Range(7, 12)));
    }

    [Test]
    public async Task NotEmployed_OutsideTheDeclaredEmploymentInterval()
    {
        var (units, id) = await BaselineAsync();
        var r = await CertifyAsync(Facts(units[A], id, employmentStart: new DateOnly(2025, 3, 31), employmentEnd: new DateOnly(2025, 10, 1)));
        Assert.That(MonthsWith(r, ReasonCodes.NotEmployed), Is.EqualTo(new[] { 1, 2, 11, 12 }));
    }

    [Test]
    public async Task ContractTooShort_FailsAllTwelveMonths()
    {
        var (units, id) = await BaselineAsync();
        var shortContract = Facts(units[A], id, contractType: "fixed", contractEnd: new DateOnly(2020, 12, 30));
        var r = await CertifyAsync(shortContract);
        var ok = await CertifyAsync(shortContract with { ContractEnd = new DateOnly(2020, 12, 31) });
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r, ReasonCodes.ContractTooShort), Is.EqualTo(AllYear));
            Assert.That(MonthsWith(ok, ReasonCodes.ContractTooShort), Is.Empty);
        });
    }

    [Test]
    public async Task SiNotPaid_NoPaidPensionRecordOfTheUnit()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, A, Range(1, 9));
        await PaidAsync(id, A, [10], paid: false);                       // a record with paid = 0
        await PaidAsync(id, B, [11]);                                    // paid by an unrelated unit
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.That(MonthsWith(r, ReasonCodes.SiNotPaid), Is.EqualTo(new[] { 10, 11, 12 }));
    }

    [Test]
    public async Task WageBelowMinimum_WageRecordsSumBelowTheMinimum_ElseTheDeclaredWage()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear, wage: null);
        await ImportAsync("wages", "id_number,payer_credit_code,month,gross_wage", $"{id},{A},2025-01,2000", $"{id},{A},2025-02,2489.99",
            $"{id},{A},2025-03,2490", $"{id},{B},2025-04,9000");
        var declaredHigh = await CertifyAsync(Facts(units[A], id, wage: 5000m));
        var declaredLow = await CertifyAsync(Facts(units[A], id, wage: 1000m, placementId: declaredHigh.PlacementId));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(declaredHigh, ReasonCodes.WageBelowMinimum), Is.EqualTo(new[] { 1, 2 }));
            // Months without wage records of A (or related units) use the declared wage; B's record does not count for A.
            Assert.That(MonthsWith(declaredLow, ReasonCodes.WageBelowMinimum), Is.EqualTo(new[] { 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12 }));
        });
    }

    [Test]
    public async Task MinimumWage_ACountyRowFromJuly_DoesNotHideTheCityRowBeforeJuly()
    {
        var r = await PaidAtAAsync(2500m, "330000,2024-01-01,2280", "330100,2025-01-01,2490", "330106,2025-07-01,2590");
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r, ReasonCodes.WageBelowMinimum), Is.EqualTo(Range(7, 12)));
            Assert.That(r.Months.Where(m => m.Month <= 6).All(m => m.Qualifies), Is.True);
        });
    }

    [Test]
    public async Task MinimumWage_ProvinceRowApplies_WhenNoCityOrCountyRow() =>
        Assert.That(MonthsWith(await PaidAtAAsync(2500m, "330000,2024-01-01,2280", "330000,2025-04-01,2600"), ReasonCodes.WageBelowMinimum),
            Is.EqualTo(Range(4, 12)));

    /// <summary>A person of unit A (county 330106) paid <paramref name="wage"/> all year, certified under the minimum wages given.</summary>
    private static async Task<CertificationResultDto> PaidAtAAsync(decimal wage, params string[] minimumWages)
    {
        var units = await UnitsAsync();
        await MinimumWagesAsync(minimumWages);
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear, wage: wage);
        return await CertifyAsync(Facts(units[A], id));
    }

    [Test]
    public async Task ANewPlacement_IsCertifiedAsAnyOther_AndAKnownKeySentAsNew_IsRefused_NotMerged()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear);
        var facts = Facts(units[A], id);
        var asNew = await Current.SendAsync(TestUsers.Employer(facts.UnitId), new CertifyPlacement(facts, NewPlacement: true));
        var again = await CertifyAsync(facts); // the same facts certified again (the merge): the same months
        Assert.That(asNew.Months.Select(m => m.Qualifies), Is.EqualTo(again.Months.Select(m => m.Qualifies)));
        Assert.That(asNew.QualifyingMonths, Is.EqualTo(12));
        // A key already certified, sent as new (never by Placement: its keys are new), fails whole and changes nothing.
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() => Current.SendAsync(TestUsers.Employer(facts.UnitId),
            new CertifyPlacement(facts with { MonthlyWage = 100m }, NewPlacement: true)));
        Assert.That(await ScalarAsync<decimal>("SELECT monthly_wage FROM certification.placement WHERE id = @PlacementId", facts), Is.EqualTo(5000m));
    }

    [Test]
    public async Task MinimumWage_ARowInForceFromMidMonth_AppliesFromTheNextMonth_AndALaterCountyRowWinsOverTheProvince() =>
        // The county's row from 15 April is in force on the 1st of May first; the province's newer row (June) never overrides it.
        Assert.That(MonthsWith(await PaidAtAAsync(2500m, "330000,2024-01-01,2280", "330106,2025-04-15,2600", "330000,2025-06-01,2200"),
            ReasonCodes.WageBelowMinimum), Is.EqualTo(Range(5, 12)));

    [Test]
    public async Task MinimumWage_FirstInForceInMarch_BlocksTheUnit_NamingJanuary()
    {
        var units = await UnitsAsync();
        await MinimumWagesAsync("330106,2025-03-01,2490");
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear);
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => CertifyAsync(Facts(units[A], id)));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Rule, Is.EqualTo("MinimumWageMissing"));
            Assert.That(ex.Message, Does.Contain("330106").And.Contain("2025-01"));
        });
    }

    [Test]
    public async Task MinimumWage_NoRowAtAll_IsAConfigurationError()
    {
        var units = await UnitsAsync();
        await MinimumWagesAsync("330200,2025-01-01,2490");                 // Ningbo only: A (330106) has none
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear);
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => CertifyAsync(Facts(units[A], id)));
        Assert.Multiple(async () =>
        {
            Assert.That(ex!.Rule, Is.EqualTo("MinimumWageMissing"));
            Assert.That(ex.Message, Does.Contain("最低工资"));
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM certification.month_result"), Is.Zero);
        });
    }

    [Test]
    public async Task ViaRelatedUnit_FlagsMonthsPaidOnlyThroughARelatedUnit_InForceForPartOfTheYear()
    {
        var units = await UnitsAsync((A, E, "payroll_agent", "2025-07-01", "2025-09-30"));
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, E, AllYear);
        await PaidAsync(id, A, [9]);          // September paid by A itself as well: no flag
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r, ReasonCodes.FlagViaRelatedUnit), Is.EqualTo(new[] { 7, 8 }));
            Assert.That(r.Months.Where(m => m.Month is 7 or 8 or 9).All(m => m.Qualifies), Is.True);
            Assert.That(MonthsWith(r, ReasonCodes.SiNotPaid), Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6, 10, 11, 12 }));
            Assert.That(r.HasFlags, Is.True);
        });
    }

    [Test]
    public async Task ViaRelatedUnit_IsReportedWhateverTheOtherChecksSay()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await PaidAsync(id, D, AllYear);                                // no certificate at all
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(r, ReasonCodes.FlagViaRelatedUnit), Is.EqualTo(AllYear));
            Assert.That(MonthsWith(r, ReasonCodes.CertNone), Is.EqualTo(AllYear));
            Assert.That(r.Months.All(m => m.Flags.SequenceEqual([ReasonCodes.FlagViaRelatedUnit])), Is.True);
        });
    }

    [Test]
    public async Task Duplicate_DispatchAgencyAndHost_TheOneThatPaidItselfKeepsTheMonth()
    {
        var (units, id, host) = await DispatchedHostCertifiedAsync();
        var agency = await CertifyAsync(Facts(units[D], id));
        var hostAfter = await App.SendAsync(TestUsers.Employer(units[A].Id), new GetCertificationResult(host.PlacementId));
        Assert.Multiple(() =>
        {
            Assert.That(agency.Months.All(m => m.Qualifies && m.Reasons.Count == 0), Is.True);
            Assert.That(hostAfter!.Months.All(m => m.Reasons.SequenceEqual([ReasonCodes.DuplicateDeclaration]) && !m.Qualifies), Is.True);
            Assert.That(MonthsWith(hostAfter, ReasonCodes.FlagViaRelatedUnit), Is.EqualTo(AllYear));
            // Before the agency declared, the host's months qualified (one placement only: no duplicate).
            Assert.That(host.Months.All(m => m.Qualifies), Is.True);
        });
    }

    /// <summary>A worker of agency D dispatched to A all year (D paid), declared and certified by the host A.</summary>
    private static async Task<(Dictionary<string, Declaration.Units.Contracts.UnitDto> Units, string Id, CertificationResultDto Host)> DispatchedHostCertifiedAsync()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var id = IdNumber("20010417", 63);
        await CertificateAsync(id);
        await PaidAsync(id, D, AllYear);
        return (units, id, await CertifyAsync(Facts(units[A], id)));
    }

    [Test]
    public async Task ACopyOfTheUnitBehindUnits_IsRefreshed_AndTheGroupCertifiedAgain_WithOneEventPerChangedResult()
    {
        var (units, id, host) = await DispatchedHostCertifiedAsync();
        // The agency's copy is behind Units (an event not applied yet): an older version in a region without a minimum wage.
        await ScalarAsync<int?>("""
            INSERT INTO certification.unit (id, credit_code, name, region_code, federation_code, version, updated_at)
            VALUES (@Id, @CreditCode, '旧名称', '990101', '990101', 0, now())
            ON CONFLICT (id) DO UPDATE SET region_code = '990101', version = 0
            RETURNING 1
            """, units[D]);
        var agency = await CertifyAsync(Facts(units[D], id));
        var changes = await ScalarAsync<string>("""
            SELECT string_agg((payload->>'oldQualifyingMonths') || '→' || (payload->>'newQualifyingMonths'), ', ')
            FROM certification.outbox WHERE type LIKE '%CertificationResultChanged' AND payload->>'placementId' = @id
            """, new { id = host.PlacementId.ToString() });
        var region = await ScalarAsync<string>("SELECT region_code FROM certification.unit WHERE id = @Id", units[D]);
        Assert.Multiple(() =>
        {
            // With the stale copy the agency was blocked and the host unchanged; with the fresh one the agency keeps every month
            // (it paid) and the host loses them: one event, from before the first run to after the second.
            Assert.That(agency.QualifyingMonths, Is.EqualTo(12));
            Assert.That(host.QualifyingMonths, Is.EqualTo(12));
            Assert.That(changes, Is.EqualTo("12→0"));
            Assert.That(region, Is.EqualTo("330108"));
        });
    }

    [Test]
    public void TwoRunsInARow_AreOneChangePerResult_FromTheFirstsOldToTheSecondsNew()
    {
        ChangedPlacement Change(Guid id, int old, int @new, long version) => new(id, Guid.Empty, 2025, old, @new, @new, false, @new == 12, version);
        var (p, q, r) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var net = Features.Results.CertifyPlacementHandler.Net([Change(p, 12, 6, 2), Change(q, 12, 0, 4)], [Change(p, 6, 3, 3), Change(r, 0, 12, 1)])
            .OrderBy(c => c.PlacementId == p ? 0 : c.PlacementId == q ? 1 : 2).ToList();
        Assert.That(net.Select(c => (c.OldQualifyingMonths, c.NewQualifyingMonths, c.ResultVersion)),
            Is.EqualTo(new[] { (12, 3, 3L), (12, 0, 4L), (0, 12, 1L) }));
    }

    [Test]
    public async Task Duplicate_NeitherPaidItself_BothGetDuplicateDeclaration()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null), (B, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var id = IdNumber("20010417", 63);
        await CertificateAsync(id);
        await PaidAsync(id, D, AllYear);
        var a = await CertifyAsync(Facts(units[A], id));
        var b = await CertifyAsync(Facts(units[B], id));
        var aAfter = await App.SendAsync(TestUsers.System, new GetCertificationResult(a.PlacementId));
        Assert.Multiple(() =>
        {
            Assert.That(MonthsWith(aAfter!, ReasonCodes.DuplicateDeclaration), Is.EqualTo(AllYear));
            Assert.That(MonthsWith(b, ReasonCodes.DuplicateDeclaration), Is.EqualTo(AllYear));
        });
    }

    [Test]
    public async Task Duplicate_OnlyWhenEveryOtherCheckPasses()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("20010417", 63);
        await CertificateAsync(id);
        await PaidAsync(id, A, AllYear);
        await PaidAsync(id, B, Range(1, 6));
        var a = await CertifyAsync(Facts(units[A], id));
        var b = await CertifyAsync(Facts(units[B], id));
        var aAfter = await App.SendAsync(TestUsers.System, new GetCertificationResult(a.PlacementId));
        Assert.Multiple(() =>
        {
            // Jan–Jun both paid themselves: nobody is the single self-payer, both are duplicates. Jul–Dec B fails SI, A keeps them.
            Assert.That(MonthsWith(aAfter!, ReasonCodes.DuplicateDeclaration), Is.EqualTo(Range(1, 6)));
            Assert.That(MonthsWith(b, ReasonCodes.DuplicateDeclaration), Is.EqualTo(Range(1, 6)));
            Assert.That(b.Months.Where(m => m.Month >= 7).All(m => m.Reasons.SequenceEqual([ReasonCodes.SiNotPaid])), Is.True);
            Assert.That(aAfter!.Months.Where(m => m.Month >= 7).All(m => m.Qualifies), Is.True);
        });
    }

    [Test]
    public async Task Reasons_EveryFailingCheckIsReported_Sorted()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19650301", 19);
        await CertificateAsync(id, validUntil: "2024-12-31");
        var r = await CertifyAsync(Facts(units[A], id, contractType: "fixed", contractEnd: new DateOnly(2020, 6, 30), wage: 100m,
            employmentEnd: new DateOnly(2025, 5, 31)));
        Assert.That(r.Months.Single(m => m.Month == 6).Reasons, Is.EqualTo(new[]
        {
            ReasonCodes.AgeRetired, ReasonCodes.CertInvalid, ReasonCodes.ContractTooShort, ReasonCodes.NotEmployed, ReasonCodes.SiNotPaid,
            ReasonCodes.WageBelowMinimum,
        }));
    }

    [Test]
    public async Task Weights_SevereDisability_Veteran_AndNonQualifyingMonths()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var severe = IdNumber("19900101", 11);
        var plain = IdNumber("19900101", 31);
        var vet3 = IdNumber("19900101", 51);
        var vet4 = IdNumber("19900101", 71);
        await CertificateAsync(severe, category: 1, level: 2);
        await CertificateAsync(plain, category: 1, level: 3);
        await VeteranAsync(vet3, 3);
        await VeteranAsync(vet4, 4);
        foreach (var id in new[] { severe, plain, vet3, vet4 }) await PaidAsync(id, A, Range(1, 11));
        var rSevere = await CertifyAsync(Facts(units[A], severe));
        var rPlain = await CertifyAsync(Facts(units[A], plain));
        var rVet3 = await CertifyAsync(Facts(units[A], vet3));
        var rVet4 = await CertifyAsync(Facts(units[A], vet4));
        Assert.Multiple(() =>
        {
            Assert.That(rSevere.Months.Select(m => m.Weight), Is.EqualTo(Enumerable.Repeat(2, 11).Append(0)));
            Assert.That(rPlain.Months.Select(m => m.Weight), Is.EqualTo(Enumerable.Repeat(1, 11).Append(0)));
            Assert.That(rVet3.PersonMonths, Is.EqualTo(22));
            Assert.That(rVet4.PersonMonths, Is.EqualTo(11));
        });
    }

    [Test]
    public async Task UnitProjection_RelatedUnitsFromUnitsAreUsedAtOnce()
    {
        // Related units are read from Units at certification time (no dependence on event timing).
        var units = await UnitsAsync((A, D, "labor_dispatch", "2025-04-01", null));
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        await CertificateAsync(id);
        await PaidAsync(id, D, AllYear);
        var r = await CertifyAsync(Facts(units[A], id));
        Assert.That(MonthsWith(r, ReasonCodes.SiNotPaid), Is.EqualTo(Range(1, 3)));
    }

    [Test]
    public async Task CertifyPlacements_InBulk_SameResultsAsOneByOne_AndOneCertifiedEventEach()
    {
        var units = await UnitsAsync((A, D, "labor_dispatch", "2024-01-01", null));
        await StandardMinimumWagesAsync();
        var id = IdNumber("20010417", 63);
        var other = IdNumber("19900101", 11);
        await CertificateAsync(id);
        await CertificateAsync(other);
        await PaidAsync(id, D, AllYear);
        await PaidAsync(other, A, Range(1, 6));
        var host = Facts(units[A], id);
        var agency = Facts(units[D], id);
        var plain = Facts(units[A], other);
        var summary = await App.SendAsync(TestUsers.System, new CertifyPlacements([host, agency, plain]));
        var rHost = await App.SendAsync(TestUsers.System, new GetCertificationResult(host.PlacementId));
        var rAgency = await App.SendAsync(TestUsers.System, new GetCertificationResult(agency.PlacementId));
        var rPlain = await App.SendAsync(TestUsers.System, new GetCertificationResult(plain.PlacementId));
        var events = await ScalarAsync<long>("SELECT count(*) FROM certification.outbox WHERE type LIKE '%PlacementCertified'");
        Assert.Multiple(() =>
        {
            Assert.That(summary.Placements, Is.EqualTo(3));
            Assert.That(MonthsWith(rHost!, ReasonCodes.DuplicateDeclaration), Is.EqualTo(AllYear));
            Assert.That(rAgency!.QualifyingMonths, Is.EqualTo(12));
            Assert.That(MonthsWith(rPlain!, ReasonCodes.SiNotPaid), Is.EqualTo(Range(7, 12)));
            Assert.That(events, Is.EqualTo(3));
        });
    }

    [Test]
    public async Task FactsOfAnotherUnitOrYear_ForAStoredPlacement_AreAConflict_AndChangeNothing()
    {
        var (units, id) = await BaselineAsync();
        var stored = await CertifyAsync(Facts(units[A], id));
        var otherUnit = await Assert.ThrowsAsync<ConflictException>(() => CertifyAsync(Facts(units[B], id, placementId: stored.PlacementId)));
        var otherYear = await Assert.ThrowsAsync<ConflictException>(() =>
            CertifyAsync(Facts(units[A], id, placementId: stored.PlacementId) with { BusinessYear = Year - 1 }));
        var after = await App.SendAsync(TestUsers.System, new GetCertificationResult(stored.PlacementId));
        var unitId = await ScalarAsync<Guid>("SELECT unit_id FROM certification.placement WHERE id = @id", new { id = stored.PlacementId });
        Assert.Multiple(() =>
        {
            Assert.That(otherUnit!.Message, Does.Contain("单位或年度"));
            Assert.That(otherYear!.Message, Does.Contain("单位或年度"));
            Assert.That(unitId, Is.EqualTo(units[A].Id));
            Assert.That(after!.Version, Is.EqualTo(stored.Version));
            Assert.That(after.QualifyingMonths, Is.EqualTo(12));
        });
    }
}
