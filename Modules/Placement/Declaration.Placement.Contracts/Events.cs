using Declaration.BuildingBlocks.Messaging;

namespace Declaration.Placement.Contracts;

/// <summary>
/// An event that moves a placement's state. <see cref="Version"/> is the placement's version after the change (it grows by one with
/// every change, under the placement row's lock), so a projection applies these in order and never an older one over a newer one.
/// <see cref="State"/> is the state after the change; null when the placement was deleted.
/// </summary>
public interface IPlacementStateEvent
{
    Guid PlacementId { get; }
    Guid UnitId { get; }
    int BusinessYear { get; }
    int Version { get; }
    PlacementState? State { get; }
}

/// <summary>A placement was declared (添加残疾人 → 下一步, or a new row of a placements file): a Draft.</summary>
public sealed record PlacementDeclared(Guid PlacementId, Guid UnitId, int BusinessYear, int Version) : IntegrationEvent, IPlacementStateEvent
{
    public PlacementState? State => PlacementState.Draft;
}

/// <summary>The unit edited a placement (重新登记, or a changed row of a placements file): back to Draft, decisions cleared.</summary>
public sealed record PlacementReopened(Guid PlacementId, Guid UnitId, int BusinessYear, int Version) : IntegrationEvent, IPlacementStateEvent
{
    public PlacementState? State => PlacementState.Draft;
}

/// <summary>The unit had no objection: the placement awaits review.</summary>
public sealed record PlacementSubmitted(Guid PlacementId, Guid UnitId, int BusinessYear, string MaskedName, int Version) : IntegrationEvent, IPlacementStateEvent
{
    public PlacementState? State => PlacementState.AwaitingReview;
}

/// <summary>The unit objected: the months it believes qualify, its reason (evidence stays in Placement).</summary>
public sealed record PlacementDisputed(Guid PlacementId, Guid UnitId, int BusinessYear, IReadOnlyList<int> ClaimedMonths, string Reason, string MaskedName, int Version)
    : IntegrationEvent, IPlacementStateEvent
{
    public PlacementState? State => PlacementState.Disputed;
}

/// <summary>A reviewer confirmed the placement; <paramref name="PersonMonths"/> = its final weighted months (after the decisions).</summary>
public sealed record PlacementConfirmed(Guid PlacementId, Guid UnitId, int BusinessYear, int PersonMonths, string MaskedName, int Version)
    : IntegrationEvent, IPlacementStateEvent
{
    public PlacementState? State => PlacementState.Confirmed;
}

/// <summary>A reviewer returned the placement to the unit with a reason.</summary>
public sealed record PlacementReturned(Guid PlacementId, Guid UnitId, int BusinessYear, string Reason, string MaskedName, int Version)
    : IntegrationEvent, IPlacementStateEvent
{
    public PlacementState? State => PlacementState.Returned;
}

/// <summary>The placement was deleted by the unit.</summary>
public sealed record PlacementWithdrawn(Guid PlacementId, Guid UnitId, int BusinessYear, int Version) : IntegrationEvent, IPlacementStateEvent
{
    public PlacementState? State => null;
}

/// <summary>A reviewer decided a disputed month (for the unit's SMS).</summary>
public sealed record DisputeDecided(Guid PlacementId, Guid UnitId, int BusinessYear, int Month, bool Granted, string MaskedName) : IntegrationEvent;

/// <summary>
/// A declared person's certificate ends within the business year or the next 60 days (the unit's contact is texted once per person
/// and expiry date). The event id is derived from (unit, person, expiry date), so it is the same however often it is raised.
/// </summary>
public sealed record CertificateExpiring(Guid PlacementId, Guid UnitId, int BusinessYear, string MaskedName, DateOnly ValidUntil) : IntegrationEvent;
