using Declaration.LevyCalculator.Contracts;
using static Declaration.LevyCalculator.Tests.LevyFixture;

namespace Declaration.LevyCalculator.Tests;

public sealed class WorkedExampleTests
{
    [OneTimeSetUp]
    public Task ResetAsync() => App.ResetAsync();

    [TestCaseSource(typeof(WorkedExample), nameof(WorkedExample.All))]
    public async Task WorkedExample_ThroughTheMediator_GivesTheRulesLevy(WorkedExample example)
    {
        var result = await CalculateAsync(example.Request());
        Assert.That(result.Levy, Is.EqualTo(example.Levy));
    }

    [Test]
    public async Task Exempt_IsExempt_AndPaysNothing_WithNoWhatIf()
    {
        var r = await CalculateAsync(WorkedExample.All[0].Request());
        Assert.Multiple(() =>
        {
            Assert.That(r.Exempt, Is.True);
            Assert.That((r.Levy, r.LevyWithoutPlacement, r.Saving, r.PayableShare), Is.EqualTo((0m, 0m, 0m, 0m)));
            Assert.That(r.ExtraPlacementsForHalfTier, Is.Null);
            Assert.That(r.ExtraPlacementsForZero, Is.Null);
            Assert.That(r.Quota, Is.EqualTo(0.45m));
            Assert.That(r.Notes, Has.Some.Contains("免征"));
        });
    }

    [Test]
    public async Task NinetyPercentTier_ShowsEveryIntermediate()
    {
        var r = await CalculateAsync(WorkedExample.All[1].Request());
        Assert.Multiple(() =>
        {
            Assert.That(r.Exempt, Is.False);
            Assert.That(r.Quota, Is.EqualTo(0.465m));
            Assert.That(r.Actual, Is.EqualTo(0m));
            Assert.That(r.Gap, Is.EqualTo(0.465m));
            Assert.That(r.WageBase, Is.EqualTo(80_000m));
            Assert.That(r.CapApplied, Is.False);
            Assert.That(r.BaseAmount, Is.EqualTo(37_200m));
            Assert.That(r.Ratio, Is.EqualTo(0m));
            Assert.That(r.PayableShare, Is.EqualTo(0.9m));
            Assert.That(r.LevyWithoutPlacement, Is.EqualTo(33_480m));
            Assert.That(r.Saving, Is.EqualTo(0m));
            // 1% of 31 = 0.31 persons: one full-year placement; quota 0.465: one placement closes the gap.
            Assert.That(r.ExtraPlacementsForHalfTier, Is.EqualTo(1));
            Assert.That(r.ExtraPlacementsForZero, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task FiftyPercentTier_SavingAndWhatIf()
    {
        var r = await CalculateAsync(WorkedExample.All[2].Request());
        Assert.Multiple(() =>
        {
            Assert.That(r.Quota, Is.EqualTo(2.25m));
            Assert.That(r.Actual, Is.EqualTo(2m));
            Assert.That(r.Gap, Is.EqualTo(0.25m));
            Assert.That(r.BaseAmount, Is.EqualTo(22_500m));
            Assert.That(r.PayableShare, Is.EqualTo(0.5m));
            Assert.That(r.LevyWithoutPlacement, Is.EqualTo(182_250m)); // 2.25 × 90,000 × 90%
            Assert.That(r.Saving, Is.EqualTo(171_000m));
            Assert.That(r.ExtraPlacementsForHalfTier, Is.Null, "already in the 50% tier");
            Assert.That(r.ExtraPlacementsForZero, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Cap_Binds_AtTwiceTheLocalAverageWage()
    {
        var r = await CalculateAsync(WorkedExample.All[3].Request());
        Assert.Multiple(() =>
        {
            Assert.That(r.WageBase, Is.EqualTo(200_000m));
            Assert.That(r.CapApplied, Is.True);
            Assert.That(r.BaseAmount, Is.EqualTo(300_000m));
            Assert.That(r.PayableShare, Is.EqualTo(0.9m));
        });
    }

    [Test]
    public async Task ExactlyOnePercent_OneSeverePersonCountsDouble_AndPaysHalf()
    {
        var r = await CalculateAsync(WorkedExample.All[4].Request());
        Assert.Multiple(() =>
        {
            Assert.That(r.Actual, Is.EqualTo(2m));
            Assert.That(r.Ratio, Is.EqualTo(0.01m));
            Assert.That(r.PayableShare, Is.EqualTo(0.5m));
            Assert.That(r.Gap, Is.EqualTo(1m));
        });
    }
}
