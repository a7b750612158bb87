using Declaration.BuildingBlocks.Messaging;
using Mediator;

namespace Declaration.AnnualReview.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class AnnualReviewContractsMarker;

/// <summary>RULES.md §6.</summary>
public enum AnnualReviewState { NotStarted, InProgress, ReadyToCertify, Certified, ReopenRequested }

public sealed record AnnualReviewStatusDto(
    Guid UnitId, int BusinessYear, AnnualReviewState State, DateOnly WindowOpens, DateOnly WindowCloses, bool WindowOpen,
    decimal? CertifiedCount, string? CertificateNumber, DateTimeOffset? CertifiedAt, string? ReopenReason);

/// <summary>Where a unit's business year stands (manual chapter 4's progress), access-checked.</summary>
public sealed record GetAnnualReviewStatus(Guid UnitId, int BusinessYear) : IQuery<AnnualReviewStatusDto>;

/// <summary>
/// Whether the unit may change its placements of the year now: the declaration window is open (for employers) and the
/// year is not Certified or ReopenRequested. Placement asks before every change.
/// </summary>
public sealed record CheckDeclarationOpen(Guid UnitId, int BusinessYear) : IQuery<DeclarationOpenDto>;

/// <summary>
/// <see cref="CheckDeclarationOpen"/> for a change about to be written (a declaration), without a read of its own: the check travels
/// with the caller's COMMIT, before the statements queued after it, and a year that is not open fails the COMMIT — the caller's whole
/// transaction rolled back — with the refusal <see cref="CheckDeclarationOpen"/> would have given (a business-rule error named
/// <see cref="DeclarationOpenRule"/>). Inside the caller's transaction only.
/// </summary>
public sealed record EnsureDeclarationOpenAtCommit(Guid UnitId, int BusinessYear) : ICommand
{
    /// <summary>The rule a change refused for a closed year or window names (Placement's, checked before its other changes).</summary>
    public const string DeclarationOpenRule = nameof(DeclarationOpenRule);
}

/// <summary>
/// <see cref="CheckDeclarationOpen"/> for many units of one business year at once (an import file's units), in a few queries; staff and
/// the system only. Every listed unit gets an answer.
/// </summary>
public sealed record CheckDeclarationsOpen(IReadOnlyList<Guid> UnitIds, int BusinessYear) : IQuery<IReadOnlyDictionary<Guid, DeclarationOpenDto>>;

/// <param name="ConfirmedEditable">An approved reopen request has unlocked the unit-year: its Confirmed placements may be edited
/// (重新登记) or deleted until the year is certified again.</param>
public sealed record DeclarationOpenDto(bool Open, string? Reason, bool ConfirmedEditable = false);

public sealed record CertificateVerificationDto(bool Found, bool Valid, string? CertificateNumber, string? UnitName, int? BusinessYear,
    decimal? CertifiedCount, DateTimeOffset? IssuedAt, DateTimeOffset? RevokedAt);

/// <summary>The public verification page's question (no sign-in): by the random short code only (never the sequential certificate number).</summary>
public sealed record VerifyCertificate(string Code) : IQuery<CertificateVerificationDto>;

public sealed record AnnualCertificationCompleted(Guid UnitId, int BusinessYear, string CertificateNumber, decimal CertifiedCount) : IntegrationEvent;

public sealed record AnnualReviewReopened(Guid UnitId, int BusinessYear, string CertificateNumber) : IntegrationEvent;

/// <summary>A reviewer decided a reopen request (for the unit's SMS).</summary>
public sealed record ReopenRequestDecided(Guid UnitId, int BusinessYear, bool Approved, string Comment) : IntegrationEvent;

/// <summary>AnnualReview's projection of one placement's state (fed by Placement's events, applied in version order).</summary>
public sealed record ProjectedPlacementStateDto(Guid PlacementId, Guid UnitId, int BusinessYear, string State, int? PersonMonths, int Version);

/// <summary>A page of the projection in placement-id order after <paramref name="After"/> (admin or system: the consistency check).</summary>
public sealed record GetProjectedPlacementStates(Guid After, int Limit) : IQuery<IReadOnlyList<ProjectedPlacementStateDto>>;
