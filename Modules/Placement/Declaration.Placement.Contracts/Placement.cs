using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Messaging;
using Mediator;

namespace Declaration.Placement.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class PlacementContractsMarker;

/// <summary>RULES.md §5.</summary>
public enum PlacementState { Draft, AwaitingReview, Disputed, Confirmed, Returned }

public static class PlacementStateLabels
{
    public static string Of(PlacementState s) => s switch
    {
        PlacementState.Draft => "待提交",
        PlacementState.AwaitingReview => "待审核",
        PlacementState.Disputed => "异议待审核",
        PlacementState.Confirmed => "已确认",
        PlacementState.Returned => "已退回",
        _ => s.ToString(),
    };
}

/// <param name="QualifyingMonths">Qualifying months of the automatic result as Placement's projection holds it (null before the first result).</param>
public sealed record PlacementSummaryDto(
    Guid Id, Guid UnitId, int BusinessYear, string MaskedIdNumber, string MaskedName, PlacementState State,
    string CertificateType, int? Category, int? Level, DateOnly EmploymentStart, DateOnly? EmploymentEnd, int Version, DateTimeOffset UpdatedAt,
    int? QualifyingMonths = null);

/// <summary>Every placement of a unit-year (access-checked), masked.</summary>
public sealed record GetPlacements(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<PlacementSummaryDto>>;

/// <summary>One page of the unit's placements of a year, in the order of <see cref="GetPlacements"/> (安置管理 list; 50 a page by default).</summary>
public sealed record GetPlacementPage(Guid UnitId, int BusinessYear, int Page = 1, int PageSize = 50)
    : IQuery<Declaration.BuildingBlocks.Application.PagedResult<PlacementSummaryDto>>;

public sealed record PlacementCountsDto(Guid UnitId, int BusinessYear, int Total, int Draft, int AwaitingReview, int Disputed, int Confirmed, int Returned,
    IReadOnlyDictionary<int, int> ByCategory);

/// <summary>Counts by state and by disability category (for AnnualReview and the home page).</summary>
public sealed record GetPlacementSummary(Guid UnitId, int BusinessYear) : IQuery<PlacementCountsDto>;

public sealed record EvidenceDto(Guid Id, string FileName, string ContentType, long SizeBytes, DateTimeOffset UploadedAt);

public sealed record PlacementDetailDto(
    Guid Id, Guid UnitId, int BusinessYear, string IdNumberShown, string NameShown, PlacementState State,
    string CertificateType, string CertificateNumberShown, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
    string ContractType, DateOnly ContractStart, DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50, string? Phone,
    IReadOnlyList<int> DisputedMonths, string? DisputeReason, string? ReturnReason, IReadOnlyList<EvidenceDto> Evidence, int Version);

/// <summary>
/// One placement (access-checked: the owning unit, or a reviewer in jurisdiction). The IdNumber and name are shown in full
/// to the owning unit's editor and reviewers (and that full view is audited); masked otherwise.
/// </summary>
public sealed record GetPlacementDetail(Guid PlacementId) : IQuery<PlacementDetailDto>;

public sealed record GetDisputeEvidence(Guid PlacementId, Guid FileId) : IQuery<FileDownload>;

/// <summary><c>import placements</c> (FORMATS.md): imported placements are certified and wait for review, as if the form had been filled.</summary>
public sealed record ImportPlacements(Stream Content) : ICommand<ImportResult>;

// ---- Added by the Placement module (commands of manual chapter 5 and bulk declaration). ----

public static class CertificateTypes
{
    public const string Disability = "disability";
    public const string Veteran = "veteran";
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        [Disability] = "残疾人证", [Veteran] = "残疾军人证",
    };
}

public static class ContractTypes
{
    public const string Fixed = "fixed";
    public const string ServiceAgreement = "service_agreement";
    public const string OpenEnded = "open_ended";
    public const string Establishment = "establishment";
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        [Fixed] = "固定期限劳动合同", [ServiceAgreement] = "劳务（服务）协议", [OpenEnded] = "无固定期限劳动合同", [Establishment] = "在编",
    };

    /// <summary>RULES.md §2: the contract end is required for fixed-term contracts and service agreements.</summary>
    public static bool RequiresEnd(string? type) => type is Fixed or ServiceAgreement;
}

/// <summary>The saved (and certified) placement: its id and version. Its 12-month result is <see cref="GetPlacementResult"/>.</summary>
public sealed record PlacementSaved(Guid PlacementId, int Version);

/// <summary>Steps 1–2 of the manual (添加残疾人 → 下一步): saves a Draft placement and certifies it at once.</summary>
public sealed record DeclarePlacement(
    Guid UnitId, int BusinessYear, string IdNumber, string Name, string CertificateType, string CertificateNumber,
    DateOnly EmploymentStart, DateOnly? EmploymentEnd, string ContractType, DateOnly ContractStart, DateOnly? ContractEnd,
    decimal MonthlyWage, bool RetirementBase50, string? Phone) : ICommand<PlacementSaved>;

/// <summary>重新登记: edits a placement that is not Confirmed (or unlocked by an approved reopen); back to Draft and re-certified.</summary>
public sealed record EditPlacement(
    Guid PlacementId, int Version, string IdNumber, string Name, string CertificateType, string CertificateNumber,
    DateOnly EmploymentStart, DateOnly? EmploymentEnd, string ContractType, DateOnly ContractStart, DateOnly? ContractEnd,
    decimal MonthlyWage, bool RetirementBase50, string? Phone) : ICommand<PlacementSaved>;

/// <summary>Step 3 without objection (下一步): Draft or Returned → AwaitingReview. Returns the new version.</summary>
public sealed record SubmitPlacement(Guid PlacementId, int Version) : ICommand<int>;

/// <summary>Step 3 with objection: the months believed to qualify, a reason; at least one evidence file must be uploaded first.</summary>
public sealed record DisputePlacement(Guid PlacementId, int Version, IReadOnlyList<int> ClaimedMonths, string Reason) : ICommand<int>;

/// <summary>Uploads one dispute evidence file (PDF/JPG/PNG by content, ≤ 10 MB, ≤ 20 per placement) while the placement is editable.</summary>
public sealed record AddDisputeEvidence(Guid PlacementId, Stream Content, string FileName) : ICommand<Guid>;

public sealed record DeleteDisputeEvidence(Guid PlacementId, Guid FileId) : ICommand<bool>;

/// <summary>删除 (after confirmation): only while not Confirmed.</summary>
public sealed record DeletePlacement(Guid PlacementId, int Version) : ICommand<bool>;

public sealed record BulkRowDto(long Line, string CreditCode, int BusinessYear, string MaskedIdNumber, string MaskedName, string ContractType, bool Exists);

public sealed record BulkDeclarationPreview(IReadOnlyList<BulkRowDto> Rows, IReadOnlyList<Declaration.BuildingBlocks.Csv.ImportError> Errors, long ErrorCount)
{
    public bool Valid => ErrorCount == 0;
}

/// <summary>批量申报: parses an Excel (.xlsx) or CSV file of FORMATS.md <c>placements</c> for the unit and previews it; nothing is saved.</summary>
public sealed record PreviewBulkDeclaration(Guid UnitId, Stream Content, string FileName) : ICommand<BulkDeclarationPreview>;

/// <summary>批量申报 confirmed: imports the whole file (or nothing), certifies each row and submits it (AwaitingReview).</summary>
public sealed record ConfirmBulkDeclaration(Guid UnitId, Stream Content, string FileName) : ICommand<ImportResult>;

/// <summary>The bulk-declaration template (<c>xlsx</c> or <c>csv</c>) with the FORMATS.md columns and one example row.</summary>
public sealed record GetPlacementTemplate(string Format) : IQuery<FileDownload>;

/// <summary>Whether an approved reopen request has unlocked the unit-year's Confirmed placements for editing (access-checked; AnnualReview decides).</summary>
public sealed record IsUnitYearUnlocked(Guid UnitId, int BusinessYear) : IQuery<bool>;

/// <summary>The masked names of placements (for notifications; staff or system). Deleted placements are absent.</summary>
public sealed record GetPlacementNames(IReadOnlyList<Guid> PlacementIds) : IQuery<IReadOnlyDictionary<Guid, string>>;

/// <summary>
/// The unit's declared persons of a business year whose certificates end within that year or the next 60 days (home page), soonest
/// first; <see cref="CertificateExpiryDto.Expired"/> when the date has passed. Access-checked.
/// </summary>
public sealed record GetCertificateExpiries(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<CertificateExpiryDto>>;

public sealed record CertificateExpiryDto(Guid PlacementId, string MaskedName, string MaskedIdNumber, DateOnly ValidUntil, bool Expired);

/// <summary>
/// The daily alert (system or admin): every placement of the current business years whose person's certificate ends within its year
/// or the next 60 days raises one <see cref="CertificateExpiring"/> per (unit, person, expiry date), ever; returns how many were raised.
/// </summary>
public sealed record SendCertificateExpiryAlerts : ICommand<int>;

/// <summary>The unit's placements of a year with their results, as an Excel workbook (the unit's clerk or staff; audited).</summary>
public sealed record DownloadPlacementList(Guid UnitId, int BusinessYear) : IQuery<Declaration.BuildingBlocks.Application.FileDownload>;

/// <summary>The reviewer's queue (the caller's jurisdiction, every page), as an Excel workbook (staff; audited).</summary>
public sealed record DownloadReviewQueue(ReviewQueueKind Kind, int? BusinessYear) : IQuery<Declaration.BuildingBlocks.Application.FileDownload>;
