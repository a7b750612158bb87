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

public sealed record PlacementSummaryDto(
    Guid Id, Guid UnitId, int BusinessYear, string MaskedIdNumber, string MaskedName, PlacementState State,
    string CertificateType, int? Category, int? Level, DateOnly EmploymentStart, DateOnly? EmploymentEnd, int Version, DateTimeOffset UpdatedAt);

/// <summary>Every placement of a unit-year (access-checked), masked.</summary>
public sealed record GetPlacements(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<PlacementSummaryDto>>;

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

// Integration events published by Placement.

/// <summary>The unit had no objection: the placement awaits review.</summary>
public sealed record PlacementSubmitted(Guid PlacementId, Guid UnitId, int BusinessYear, string MaskedName) : IntegrationEvent;

/// <summary>The unit objected: the months it believes qualify, its reason (evidence stays in Placement).</summary>
public sealed record PlacementDisputed(Guid PlacementId, Guid UnitId, int BusinessYear, IReadOnlyList<int> ClaimedMonths, string Reason, string MaskedName) : IntegrationEvent;

/// <summary>The placement was deleted by the unit.</summary>
public sealed record PlacementWithdrawn(Guid PlacementId, Guid UnitId, int BusinessYear) : IntegrationEvent;

/// <summary>The unit edited a placement (重新登记): it is back to Draft and must be resubmitted.</summary>
public sealed record PlacementReopened(Guid PlacementId, Guid UnitId, int BusinessYear) : IntegrationEvent;
