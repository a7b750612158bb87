using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;

namespace Declaration.AnnualReview.Features.Projection;

/// <summary>
/// Our projection of each placement's state from Placement's and Certification's events (each delivered once through the
/// inbox). An older event never overwrites a newer one (by OccurredAt), so out-of-order delivery converges.
/// </summary>
internal sealed class PlacementProjection(IDbSession db, UnitYearStore store, TimeProvider clock)
{
    public async Task ApplyAsync(Guid placementId, Guid unitId, int year, string state, int? personMonths, DateTimeOffset occurredAt, CancellationToken ct)
    {
        await db.ExecuteAsync("""
            INSERT INTO annual_review.placement_state (placement_id, unit_id, business_year, state, person_months, event_at, updated_at)
            VALUES (@placementId, @unitId, @year, @state, @personMonths, @occurredAt, @now)
            ON CONFLICT (placement_id) DO UPDATE SET state = excluded.state, person_months = excluded.person_months,
                event_at = excluded.event_at, updated_at = excluded.updated_at
            WHERE annual_review.placement_state.event_at <= excluded.event_at
            """, new { placementId, unitId, year, state, personMonths, occurredAt, now = clock.GetUtcNow() }, ct);
        await store.RecomputeAsync(unitId, year, ct);
    }

    /// <summary>A certified placement we have not heard of is a Draft (the unit has not submitted it yet); known ones keep their state.</summary>
    public async Task SeenAsync(Guid placementId, Guid unitId, int year, DateTimeOffset occurredAt, CancellationToken ct)
    {
        var inserted = await db.ExecuteAsync("""
            INSERT INTO annual_review.placement_state (placement_id, unit_id, business_year, state, event_at, updated_at)
            VALUES (@placementId, @unitId, @year, 'Draft', @occurredAt, @now) ON CONFLICT DO NOTHING
            """, new { placementId, unitId, year, occurredAt, now = clock.GetUtcNow() }, ct);
        if (inserted > 0) await store.RecomputeAsync(unitId, year, ct);
    }
}

internal sealed class OnPlacementCertified(PlacementProjection projection) : IIntegrationEventHandler<PlacementCertified>
{
    public Task HandleAsync(PlacementCertified e, CancellationToken ct) => projection.SeenAsync(e.PlacementId, e.UnitId, e.BusinessYear, e.OccurredAt, ct);
}

internal sealed class OnPlacementSubmitted(PlacementProjection projection) : IIntegrationEventHandler<PlacementSubmitted>
{
    public Task HandleAsync(PlacementSubmitted e, CancellationToken ct) =>
        projection.ApplyAsync(e.PlacementId, e.UnitId, e.BusinessYear, nameof(PlacementState.AwaitingReview), null, e.OccurredAt, ct);
}

internal sealed class OnPlacementDisputed(PlacementProjection projection) : IIntegrationEventHandler<PlacementDisputed>
{
    public Task HandleAsync(PlacementDisputed e, CancellationToken ct) =>
        projection.ApplyAsync(e.PlacementId, e.UnitId, e.BusinessYear, nameof(PlacementState.Disputed), null, e.OccurredAt, ct);
}

internal sealed class OnPlacementWithdrawn(PlacementProjection projection) : IIntegrationEventHandler<PlacementWithdrawn>
{
    public Task HandleAsync(PlacementWithdrawn e, CancellationToken ct) =>
        projection.ApplyAsync(e.PlacementId, e.UnitId, e.BusinessYear, "Withdrawn", null, e.OccurredAt, ct);
}

internal sealed class OnPlacementReopened(PlacementProjection projection) : IIntegrationEventHandler<PlacementReopened>
{
    public Task HandleAsync(PlacementReopened e, CancellationToken ct) =>
        projection.ApplyAsync(e.PlacementId, e.UnitId, e.BusinessYear, nameof(PlacementState.Draft), null, e.OccurredAt, ct);
}

internal sealed class OnPlacementConfirmed(PlacementProjection projection) : IIntegrationEventHandler<PlacementConfirmed>
{
    public Task HandleAsync(PlacementConfirmed e, CancellationToken ct) =>
        projection.ApplyAsync(e.PlacementId, e.UnitId, e.BusinessYear, nameof(PlacementState.Confirmed), e.PersonMonths, e.OccurredAt, ct);
}

internal sealed class OnPlacementReturned(PlacementProjection projection) : IIntegrationEventHandler<PlacementReturned>
{
    public Task HandleAsync(PlacementReturned e, CancellationToken ct) =>
        projection.ApplyAsync(e.PlacementId, e.UnitId, e.BusinessYear, nameof(PlacementState.Returned), null, e.OccurredAt, ct);
}
