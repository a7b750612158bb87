using Mediator;

namespace Declaration.LevyCalculator.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class LevyCalculatorContractsMarker;

/// <summary>
/// RULES.md §7. <paramref name="PlainPersonMonths"/> counts plain months, <paramref name="SeverePersonMonths"/> severe months
/// (weighted total P = plain + 2 × severe). LocalAverageWage and QuotaRatio override the configured parameters when given.
/// </summary>
public sealed record CalculateLevy(int BusinessYear, string RegionCode, string UnitType, decimal Headcount, decimal AverageAnnualWage,
    decimal PlainPersonMonths, decimal SeverePersonMonths = 0, decimal? LocalAverageWage = null, decimal? QuotaRatio = null) : IQuery<LevyResultDto>;

/// <summary>Every intermediate value, so a user can follow the arithmetic (names as the CLI's JSON).</summary>
/// <remarks>
/// <para>Quota = H × q; Actual = weighted P ÷ 12; Gap = max(0, Quota − Actual); WageBase = min(W, k × L) when L is set and the
/// cap is in force for the year, else W (<see cref="CapApplied"/> is true only when the cap lowered the wage base);
/// BaseAmount = Gap × WageBase (exact, not rounded); Ratio = Actual ÷ H (0 when H = 0); PayableShare = 0.5 / 0.9 in the
/// reduction years (ratio ≥ / below the tier threshold), 1 in other years, 0 when exempt. Levy, LevyWithoutPlacement and
/// Saving are the only rounded amounts (half-up, 0.01 yuan), computed from exact decimals.</para>
/// <para>An exempt unit (an enterprise at or below the exemption threshold, in a year the exemption is in force) has
/// Levy = LevyWithoutPlacement = Saving = 0 and PayableShare = 0; the other intermediates are still shown.</para>
/// <para>What-if (extra full-year plain placements of 12 person-months each, added to the given ones):
/// <see cref="ExtraPlacementsForHalfTier"/> is the fewest that make the ratio reach the 50% tier; it is null when the unit is
/// exempt, when the year has no reduction tiers, when the ratio already reaches the tier, or when the levy is already 0.
/// <see cref="ExtraPlacementsForZero"/> is the fewest that make the (rounded) levy 0.00; it is null when the unit is exempt
/// or the levy is already 0.</para>
/// <para>Notes: Chinese sentences explaining what applied (no cap because no local average wage, exemption, tier, overrides).</para>
/// </remarks>
public sealed record LevyResultDto(
    bool Exempt, decimal Quota, decimal Actual, decimal Gap, decimal WageBase, bool CapApplied, decimal BaseAmount, decimal Ratio,
    decimal PayableShare, decimal Levy, decimal LevyWithoutPlacement, decimal Saving, int? ExtraPlacementsForHalfTier, int? ExtraPlacementsForZero,
    IReadOnlyList<string> Notes);
