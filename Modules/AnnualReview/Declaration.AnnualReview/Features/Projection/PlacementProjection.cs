using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.AnnualReview.Features.Projection;

/// <summary>
/// Our projection of each placement's state, from Placement's events (each delivered once through the inbox). Every event carries
/// the placement's version after the change; an event not newer than what is stored changes nothing, so out-of-order and repeated
/// delivery converge on the newest state. Each applied change recomputes the unit-year's derived state.
/// </summary>
internal sealed class PlacementProjection(IDbSession db, UnitYearStore store, TimeProvider clock)
{
    public async Task ApplyAsync(IPlacementStateEvent e, int? personMonths, DateTimeOffset occurredAt, CancellationToken ct)
    {
        // The placement's state and the lock on its unit-year (the row inserted when missing) in one statement: changes of one
        // unit-year's placements queue there, each recomputing after the one before it committed.
        var applied = await db.ExecuteScalarAsync<long>($"""
            WITH applied AS (
                INSERT INTO annual_review.placement_state AS s (placement_id, unit_id, business_year, state, person_months, event_at, updated_at, version)
                VALUES (@PlacementId, @UnitId, @BusinessYear, @state, @personMonths, @occurredAt, @now, @Version)
                ON CONFLICT (placement_id) DO UPDATE SET state = EXCLUDED.state, person_months = EXCLUDED.person_months,
                    event_at = EXCLUDED.event_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
                WHERE s.version < EXCLUDED.version
                RETURNING 1
            ), locked AS ({UnitYearStore.LockSql("@UnitId", "@BusinessYear")})
            SELECT count(*) FROM applied
            """, new
        {
            e.PlacementId, e.UnitId, e.BusinessYear, e.Version, state = e.State?.ToString() ?? "Withdrawn", personMonths, occurredAt, now = clock.GetUtcNow(),
        }, ct);
        if (applied > 0) await store.RecomputeLockedAsync(e.UnitId, e.BusinessYear, ct);
    }
}

internal sealed class OnPlacementDeclared(PlacementProjection projection) : IIntegrationEventHandler<PlacementDeclared>
{
    public Task HandleAsync(PlacementDeclared e, CancellationToken ct) => projection.ApplyAsync(e, null, e.OccurredAt, ct);
}

internal sealed class OnPlacementReopened(PlacementProjection projection) : IIntegrationEventHandler<PlacementReopened>
{
    public Task HandleAsync(PlacementReopened e, CancellationToken ct) => projection.ApplyAsync(e, null, e.OccurredAt, ct);
}

internal sealed class OnPlacementSubmitted(PlacementProjection projection) : IIntegrationEventHandler<PlacementSubmitted>
{
    public Task HandleAsync(PlacementSubmitted e, CancellationToken ct) => projection.ApplyAsync(e, null, e.OccurredAt, ct);
}

internal sealed class OnPlacementDisputed(PlacementProjection projection) : IIntegrationEventHandler<PlacementDisputed>
{
    public Task HandleAsync(PlacementDisputed e, CancellationToken ct) => projection.ApplyAsync(e, null, e.OccurredAt, ct);
}

internal sealed class OnPlacementConfirmed(PlacementProjection projection) : IIntegrationEventHandler<PlacementConfirmed>
{
    public Task HandleAsync(PlacementConfirmed e, CancellationToken ct) => projection.ApplyAsync(e, e.PersonMonths, e.OccurredAt, ct);
}

internal sealed class OnPlacementReturned(PlacementProjection projection) : IIntegrationEventHandler<PlacementReturned>
{
    public Task HandleAsync(PlacementReturned e, CancellationToken ct) => projection.ApplyAsync(e, null, e.OccurredAt, ct);
}

internal sealed class OnPlacementWithdrawn(PlacementProjection projection) : IIntegrationEventHandler<PlacementWithdrawn>
{
    public Task HandleAsync(PlacementWithdrawn e, CancellationToken ct) => projection.ApplyAsync(e, null, e.OccurredAt, ct);
}

internal sealed class GetProjectedPlacementStatesHandler(IDbSession db, ICurrentUser user)
    : IQueryHandler<GetProjectedPlacementStates, IReadOnlyList<ProjectedPlacementStateDto>>
{
    public async ValueTask<IReadOnlyList<ProjectedPlacementStateDto>> Handle(GetProjectedPlacementStates query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可以核对数据一致性");
        return await db.QueryAsync<ProjectedPlacementStateDto>("""
            SELECT placement_id AS PlacementId, unit_id AS UnitId, business_year AS BusinessYear, state, person_months AS PersonMonths, version
            FROM annual_review.placement_state WHERE placement_id > @After ORDER BY placement_id LIMIT @Limit
            """, query, ct);
    }
}
