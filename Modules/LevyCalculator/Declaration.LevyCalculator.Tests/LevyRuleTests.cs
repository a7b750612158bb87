using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.LevyCalculator.Contracts;
using static Declaration.LevyCalculator.Tests.LevyFixture;

namespace Declaration.LevyCalculator.Tests;

public sealed class LevyRuleTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static CalculateLevy Request(decimal h, decimal w, decimal plain = 0, decimal severe = 0, string type = "enterprise", int year = 2024,
        decimal? l = 100_000m, string region = "330000") => new(year, region, type, h, w, plain, severe, l);

    [Test]
    public async Task TierBoundary_ExactlyOnePercentPaysHalf_JustBelowPaysNinety()
    {
        var at = await CalculateAsync(Request(200, 100_000, plain: 24));
        var below = await CalculateAsync(Request(200, 100_000, plain: 23));
        Assert.Multiple(() =>
        {
            Assert.That(at.PayableShare, Is.EqualTo(0.5m));
            Assert.That(at.Levy, Is.EqualTo(50_000m));
            Assert.That(below.PayableShare, Is.EqualTo(0.9m));
            // gap = 3 − 23/12 = 13/12 persons; 13/12 × 100,000 × 90% = 97,500 exactly.
            Assert.That(below.Levy, Is.EqualTo(97_500m));
            Assert.That(below.ExtraPlacementsForHalfTier, Is.EqualTo(1));
            Assert.That(below.ExtraPlacementsForZero, Is.EqualTo(2));
        });
    }

    [Test]
    public async Task TierBoundary_OneFractionalPersonMonthBelow_StillNinety()
    {
        var below = await CalculateAsync(Request(200, 100_000, plain: 23.99m));
        Assert.That(below.PayableShare, Is.EqualTo(0.9m));
    }

    [TestCase("enterprise", 30, true, 0.00)]
    [TestCase("enterprise", 31, false, 33_480.00)]
    [TestCase("institution", 30, false, 32_400.00)]
    [TestCase("institution", 31, false, 33_480.00)]
    [TestCase("government", 30, false, 32_400.00)]
    [TestCase("social_organization", 1, false, 1_080.00)]
    public async Task ExemptionBoundary_OnlyEnterprisesUpToThirty(string type, int headcount, bool exempt, decimal levy)
    {
        var r = await CalculateAsync(Request(headcount, 80_000, type: type));
        Assert.Multiple(() =>
        {
            Assert.That(r.Exempt, Is.EqualTo(exempt));
            Assert.That(r.Levy, Is.EqualTo(levy));
        });
    }

    [Test]
    public async Task ExemptionBoundary_FractionalHeadcountJustAboveThirty_IsNotExempt()
    {
        var r = await CalculateAsync(Request(30.01m, 80_000));
        Assert.That(r.Exempt, Is.False);
    }

    [Test]
    public async Task Cap_NotBindingAtExactlyTwiceL_BindingOneFenAbove()
    {
        var at = await CalculateAsync(Request(100, 200_000));
        var above = await CalculateAsync(Request(100, 200_000.01m));
        Assert.Multiple(() =>
        {
            Assert.That(at.CapApplied, Is.False);
            Assert.That(at.WageBase, Is.EqualTo(200_000m));
            Assert.That(at.Levy, Is.EqualTo(270_000m));
            Assert.That(above.CapApplied, Is.True);
            Assert.That(above.WageBase, Is.EqualTo(200_000m));
            Assert.That(above.Levy, Is.EqualTo(270_000m));
        });
    }

    [Test]
    public async Task NoLocalAverageWage_NoCap_AndTheResultSaysSo()
    {
        var r = await CalculateAsync(Request(100, 260_000, l: null));
        Assert.Multiple(() =>
        {
            Assert.That(r.CapApplied, Is.False);
            Assert.That(r.WageBase, Is.EqualTo(260_000m));
            Assert.That(r.Levy, Is.EqualTo(351_000m));
            Assert.That(r.Notes, Has.Some.Contains("未进行封顶"));
        });
    }

    [Test]
    public async Task PartialYear_AndSevereMonths_AreWeighted()
    {
        // 6 plain + 3 severe months = 12 weighted months = one person: ratio 1% of 100 → half; gap 0.5 × 80,000 × 50%.
        var mixed = await CalculateAsync(Request(100, 80_000, plain: 6, severe: 3));
        // 7 plain months: 7/12 person, below 1%; gap = 1.5 − 7/12 = 11/12; 11/12 × 80,000 × 90% = 66,000.
        var partial = await CalculateAsync(Request(100, 80_000, plain: 7));
        Assert.Multiple(() =>
        {
            Assert.That(mixed.Actual, Is.EqualTo(1m));
            Assert.That(mixed.Levy, Is.EqualTo(20_000m));
            Assert.That(partial.PayableShare, Is.EqualTo(0.9m));
            Assert.That(partial.Levy, Is.EqualTo(66_000m));
            Assert.That(partial.Saving, Is.EqualTo(108_000m - 66_000m));
        });
    }

    [Test]
    public async Task Rounding_IsHalfUp_OnlyAtTheEnd()
    {
        // 31 × 1.5% × 80,010 × 90% = 33,484.185 exactly: half-up gives .19 (banker's rounding would give .18).
        var r = await CalculateAsync(Request(31, 80_010));
        Assert.Multiple(() =>
        {
            Assert.That(r.BaseAmount, Is.EqualTo(37_204.65m));
            Assert.That(r.Levy, Is.EqualTo(33_484.19m));
        });
    }

    [Test]
    public async Task Rounding_ThirdsAreNotRoundedBeforeTheEnd()
    {
        // gap = 0.465 − 1/12 = 0.381666…; × 80,000 × 90% = 27,480 exactly only if nothing was rounded on the way.
        var r = await CalculateAsync(Request(31, 80_000, plain: 1));
        Assert.That(r.Levy, Is.EqualTo(27_480.00m));
    }

    [Test]
    public async Task YearsOutsideTheTiers_PayInFull_AndTheExemptionStartsIn2017()
    {
        var y2019 = await CalculateAsync(Request(31, 80_000, year: 2019));
        var y2016 = await CalculateAsync(Request(20, 80_000, year: 2016, l: null));
        var y2017 = await CalculateAsync(Request(20, 80_000, year: 2017, l: null));
        Assert.Multiple(() =>
        {
            Assert.That(y2019.PayableShare, Is.EqualTo(1m));
            Assert.That(y2019.Levy, Is.EqualTo(37_200m));
            Assert.That(y2019.ExtraPlacementsForHalfTier, Is.Null, "no tiers in 2019");
            Assert.That(y2016.Exempt, Is.False);
            Assert.That(y2016.Levy, Is.EqualTo(24_000m));
            Assert.That(y2017.Exempt, Is.True);
        });
    }

    [Test]
    public async Task WhatIf_GivesTheFewestFullYearPlacements()
    {
        // quota 2.25; the 50% tier needs 1.5 persons → 2 placements; levy 0 needs 2.25 → 3 placements.
        var r = await CalculateAsync(Request(150, 90_000));
        var withTwo = await CalculateAsync(Request(150, 90_000, plain: 24));
        var withOne = await CalculateAsync(Request(150, 90_000, plain: 12));
        var withThree = await CalculateAsync(Request(150, 90_000, plain: 36));
        Assert.Multiple(() =>
        {
            Assert.That(r.ExtraPlacementsForHalfTier, Is.EqualTo(2));
            Assert.That(r.ExtraPlacementsForZero, Is.EqualTo(3));
            Assert.That(withOne.PayableShare, Is.EqualTo(0.9m));
            Assert.That(withTwo.PayableShare, Is.EqualTo(0.5m));
            Assert.That(withTwo.Levy, Is.GreaterThan(0m));
            Assert.That(withThree.Levy, Is.EqualTo(0m));
            Assert.That(withThree.ExtraPlacementsForZero, Is.Null, "already 0");
        });
    }

    [Test]
    public async Task Overrides_QuotaRatioAndLocalAverageWage_AreUsedAndNoted()
    {
        var r = await CalculateAsync(new CalculateLevy(2024, "330000", "enterprise", 100, 90_000, 0, 0, LocalAverageWage: 40_000m, QuotaRatio: 0.017m));
        Assert.Multiple(() =>
        {
            Assert.That(r.Quota, Is.EqualTo(1.7m));
            Assert.That(r.WageBase, Is.EqualTo(80_000m));
            Assert.That(r.CapApplied, Is.True);
            Assert.That(r.Levy, Is.EqualTo(122_400m));
            Assert.That(r.Notes, Has.Some.Contains("按输入值"));
        });
    }

    [Test]
    public async Task MostSpecificRegionRow_Wins()
    {
        await App.SendAsync(TestUsers.Admin, Edit(await ProvinceRowAsync(2024)) with { Id = null, Version = 0, RegionCode = "330100", LocalAverageWage = 120_000m, QuotaRatio = 0.016m });
        var hangzhou = await CalculateAsync(Request(100, 260_000, region: "330106", l: null));
        var ningbo = await CalculateAsync(Request(100, 260_000, region: "330212", l: null));
        Assert.Multiple(() =>
        {
            Assert.That(hangzhou.Quota, Is.EqualTo(1.6m));
            Assert.That(hangzhou.WageBase, Is.EqualTo(240_000m));
            Assert.That(hangzhou.Notes[0], Does.Contain("330100"));
            Assert.That(ningbo.Quota, Is.EqualTo(1.5m));
            Assert.That(ningbo.WageBase, Is.EqualTo(260_000m));
            Assert.That(ningbo.Notes[0], Does.Contain("330000"));
        });
    }

    [Test]
    public async Task BadInput_GetsChineseMessagesOnTheRightFields()
    {
        async Task<InputException> Bad(CalculateLevy r) => (await Assert.ThrowsAsync<InputException>(() => CalculateAsync(r)))!;
        var negative = await Bad(Request(-1, -5, plain: -1, severe: -2));
        var negativeWithPlacements = await Bad(Request(-5, 80_000, plain: 12));
        var zeroWithPlacements = await Bad(Request(0, 80_000, plain: 12));
        var region = await Bad(Request(31, 80_000, region: "33A"));
        var type = await Bad(Request(31, 80_000, type: "company"));
        var ratio = await Bad(Request(31, 80_000) with { QuotaRatio = 1.5m });
        var tooMany = await Bad(Request(1, 80_000, plain: 13));
        Assert.Multiple(() =>
        {
            Assert.That(negative.Errors.Keys, Is.SupersetOf(new[] { "Headcount", "AverageAnnualWage", "PlainPersonMonths", "SeverePersonMonths" }));
            Assert.That(negative.Errors["Headcount"], Has.Some.Contains("不能为负数"));
            Assert.That(negativeWithPlacements.Errors["Headcount"], Is.EqualTo(new[] { "单位员工数不能为负数" }));
            Assert.That(zeroWithPlacements.Errors["Headcount"], Has.Some.Contains("为0时不能有安置人月数"));
            Assert.That(region.Errors["RegionCode"], Has.Some.Contains("6位"));
            Assert.That(type.Errors["UnitType"], Has.Some.Contains("单位类型"));
            Assert.That(ratio.Errors["QuotaRatio"], Has.Some.Contains("0.015"));
            Assert.That(tooMany.Errors["PlainPersonMonths"], Has.Some.Contains("不能超过"));
        });
    }

    [Test]
    public async Task UnknownRegion_AndYearWithoutParameters_AreBusinessRuleRefusals()
    {
        var region = await Assert.ThrowsAsync<BusinessRuleException>(() => CalculateAsync(Request(31, 80_000, region: "110105")));
        var year = await Assert.ThrowsAsync<BusinessRuleException>(() => CalculateAsync(Request(31, 80_000, year: 2010)));
        Assert.Multiple(() =>
        {
            Assert.That(region!.Rule, Is.EqualTo("LEVY_REGION_UNKNOWN"));
            Assert.That(region.Message, Does.Contain("110105"));
            Assert.That(year!.Rule, Is.EqualTo("LEVY_YEAR_NO_PARAMETERS"));
            Assert.That(year.Message, Does.Contain("2010年度"));
        });
    }

    [Test]
    public async Task HeadcountZero_WithoutPlacements_PaysNothing()
    {
        var r = await CalculateAsync(Request(0, 80_000, type: "institution"));
        Assert.Multiple(() =>
        {
            Assert.That(r.Levy, Is.EqualTo(0m));
            Assert.That(r.Ratio, Is.EqualTo(0m));
        });
    }
}
