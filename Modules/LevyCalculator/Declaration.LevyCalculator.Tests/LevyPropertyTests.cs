using Declaration.LevyCalculator.Contracts;
using Declaration.LevyCalculator.Domain;
using static Declaration.LevyCalculator.Tests.LevyFixture;

namespace Declaration.LevyCalculator.Tests;

/// <summary>Properties of the formula over generated inputs (seeded, so a failure reproduces).</summary>
public sealed class LevyPropertyTests
{
    private const int Cases = 4000;

    [OneTimeSetUp]
    public Task ResetAsync() => App.ResetAsync();

    private sealed record Case(LevyInput Input, LevyPolicy Policy, decimal ExtraMonths)
    {
        public override string ToString() =>
            $"year {Input.BusinessYear}, enterprise {Input.IsEnterprise}, H {Input.Headcount}, W {Input.AverageAnnualWage}, P {Input.WeightedPersonMonths}, +{ExtraMonths}, L {Policy.LocalAverageWage}, q {Policy.QuotaRatio}";
    }

    /// <summary>Inputs around the interesting edges: small and large units, the exemption threshold, the 1% tier, the cap.</summary>
    private static IEnumerable<Case> Generate(IReadOnlyDictionary<int, LevyPolicy> policies, int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Cases; i++)
        {
            var year = random.Next(2015, 2028);
            var h = random.Next(4) switch
            {
                0 => random.Next(0, 61),
                1 => random.Next(25, 40) + random.Next(0, 100) / 100m,
                2 => random.Next(1, 5000),
                _ => random.Next(100, 200_000) / 12m,
            };
            var w = random.Next(3) == 0 ? random.Next(0, 10_000_000) / 100m : random.Next(30_000, 600_000);
            // Mostly around the quota (up to 3% of the staff), sometimes anywhere up to every staff member all year.
            var maxMonths = (int)Math.Min(12m * h, 100_000m);
            var nearQuota = (int)Math.Min(maxMonths, Math.Ceiling(12m * h * 0.03m));
            var plain = maxMonths == 0 ? 0 : random.Next(0, (random.Next(5) == 0 ? maxMonths : nearQuota) + 1);
            var severe = maxMonths - plain <= 0 ? 0 : random.Next(0, Math.Min((maxMonths - plain) / 2, nearQuota / 2) + 1);
            var policy = policies[year];
            if (random.Next(2) == 0) policy = policy with { LocalAverageWage = random.Next(50_000, 200_000) };
            if (random.Next(4) == 0) policy = policy with { QuotaRatio = random.Next(5, 30) / 1000m };
            var extra = random.Next(3) switch { 0 => 1m, 1 => random.Next(1, 24), _ => random.Next(1, 2000) / 10m };
            yield return new Case(new LevyInput(year, random.Next(2) == 0, h, w, plain + 2m * severe), policy, extra);
        }
    }

    private static async Task<IReadOnlyDictionary<int, LevyPolicy>> PoliciesAsync()
    {
        var rows = await App.SendAsync(Declaration.BuildingBlocks.Testing.TestUsers.Admin, new GetLevyParameters());
        return rows.Where(r => r.RegionCode == "330000").ToDictionary(r => r.BusinessYear, LevyPolicy.From);
    }

    [Test]
    public async Task MorePersonMonths_NeverRaiseTheLevy()
    {
        var failures = new List<string>();
        foreach (var c in Generate(await PoliciesAsync(), 20240601))
        {
            var before = LevyFormula.Calculate(c.Input, c.Policy);
            var after = LevyFormula.Calculate(c.Input with { WeightedPersonMonths = c.Input.WeightedPersonMonths + c.ExtraMonths }, c.Policy);
            if (after.Levy > before.Levy) failures.Add($"{c}: {before.Levy} → {after.Levy}");
        }
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public async Task Saving_IsNeverNegative_AndIsTheDifference()
    {
        var failures = new List<string>();
        var positive = 0;
        foreach (var c in Generate(await PoliciesAsync(), 777))
        {
            var r = LevyFormula.Calculate(c.Input, c.Policy);
            var none = LevyFormula.Calculate(c.Input with { WeightedPersonMonths = 0 }, c.Policy);
            if (r.Saving < 0 || r.Saving != r.LevyWithoutPlacement - r.Levy || r.LevyWithoutPlacement != none.Levy) failures.Add($"{c}: {r.LevyWithoutPlacement} − {r.Levy} = {r.Saving}");
            if (r.Saving > 0) positive++;
        }
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(positive, Is.GreaterThan(Cases / 4), "the generator must produce cases with a saving");
        });
    }

    [Test]
    public async Task Levy_NeverExceedsTheBaseAmount_AndExemptPaysNothing()
    {
        var failures = new List<string>();
        var exempt = 0;
        foreach (var c in Generate(await PoliciesAsync(), 4242))
        {
            var r = LevyFormula.Calculate(c.Input, c.Policy);
            if (r.Levy > Math.Round(r.BaseAmount, 2, MidpointRounding.AwayFromZero)) failures.Add($"{c}: levy {r.Levy} > base {r.BaseAmount}");
            if (r.Levy < 0) failures.Add($"{c}: negative levy {r.Levy}");
            if (r.Exempt && r.Levy != 0) failures.Add($"{c}: exempt but {r.Levy}");
            if (r.Exempt) exempt++;
        }
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(exempt, Is.GreaterThan(0), "the generator must reach the exemption");
        });
    }

    [Test]
    public async Task WhatIf_IsTheFewestPlacements()
    {
        var failures = new List<string>();
        var checkedHalf = 0;
        var checkedZero = 0;
        foreach (var c in Generate(await PoliciesAsync(), 99))
        {
            var r = LevyFormula.Calculate(c.Input, c.Policy);
            LevyResultDto With(int n) => LevyFormula.Calculate(c.Input with { WeightedPersonMonths = c.Input.WeightedPersonMonths + 12m * n }, c.Policy);
            if (r.ExtraPlacementsForZero is { } z)
            {
                checkedZero++;
                if (With(z).Levy != 0 || (z > 1 && With(z - 1).Levy == 0)) failures.Add($"{c}: zero after {z}?");
            }
            else if (!r.Exempt && r.Levy != 0) failures.Add($"{c}: no zero what-if for a levy of {r.Levy}");
            if (r.ExtraPlacementsForHalfTier is { } h)
            {
                checkedHalf++;
                if (With(h).PayableShare != c.Policy.TierShareAtOrAbove || (h > 1 && With(h - 1).PayableShare == c.Policy.TierShareAtOrAbove))
                    failures.Add($"{c}: half tier after {h}?");
            }
            else if (!r.Exempt && r.Levy != 0 && c.Policy.TiersInForce(c.Input.BusinessYear) && r.PayableShare == c.Policy.TierShareBelow)
                failures.Add($"{c}: no half-tier what-if below the tier");
        }
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty);
            Assert.That(checkedHalf, Is.GreaterThan(100));
            Assert.That(checkedZero, Is.GreaterThan(100));
        });
    }
}
