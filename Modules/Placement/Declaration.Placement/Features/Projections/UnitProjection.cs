using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Units.Contracts;

namespace Declaration.Placement.Features.Projections;

/// <summary>
/// Our copy of what the review queue needs of a unit (credit code, name, supervising federation): fed by UnitProfileChanged and
/// refreshed when a placement is declared; a version older than the stored one never overwrites it.
/// </summary>
internal sealed class UnitProjection(IDbSession db, TimeProvider clock)
{
    /// <summary>Many units in one statement (an import's units).</summary>
    public Task RefreshAsync(IReadOnlyList<UnitDto> units, CancellationToken ct) =>
        db.ExecuteAsync("""
            INSERT INTO placement.unit AS u (id, credit_code, name, federation_code, version, updated_at)
            SELECT x.id, x.code, x.name, x.federation, x.version, @now
            FROM unnest(@ids::uuid[], @codes::text[], @names::text[], @federations::text[], @versions::int[]) AS x(id, code, name, federation, version)
            ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, name = EXCLUDED.name, federation_code = EXCLUDED.federation_code,
                version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            WHERE u.version <= EXCLUDED.version
              AND (u.credit_code, u.name, u.federation_code, u.version) IS DISTINCT FROM (EXCLUDED.credit_code, EXCLUDED.name, EXCLUDED.federation_code, EXCLUDED.version)
            """, new
        {
            ids = units.Select(u => u.Id).ToArray(), codes = units.Select(u => u.CreditCode).ToArray(), names = units.Select(u => u.Name).ToArray(),
            federations = units.Select(u => u.FederationCode).ToArray(), versions = units.Select(u => u.Version).ToArray(), now = clock.GetUtcNow(),
        }, ct);

    /// <summary>
    /// Refreshes our copy of a unit unless the stored row is as new or newer (<c>placement.refresh_unit</c>: the check and the upsert in
    /// one call; nothing written, locked or stamped when current). In a transaction it is queued for the next round trip (a
    /// declaration's COMMIT, before the placement row that needs it).
    /// </summary>
    public Task RefreshAsync(UnitDto unit, CancellationToken ct) => UpsertAsync(unit.Id, unit.CreditCode, unit.Name, unit.FederationCode, unit.Version, ct);

    public Task UpsertAsync(Guid id, string creditCode, string name, string federationCode, int version, CancellationToken ct) =>
        db.DeferAsync(BatchCommands.Create("SELECT placement.refresh_unit(@id, @creditCode, @name, @federationCode, @version, @now)",
            new { id, creditCode, name, federationCode, version, now = clock.GetUtcNow() }), ct);
}

internal sealed class UnitProfileChangedHandler(UnitProjection units) : IIntegrationEventHandler<UnitProfileChanged>
{
    public Task HandleAsync(UnitProfileChanged e, CancellationToken ct) =>
        units.UpsertAsync(e.UnitId, e.CreditCode, e.Name, e.FederationCode, e.Version, ct);
}
