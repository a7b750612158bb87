using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Messaging;
using Mediator;

namespace Declaration.Certification.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class CertificationContractsMarker;

/// <summary>Reason and flag codes of RULES.md §3–4 (stable: they appear in exports).</summary>
public static class ReasonCodes
{
    public const string CertNone = "CERT_NONE";
    public const string CertInvalid = "CERT_INVALID";
    public const string AgeUnder16 = "AGE_UNDER_16";
    public const string AgeRetired = "AGE_RETIRED";
    public const string NotEmployed = "NOT_EMPLOYED";
    public const string ContractTooShort = "CONTRACT_TOO_SHORT";
    public const string SiNotPaid = "SI_NOT_PAID";
    public const string WageBelowMinimum = "WAGE_BELOW_MINIMUM";
    public const string DuplicateDeclaration = "DUPLICATE_DECLARATION";
    public const string FlagViaRelatedUnit = "VIA_RELATED_UNIT";

    /// <summary>Plain Chinese for the clerk.</summary>
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        [CertNone] = "未查询到残疾人证信息",
        [CertInvalid] = "残疾人证在该月不在有效期内",
        [AgeUnder16] = "该月未满16周岁",
        [AgeRetired] = "该月已达到法定退休年龄",
        [NotEmployed] = "该月不在申报的就业期间内",
        [ContractTooShort] = "劳动合同（服务协议）期限不满1年",
        [SiNotPaid] = "该月未查询到本单位（或关联单位）缴纳的养老保险",
        [WageBelowMinimum] = "该月工资低于当地最低工资标准",
        [DuplicateDeclaration] = "该月已被其他单位申报（一人只能被一个单位计算）",
        [FlagViaRelatedUnit] = "该月社保由关联单位缴纳，需人工审核",
    };
}

/// <summary>What the unit declared for one placement (RULES.md §2), handed to the engine. IdNumber is plaintext in memory only.</summary>
public sealed record PlacementFacts(
    Guid PlacementId, Guid UnitId, string UnitCreditCode, int BusinessYear, string IdNumber, string Name,
    string CertificateType, string CertificateNumber, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
    string ContractType, DateOnly ContractStart, DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50);

public sealed record MonthResultDto(
    int Month, bool Qualifies, int Weight, IReadOnlyList<string> Reasons, IReadOnlyList<string> Flags,
    /// <summary>The reviewer's decision for the month, if any: true granted, false denied.</summary>
    bool? Granted, string? ReviewComment,
    /// <summary>The weight after review decisions (RULES.md §5: a granted month without a covering certificate weighs 1).</summary>
    int FinalWeight);

public sealed record CertificationResultDto(Guid PlacementId, Guid UnitId, int BusinessYear, IReadOnlyList<MonthResultDto> Months, DateTimeOffset CertifiedAt)
{
    public int QualifyingMonths => Months.Count(m => m.Qualifies);
    public int PersonMonths => Months.Sum(m => m.Weight);
    public int FinalPersonMonths => Months.Sum(m => m.FinalWeight);
    public bool HasFlags => Months.Any(m => m.Flags.Count > 0);
    public bool AllQualifyWithoutFlags => Months.All(m => m.Qualifies) && !HasFlags;
}

/// <summary>
/// Step 3 of the manual: stores the placement's facts and certifies its 12 months at once, by the same set-based code
/// path as the nightly batch restricted to this placement. Throws a BusinessRuleException when no minimum wage is
/// configured for the unit's region (a configuration error, never a silent pass or fail).
/// </summary>
public sealed record CertifyPlacement(PlacementFacts Facts) : ICommand<CertificationResultDto>;

/// <summary>The stored result of a placement (access-checked through the unit).</summary>
public sealed record GetCertificationResult(Guid PlacementId) : IQuery<CertificationResultDto?>;

/// <summary>Stored results of many placements of one unit-year (for lists and dashboards).</summary>
public sealed record GetCertificationResults(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<CertificationResultDto>>;

/// <summary>Removes a withdrawn (deleted) placement's facts and results.</summary>
public sealed record ForgetPlacement(Guid PlacementId) : ICommand<bool>;

public enum ReviewQueueKind { All, Disputed, AwaitingReview, Flagged }

public sealed record ReviewQueueItemDto(
    Guid PlacementId, Guid UnitId, string UnitCreditCode, string UnitName, int BusinessYear, string MaskedIdNumber, string MaskedName,
    string State, int QualifyingMonths, bool HasFlags, IReadOnlyList<int> DisputedMonths, DateTimeOffset SubmittedAt);

/// <summary>Placements waiting for a reviewer in the caller's jurisdiction (disputed, awaiting review, flagged), paginated.</summary>
public sealed record GetReviewQueue(ReviewQueueKind Kind, int? BusinessYear, string? Search, int Page = 1, int PageSize = 20) : IQuery<PagedResult<ReviewQueueItemDto>>;

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

/// <summary>Runs the certification batch now (the nightly job's work) for a year, optionally one unit; returns a summary.</summary>
public sealed record RunCertificationBatch(int BusinessYear, string? UnitCreditCode, bool OnlyChanged) : ICommand<CertificationBatchSummary>;

public sealed record CertificationBatchSummary(int BusinessYear, long Placements, long QualifyingMonths, long Changed, TimeSpan Elapsed)
{
    /// <summary>Units skipped for a configuration error (no minimum wage for their region, unknown region): credit code and reason.</summary>
    public IReadOnlyList<string> SkippedUnits { get; init; } = [];
}

/// <summary>The certificate registry's view of a person for the placement form (category and level), or null.</summary>
public sealed record LookupCertificate(string IdNumber, int BusinessYear) : IQuery<CertificateInfoDto?>;

public sealed record CertificateInfoDto(string CertificateType, string CertificateNumber, int? Category, int Level, DateOnly IssuedOn, DateOnly? ValidUntil);

/// <summary>Imports of linkage data (FORMATS.md): certificates, social-insurance, wages, minimum-wages. Admin or system only.</summary>
public sealed record ImportLinkageData(string Kind, Stream Content) : ICommand<ImportResult>;

// Integration events published by Certification.

public sealed record PlacementCertified(Guid PlacementId, Guid UnitId, int BusinessYear, int QualifyingMonths, int PersonMonths, bool HasFlags) : IntegrationEvent;

public sealed record PlacementConfirmed(Guid PlacementId, Guid UnitId, int BusinessYear, int PersonMonths, string MaskedName) : IntegrationEvent;

public sealed record PlacementReturned(Guid PlacementId, Guid UnitId, int BusinessYear, string Reason, string MaskedName) : IntegrationEvent;

/// <summary>A reviewer decided a disputed month (for the unit's SMS).</summary>
public sealed record DisputeDecided(Guid PlacementId, Guid UnitId, int BusinessYear, int Month, bool Granted, string MaskedName) : IntegrationEvent;

/// <summary>The nightly batch changed an unconfirmed placement's result.</summary>
public sealed record CertificationResultChanged(Guid PlacementId, Guid UnitId, int BusinessYear, int OldQualifyingMonths, int NewQualifyingMonths, string MaskedName) : IntegrationEvent;

// Added for the review pages, the admin pages and the command line.

/// <summary>Everything a reviewer's page needs about one placement under review (masked person; full data via Placement's GetPlacementDetail).</summary>
public sealed record ReviewDetailDto(
    Guid PlacementId, Guid UnitId, string UnitCreditCode, string UnitName, int BusinessYear, string MaskedIdNumber, string MaskedName,
    string State, IReadOnlyList<int> DisputedMonths, string? DisputeReason, string? ReturnReason, DateTimeOffset? SubmittedAt,
    CertificationResultDto Result)
{
    /// <summary>Whether every disputed month has a decision (a disputed placement can be confirmed only then).</summary>
    public bool AllDisputedMonthsDecided => DisputedMonths.All(m => Result.Months.Any(x => x.Month == m && x.Granted is not null));
}

/// <summary>A placement's review detail (reviewers in jurisdiction and admins; employers of another unit get 404).</summary>
public sealed record GetReviewDetail(Guid PlacementId) : IQuery<ReviewDetailDto>;

/// <summary>Writes the <c>certification-results</c> export of FORMATS.md to <paramref name="Output"/>; returns the rows written.</summary>
public sealed record ExportCertificationResults(int BusinessYear, Stream Output) : IQuery<long>, IAuditedExport
{
    public string ExportKind => "certification-results";
}

/// <summary>Writes the <c>certified-counts</c> export of FORMATS.md to <paramref name="Output"/>; returns the rows written.</summary>
public sealed record ExportCertifiedCounts(int BusinessYear, Stream Output) : IQuery<long>, IAuditedExport
{
    public string ExportKind => "certified-counts";
}

/// <summary>
/// Bulk form of <see cref="CertifyPlacement"/> (for <c>import placements</c>): stores every placement's facts and certifies them all in one
/// set-based engine run. Throws a BusinessRuleException naming the units without a minimum wage (nothing is stored then).
/// </summary>
public sealed record CertifyPlacements(IReadOnlyList<PlacementFacts> Facts) : ICommand<CertificationBatchSummary>;
