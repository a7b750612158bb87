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
internal sealed class PlacementProjection(IDbSession db, TimeProvider clock)
{
    public async Task ApplyAsync(IPlacementStateEvent e, int? personMonths, DateTimeOffset occurredAt, CancellationToken ct)
    {
        // Read back by nobody (they travel with the inbox's COMMIT): first the unit-year's row, inserted when missing, is locked —
        // every change of one unit-year's placements applies after the one before it committed, so that what the second statement
        // reads is current; then the placement's state (unless what is stored is newer) and the unit-year's counts moved by the
        // change from the state the placement had, with the state they derive. Both by key: their generic plans (planned once).
        db.UseGenericPlans();
        var args = new
        {
            e.PlacementId, e.UnitId, e.BusinessYear, e.Version, state = e.State?.ToString() ?? "Withdrawn", personMonths, occurredAt, now = clock.GetUtcNow(),
        };
        await db.DeferAsync(BatchCommands.Create("""
            INSERT INTO annual_review.unit_year AS y (unit_id, business_year, state, updated_at) VALUES (@UnitId, @BusinessYear, 'NotStarted', @now)
            ON CONFLICT (unit_id, business_year) DO UPDATE SET updated_at = y.updated_at WHERE false
            """, new { e.UnitId, e.BusinessYear, args.now }), ct);
        await db.DeferAsync(BatchCommands.Create("""
            WITH old AS (
                SELECT state FROM annual_review.placement_state WHERE placement_id = @PlacementId
            ), applied AS (
                INSERT INTO annual_review.placement_state AS s (placement_id, unit_id, business_year, state, person_months, event_at, updated_at, version)
                VALUES (@PlacementId, @UnitId, @BusinessYear, @state, @personMonths, @occurredAt, @now, @Version)
                ON CONFLICT (placement_id) DO UPDATE SET state = EXCLUDED.state, person_months = EXCLUDED.person_months,
                    event_at = EXCLUDED.event_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
                WHERE s.version < EXCLUDED.version
                RETURNING s.state
            ), delta AS (
                SELECT (a.state <> 'Withdrawn')::int - coalesce((o.state <> 'Withdrawn')::int, 0) AS active,
                       (a.state = 'Confirmed')::int - coalesce((o.state = 'Confirmed')::int, 0) AS confirmed
                FROM applied a LEFT JOIN old o ON true
            ), counted AS (
                SELECT y.unit_id, y.business_year, y.state AS was, y.active_placements + d.active AS active, y.confirmed_placements + d.confirmed AS confirmed
                FROM annual_review.unit_year y CROSS JOIN delta d WHERE y.unit_id = @UnitId AND y.business_year = @BusinessYear
            ), derived AS (
                SELECT c.*, annual_review.derived_state(c.was, c.active, c.confirmed) AS becomes FROM counted c
            )
            UPDATE annual_review.unit_year y SET active_placements = c.active, confirmed_placements = c.confirmed, state = c.becomes,
                version = y.version + (c.was <> c.becomes)::int, updated_at = CASE WHEN c.was <> c.becomes THEN @now ELSE y.updated_at END
            FROM derived c WHERE y.unit_id = c.unit_id AND y.business_year = c.business_year
            """, args), ct);
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
