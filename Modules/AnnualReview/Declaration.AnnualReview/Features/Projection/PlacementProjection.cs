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
/// <para>
/// The events of one delivery transaction (an inbox batch: up to <c>InboxBatchSize</c> of them) are gathered and written once, just
/// before its COMMIT and with it, set-wise: the unit-years' rows locked (in key order), then every placement's newest event applied
/// and each unit-year's counts moved by the net change of its placements. That is what applying them one by one in order gives —
/// a placement's newest version wins; the counts follow from the states before and after; the derived state depends only on the
/// counts (or stays Certified / ReopenRequested) — in two statements for the batch instead of two for each event.
/// </para>
/// </summary>
internal sealed class PlacementProjection(IDbSession db, TimeProvider clock)
{
    private readonly List<Change> _pending = [];

    private sealed record Change(Guid PlacementId, Guid UnitId, int BusinessYear, int Version, string State, int? PersonMonths, DateTimeOffset OccurredAt);

    public Task ApplyAsync(IPlacementStateEvent e, int? personMonths, DateTimeOffset occurredAt, CancellationToken ct)
    {
        if (db.Transaction is null) throw new InvalidOperationException("The projection is applied inside a delivery's transaction.");
        if (_pending.Count == 0) db.BeforeCommit(WriteAsync, _pending.Clear);
        _pending.Add(new Change(e.PlacementId, e.UnitId, e.BusinessYear, e.Version, e.State?.ToString() ?? "Withdrawn", personMonths, occurredAt));
        return Task.CompletedTask;
    }

    private async Task WriteAsync(CancellationToken ct)
    {
        var changes = _pending.ToArray();
        _pending.Clear();
        if (changes.Length == 0) return;
        // Read back by nobody (they travel with the COMMIT): first the unit-years' rows, inserted when missing, are locked in key order
        // (two workers' batches never wait on each other in a circle) — every change of one unit-year's placements applies after the
        // one before it committed, so that what the second statement reads is current; then the placements' states (unless what is
        // stored is newer) and the unit-years' counts moved by the change, with the state they derive. By key: their generic plans.
        db.UseGenericPlans();
        var now = clock.GetUtcNow();
        var unitYears = changes.Select(c => (c.UnitId, c.BusinessYear)).Distinct().Order().ToArray();
        await db.DeferAsync(BatchCommands.Create("""
            INSERT INTO annual_review.unit_year AS y (unit_id, business_year, state, updated_at)
            SELECT u, b, 'NotStarted', @now FROM unnest(@units::uuid[], @years::int[]) AS x(u, b) ORDER BY u, b
            ON CONFLICT (unit_id, business_year) DO UPDATE SET updated_at = y.updated_at WHERE false
            """, new { units = unitYears.Select(u => u.UnitId).ToArray(), years = unitYears.Select(u => u.BusinessYear).ToArray(), now }), ct);
        await db.DeferAsync(BatchCommands.Create("""
            WITH e AS (
                -- A placement's newest event of the batch (the older ones would be overwritten by it).
                SELECT DISTINCT ON (placement_id) *
                FROM unnest(@ids::uuid[], @units::uuid[], @years::int[], @versions::int[], @states::text[], @personMonths::int[], @at::timestamptz[])
                    AS e(placement_id, unit_id, business_year, version, state, person_months, event_at)
                ORDER BY placement_id, version DESC
            ), old AS (
                SELECT s.placement_id, s.state FROM annual_review.placement_state s JOIN e ON e.placement_id = s.placement_id
            ), applied AS (
                INSERT INTO annual_review.placement_state AS s (placement_id, unit_id, business_year, state, person_months, event_at, updated_at, version)
                SELECT placement_id, unit_id, business_year, state, person_months, event_at, @now, version FROM e ORDER BY placement_id
                ON CONFLICT (placement_id) DO UPDATE SET state = EXCLUDED.state, person_months = EXCLUDED.person_months,
                    event_at = EXCLUDED.event_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
                WHERE s.version < EXCLUDED.version
                RETURNING s.placement_id, s.unit_id, s.business_year, s.state
            ), delta AS (
                SELECT a.unit_id, a.business_year,
                       sum((a.state <> 'Withdrawn')::int - coalesce((o.state <> 'Withdrawn')::int, 0))::int AS active,
                       sum((a.state = 'Confirmed')::int - coalesce((o.state = 'Confirmed')::int, 0))::int AS confirmed
                FROM applied a LEFT JOIN old o ON o.placement_id = a.placement_id
                GROUP BY a.unit_id, a.business_year
            ), counted AS (
                SELECT y.unit_id, y.business_year, y.state AS was, y.active_placements + d.active AS active, y.confirmed_placements + d.confirmed AS confirmed
                FROM annual_review.unit_year y JOIN delta d ON d.unit_id = y.unit_id AND d.business_year = y.business_year
            ), derived AS (
                SELECT c.*, annual_review.derived_state(c.was, c.active, c.confirmed) AS becomes FROM counted c
            )
            UPDATE annual_review.unit_year y SET active_placements = c.active, confirmed_placements = c.confirmed, state = c.becomes,
                version = y.version + (c.was <> c.becomes)::int, updated_at = CASE WHEN c.was <> c.becomes THEN @now ELSE y.updated_at END
            FROM derived c WHERE y.unit_id = c.unit_id AND y.business_year = c.business_year
            """, new
        {
            ids = changes.Select(c => c.PlacementId).ToArray(), units = changes.Select(c => c.UnitId).ToArray(),
            years = changes.Select(c => c.BusinessYear).ToArray(), versions = changes.Select(c => c.Version).ToArray(),
            states = changes.Select(c => c.State).ToArray(), personMonths = changes.Select(c => c.PersonMonths).ToArray(),
            at = changes.Select(c => c.OccurredAt).ToArray(), now,
        }), ct);
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
