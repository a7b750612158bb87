using Declaration.BuildingBlocks.Application;
using Mediator;

namespace Declaration.Placement.Contracts;

// The review of RULES.md §5: the placement's owner keeps the reviewer's decisions and the confirmation; the automatic result
// comes from Certification's Contracts.

/// <summary>One month of a placement's result: the automatic result (Certification) and the reviewer's decision on it, if any.</summary>
public sealed record ReviewedMonthDto(
    int Month, bool Qualifies, int Weight, IReadOnlyList<string> Reasons, IReadOnlyList<string> Flags,
    /// <summary>The reviewer's decision for the month, if any: true granted, false denied.</summary>
    bool? Granted, string? ReviewComment,
    /// <summary>The weight after review decisions (RULES.md §5: a granted month without a covering certificate weighs 1).</summary>
    int FinalWeight);

/// <summary>A placement's 12 months: the automatic result overridden by the reviewer's decisions.</summary>
public sealed record PlacementResultDto(Guid PlacementId, Guid UnitId, int BusinessYear, IReadOnlyList<ReviewedMonthDto> Months, DateTimeOffset CertifiedAt)
{
    public int QualifyingMonths => Months.Count(m => m.Qualifies);
    public int PersonMonths => Months.Sum(m => m.Weight);
    public int FinalPersonMonths => Months.Sum(m => m.FinalWeight);
    public bool HasFlags => Months.Any(m => m.Flags.Count > 0);
    public bool AllQualifyWithoutFlags => Months.All(m => m.Qualifies) && !HasFlags;
}

/// <summary>A placement's result with the decisions (access-checked: the owning unit, or staff in jurisdiction); null before certification.</summary>
public sealed record GetPlacementResult(Guid PlacementId) : IQuery<PlacementResultDto?>;

/// <summary>The results of a unit-year's placements (for lists and the home page).</summary>
public sealed record GetPlacementResults(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<PlacementResultDto>>;

public enum ReviewQueueKind { All, Disputed, AwaitingReview, Flagged }

public sealed record ReviewQueueItemDto(
    Guid PlacementId, Guid UnitId, string UnitCreditCode, string UnitName, int BusinessYear, string MaskedIdNumber, string MaskedName,
    string State, int QualifyingMonths, bool HasFlags, IReadOnlyList<int> DisputedMonths, DateTimeOffset SubmittedAt);

/// <summary>Placements waiting for a reviewer in the caller's jurisdiction (disputed, awaiting review, flagged), paginated.</summary>
public sealed record GetReviewQueue(ReviewQueueKind Kind, int? BusinessYear, string? Search, int Page = 1, int PageSize = 20) : IQuery<PagedResult<ReviewQueueItemDto>>;

/// <summary>Everything a reviewer's page needs about one placement under review (masked person; full data via GetPlacementDetail).</summary>
public sealed record ReviewDetailDto(
    Guid PlacementId, Guid UnitId, string UnitCreditCode, string UnitName, int BusinessYear, string MaskedIdNumber, string MaskedName,
    string State, IReadOnlyList<int> DisputedMonths, string? DisputeReason, string? ReturnReason, DateTimeOffset? SubmittedAt,
    PlacementResultDto Result)
{
    /// <summary>Whether every disputed month has a decision (a disputed placement can be confirmed only then).</summary>
    public bool AllDisputedMonthsDecided => DisputedMonths.All(m => Result.Months.Any(x => x.Month == m && x.Granted is not null));
}

/// <summary>A placement's review detail (reviewers in jurisdiction and admins; employers of another unit get 404).</summary>
public sealed record GetReviewDetail(Guid PlacementId) : IQuery<ReviewDetailDto>;

/// <summary>A reviewer grants or denies one disputed (or any) month, with a comment.</summary>
public sealed record DecideMonth(Guid PlacementId, int Month, bool Grant, string Comment) : ICommand<bool>;

/// <summary>The reviewer confirms the placement: final months = automatic result overridden by decisions.</summary>
public sealed record ConfirmPlacement(Guid PlacementId) : ICommand<bool>;

/// <summary>The reviewer returns the placement to the unit with a reason; the unit edits and resubmits.</summary>
public sealed record ReturnPlacement(Guid PlacementId, string Reason) : ICommand<bool>;

/// <summary>Confirms each listed placement whose months all qualified without flags; returns how many were confirmed.</summary>
public sealed record BulkConfirm(IReadOnlyList<Guid> PlacementIds) : ICommand<int>;

public sealed record ConfirmedPersonDto(Guid PlacementId, string MaskedIdNumber, string MaskedName, string CertificateType, int? Category, int? Level,
    int QualifyingMonths, int PersonMonths);

/// <summary>A unit-year's CertifiedCount: person-months of confirmed placements after review, ÷ 12 (exact) and the persons.</summary>
public sealed record CertifiedCountDto(Guid UnitId, int BusinessYear, int PersonMonths, IReadOnlyList<ConfirmedPersonDto> Persons)
{
    public decimal CertifiedCount => PersonMonths / 12m;
    public decimal CertifiedCountRounded => Math.Round(PersonMonths / 12m, 2, MidpointRounding.AwayFromZero);
}

public sealed record GetCertifiedCount(Guid UnitId, int BusinessYear) : IQuery<CertifiedCountDto>;

/// <summary>Writes the <c>certification-results</c> export of FORMATS.md to <paramref name="Output"/>; returns the rows written (admin or system).</summary>
public sealed record ExportCertificationResults(int BusinessYear, Stream Output) : IQuery<long>, IAuditedExport
{
    public string ExportKind => "certification-results";
}

/// <summary>Writes the <c>certified-counts</c> export of FORMATS.md to <paramref name="Output"/>; returns the rows written (admin or system).</summary>
public sealed record ExportCertifiedCounts(int BusinessYear, Stream Output) : IQuery<long>, IAuditedExport
{
    public string ExportKind => "certified-counts";
}
