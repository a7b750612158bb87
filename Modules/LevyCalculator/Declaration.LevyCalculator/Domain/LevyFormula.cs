using System.Globalization;
using Declaration.LevyCalculator.Contracts;

namespace Declaration.LevyCalculator.Domain;

/// <summary>The parameters of one (business year, region) row, as the formula reads them.</summary>
internal sealed record LevyPolicy(
    int BusinessYear, string RegionCode, decimal QuotaRatio, decimal? LocalAverageWage, decimal CapMultiple, int CapFromYear,
    decimal? ExemptionThreshold, int? ExemptionFromYear, int? ExemptionToYear,
    int? TierFromYear, int? TierToYear, decimal TierRatioThreshold, decimal TierShareAtOrAbove, decimal TierShareBelow)
{
    public bool CapInForce(int year) => year >= CapFromYear;

    public bool ExemptionInForce(int year) =>
        ExemptionThreshold is not null && year >= (ExemptionFromYear ?? int.MinValue) && year <= (ExemptionToYear ?? int.MaxValue);

    public bool TiersInForce(int year) => TierFromYear is not null && year >= TierFromYear && year <= (TierToYear ?? int.MaxValue);

    public static LevyPolicy From(LevyParameterDto p) => new(p.BusinessYear, p.RegionCode, p.QuotaRatio, p.LocalAverageWage, p.CapMultiple,
        p.CapFromYear, p.ExemptionThreshold, p.ExemptionFromYear, p.ExemptionToYear, p.TierFromYear, p.TierToYear, p.TierRatioThreshold,
        p.TierShareAtOrAbove, p.TierShareBelow);
}

/// <summary>What the formula needs of the unit (P weighted: plain + 2 × severe person-months).</summary>
internal sealed record LevyInput(int BusinessYear, bool IsEnterprise, decimal Headcount, decimal AverageAnnualWage, decimal WeightedPersonMonths);

/// <summary>
/// RULES.md §7, exactly, in <see cref="decimal"/>. The levy is computed from one exact expression,
/// (12·H·q − P) × wage base × share ÷ 12, with the single division last, so that an amount ending in exactly half a fen
/// is seen as such; only the final amounts are rounded, half-up (away from zero) to 0.01 yuan.
/// </summary>
internal static class LevyFormula
{
    private static readonly CultureInfo Zh = CultureInfo.InvariantCulture;

    /// <summary>The result for <paramref name="input"/> under <paramref name="policy"/> (q and L already overridden when given).</summary>
    public static LevyResultDto Calculate(LevyInput input, LevyPolicy policy)
    {
        var notes = new List<string>();
        var year = input.BusinessYear;
        var h = input.Headcount;
        var p = input.WeightedPersonMonths;
        var q = policy.QuotaRatio;

        var quota = h * q;
        var actual = p / 12m;
        var gapTimes12 = Math.Max(0m, 12m * quota - p);
        var gap = gapTimes12 / 12m;

        var (wageBase, capApplied) = WageBase(input, policy);
        if (policy.LocalAverageWage is null)
            notes.Add($"{year}年度尚未设置当地社会平均工资，本次计算未进行封顶（工资基数按单位年平均工资计算）");
        else if (!policy.CapInForce(year))
            notes.Add($"{year}年度不适用按当地社会平均工资{Num(policy.CapMultiple)}倍封顶的规定（自{policy.CapFromYear}年度起适用），工资基数按单位年平均工资计算");
        else if (capApplied)
            notes.Add($"单位年平均工资超过当地社会平均工资（{Money(policy.LocalAverageWage.Value)}元）的{Num(policy.CapMultiple)}倍，工资基数按{Money(wageBase)}元计算");
        else
            notes.Add($"单位年平均工资未超过当地社会平均工资（{Money(policy.LocalAverageWage.Value)}元）的{Num(policy.CapMultiple)}倍，工资基数按单位年平均工资计算");

        var baseAmount = gapTimes12 * wageBase / 12m;
        var ratio = h == 0 ? 0m : actual / h;
        var reachesTier = ReachesTier(h, p, policy);
        var share = Share(year, h, p, policy);

        var exempt = input.IsEnterprise && policy.ExemptionInForce(year) && h <= policy.ExemptionThreshold!.Value;
        if (exempt)
        {
            notes.Insert(0, $"在职职工人数不超过{Num(policy.ExemptionThreshold!.Value)}人的企业，{year}年度免征残疾人就业保障金");
            return new LevyResultDto(true, quota, actual, gap, wageBase, capApplied, baseAmount, ratio, 0m, 0m, 0m, 0m, null, null, notes);
        }
        if (!input.IsEnterprise && policy.ExemptionInForce(year) && h <= policy.ExemptionThreshold!.Value)
            notes.Add("小微企业免征政策仅适用于企业，机关、事业单位、社会团体和民办非企业单位不免征");

        if (policy.TiersInForce(year))
            notes.Add(reachesTier
                ? $"安置比例达到{Percent(policy.TierRatioThreshold)}（含）以上，按应缴费额的{Percent(policy.TierShareAtOrAbove)}缴纳"
                : $"安置比例低于{Percent(policy.TierRatioThreshold)}，按应缴费额的{Percent(policy.TierShareBelow)}缴纳");
        else
            notes.Add($"{year}年度不适用分档减缴政策，按应缴费额的100%缴纳");

        var levy = RoundedLevy(input, policy, p);
        var without = RoundedLevy(input, policy, 0m);
        var saving = without - levy;

        int? forHalfTier = null;
        if (levy > 0 && policy.TiersInForce(year) && !reachesTier)
        {
            var n = Math.Max(1, CeilingDiv(12m * policy.TierRatioThreshold * h - p, 12m));
            while (!ReachesTier(h, p + 12m * n, policy)) n++;
            while (n > 1 && ReachesTier(h, p + 12m * (n - 1), policy)) n--;
            forHalfTier = n;
        }

        int? forZero = null;
        if (levy > 0)
        {
            // The levy never rises with more placements, so the fewest that reach 0.00 is found by bisection below the
            // count that closes the gap exactly.
            var hi = Math.Max(1, CeilingDiv(12m * quota - p, 12m));
            while (RoundedLevy(input, policy, p + 12m * hi) > 0) hi++;
            var lo = 1;
            while (lo < hi)
            {
                var mid = lo + (hi - lo) / 2;
                if (RoundedLevy(input, policy, p + 12m * mid) == 0) hi = mid;
                else lo = mid + 1;
            }
            forZero = lo;
        }

        return new LevyResultDto(false, quota, actual, gap, wageBase, capApplied, baseAmount, ratio, share, levy, without, saving, forHalfTier, forZero, notes);
    }

    /// <summary>min(W, k × L) when L is set and the cap is in force for the year, else W.</summary>
    private static (decimal WageBase, bool CapApplied) WageBase(LevyInput input, LevyPolicy policy)
    {
        var w = input.AverageAnnualWage;
        if (policy.LocalAverageWage is not { } l || !policy.CapInForce(input.BusinessYear)) return (w, false);
        var cap = policy.CapMultiple * l;
        return w > cap ? (cap, true) : (w, false);
    }

    /// <summary>ratio = (P ÷ 12) ÷ H ≥ threshold, compared exactly as P ≥ 12 × threshold × H.</summary>
    private static bool ReachesTier(decimal h, decimal p, LevyPolicy policy) => h > 0 && p >= 12m * policy.TierRatioThreshold * h;

    private static decimal Share(int year, decimal h, decimal p, LevyPolicy policy) =>
        !policy.TiersInForce(year) ? 1m : ReachesTier(h, p, policy) ? policy.TierShareAtOrAbove : policy.TierShareBelow;

    /// <summary>The levy for weighted person-months <paramref name="p"/>, rounded half-up to 0.01 (0 when exempt).</summary>
    private static decimal RoundedLevy(LevyInput input, LevyPolicy policy, decimal p)
    {
        var gapTimes12 = Math.Max(0m, 12m * input.Headcount * policy.QuotaRatio - p);
        if (gapTimes12 == 0) return 0m;
        var (wageBase, _) = WageBase(input, policy);
        var exact = gapTimes12 * wageBase * Share(input.BusinessYear, input.Headcount, p, policy) / 12m;
        return Math.Round(exact, 2, MidpointRounding.AwayFromZero);
    }

    private static int CeilingDiv(decimal numerator, decimal denominator) =>
        numerator <= 0 ? 0 : (int)Math.Ceiling(numerator / denominator);

    private static string Num(decimal value) => value.ToString("0.##", Zh);
    private static string Money(decimal value) => value.ToString("#,##0.00", Zh);
    private static string Percent(decimal fraction) => (fraction * 100m).ToString("0.##", Zh) + "%";
}
