using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Mediator;
using Npgsql;

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
        // Nothing here is read back, so both statements travel with the inbox's COMMIT: the placement's state with the lock on its
        // unit-year (the row inserted when missing) — changes of one unit-year's placements queue there — then the unit-year's
        // state recomputed, counted after the lock was taken (an event older than what is stored changes no count, and no state).
        var now = clock.GetUtcNow();
        await db.DeferAsync(new NpgsqlBatchCommand($"""
            WITH applied AS (
                INSERT INTO annual_review.placement_state AS s (placement_id, unit_id, business_year, state, person_months, event_at, updated_at, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (placement_id) DO UPDATE SET state = EXCLUDED.state, person_months = EXCLUDED.person_months,
                    event_at = EXCLUDED.event_at, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version
                WHERE s.version < EXCLUDED.version
            )
            {UnitYearStore.LockSql("$2", "$3", "$7")}
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = e.PlacementId }, new NpgsqlParameter<Guid> { TypedValue = e.UnitId },
                new NpgsqlParameter<int> { TypedValue = e.BusinessYear }, new NpgsqlParameter<string> { TypedValue = e.State?.ToString() ?? "Withdrawn" },
                new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer, Value = personMonths is { } pm ? pm : DBNull.Value },
                new NpgsqlParameter<DateTimeOffset> { TypedValue = occurredAt }, new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
                new NpgsqlParameter<int> { TypedValue = e.Version },
            },
        }, ct);
        await store.RecomputeLockedAsync(e.UnitId, e.BusinessYear, now, ct);
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
