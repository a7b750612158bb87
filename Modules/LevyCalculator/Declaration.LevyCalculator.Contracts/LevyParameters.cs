using Mediator;

namespace Declaration.LevyCalculator.Contracts;

/// <summary>
/// The policy parameters of one business year for one region (RULES.md §7). A row for a region code applies to every code
/// under its prefix (330000 → "33", 330100 → "3301", 330106 → "330106"); for a given code the most specific row of the
/// year wins as a whole. Validity years say in which business years a sub-rule is in force (a row's year outside them means
/// the sub-rule does not apply): the cap from <see cref="CapFromYear"/>, the small-enterprise exemption from
/// <see cref="ExemptionFromYear"/> to <see cref="ExemptionToYear"/> (open when null), the reduction tiers from
/// <see cref="TierFromYear"/> to <see cref="TierToYear"/>.
/// </summary>
public sealed record LevyParameterDto(
    int Id, int BusinessYear, string RegionCode, decimal QuotaRatio, decimal? LocalAverageWage, decimal CapMultiple, int CapFromYear,
    decimal? ExemptionThreshold, int? ExemptionFromYear, int? ExemptionToYear,
    int? TierFromYear, int? TierToYear, decimal TierRatioThreshold, decimal TierShareAtOrAbove, decimal TierShareBelow,
    int Version, DateTimeOffset UpdatedAt, string UpdatedBy);

/// <summary>Every parameter row, newest business year first (administrators only).</summary>
public sealed record GetLevyParameters(int? BusinessYear = null) : IQuery<IReadOnlyList<LevyParameterDto>>;

/// <summary>One parameter row (administrators only).</summary>
public sealed record GetLevyParameter(int Id) : IQuery<LevyParameterDto>;

/// <summary>
/// Creates (<paramref name="Id"/> null) or edits a parameter row (administrators only). Editing needs the version the form
/// was loaded with: a stale version is a 409 conflict. Returns the row's new version. Every change is audited.
/// </summary>
public sealed record SaveLevyParameter(
    int? Id, int Version, int BusinessYear, string RegionCode, decimal QuotaRatio, decimal? LocalAverageWage, decimal CapMultiple, int CapFromYear,
    decimal? ExemptionThreshold, int? ExemptionFromYear, int? ExemptionToYear,
    int? TierFromYear, int? TierToYear, decimal TierRatioThreshold, decimal TierShareAtOrAbove, decimal TierShareBelow) : ICommand<LevyParameterSaved>;

public sealed record LevyParameterSaved(int Id, int Version);

/// <summary>The audited changes of the parameters, newest first (administrators only).</summary>
public sealed record GetLevyParameterHistory(int Limit = 50) : IQuery<IReadOnlyList<LevyParameterChange>>;

public sealed record LevyParameterChange(DateTimeOffset At, string EntityId, string Action, string ActorName, string? Before, string? After);
