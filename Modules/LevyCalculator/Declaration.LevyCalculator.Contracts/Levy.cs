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
public sealed record LevyResultDto(
    bool Exempt, decimal Quota, decimal Actual, decimal Gap, decimal WageBase, bool CapApplied, decimal BaseAmount, decimal Ratio,
    decimal PayableShare, decimal Levy, decimal LevyWithoutPlacement, decimal Saving, int? ExtraPlacementsForHalfTier, int? ExtraPlacementsForZero,
    IReadOnlyList<string> Notes);
