using Mediator;

namespace Declaration.Notices.Contracts;

/// <summary>One step of the annual review (manual chapter 4's progress).</summary>
public sealed record DashboardStepDto(string Label, bool Done, bool Current);

public sealed record DashboardProgressDto(string StateLabel, DateOnly WindowOpens, DateOnly WindowCloses, bool WindowOpen, decimal? CertifiedCount,
    string? CertificateNumber, IReadOnlyList<DashboardStepDto> Steps);

/// <summary>A labelled count (a placement state or a disability category, whose code is given).</summary>
public sealed record DashboardCountDto(string Code, string Label, int Count);

public sealed record DashboardPlacementsDto(int Total, IReadOnlyList<DashboardCountDto> ByState, IReadOnlyList<DashboardCountDto> ByCategory);

/// <summary>Person-months of confirmed placements per month (index 0 = January), final weights (severe months count 2).</summary>
public sealed record DashboardMonthsDto(IReadOnlyList<int> PersonMonths, int Total, int PlainMonths, int SevereMonths);

public sealed record DashboardLevyDto(decimal Headcount, decimal AverageAnnualWage, decimal Levy, decimal LevyWithoutPlacement, decimal Saving, bool Exempt,
    IReadOnlyList<string> Notes);

/// <summary>
/// 首页 of a unit for a business year. Each part is null while the module it reads has no data (or is not installed),
/// so the page shows an empty state instead of failing.
/// </summary>
public sealed record HomeDashboardDto(
    Guid UnitId, string UnitName, int BusinessYear, int CurrentBusinessYear, IReadOnlyList<int> SelectableYears,
    DashboardProgressDto? Progress, DashboardPlacementsDto? Placements, DashboardMonthsDto? Months,
    decimal? Headcount, decimal? AverageAnnualWage, DashboardLevyDto? Levy, string? LevyUnavailableReason,
    IReadOnlyList<NoticeHeadlineDto> LatestNotices);

/// <summary>The unit's home dashboard (access-checked); <paramref name="BusinessYear"/> null = the current business year.</summary>
public sealed record GetHomeDashboard(Guid UnitId, int? BusinessYear) : IQuery<HomeDashboardDto>;
