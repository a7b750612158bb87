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

    /// <summary>The parameters of <see cref="Current"/> for a unit as Units has it now.</summary>
    public static object CurrentArgs(UnitDto unit) =>
        new { id = unit.Id, creditCode = unit.CreditCode, name = unit.Name, federationCode = unit.FederationCode, version = unit.Version };

    public async Task UpsertAsync(Guid id, string creditCode, string name, string federationCode, int version, CancellationToken ct)
    {
        // Nearly always the stored row is this one: a plain read answers that, where the upsert (even proposing nothing) would fire the
        // table's statement triggers (unit and queue stamps) on every declaration.
        if (await db.ExecuteScalarAsync<bool>($"SELECT EXISTS ({Current})", new { id, creditCode, name, federationCode, version }, ct)) return;
        await WriteAsync(id, creditCode, name, federationCode, version, ct);
    }

    /// <summary>The upsert alone, for a caller that found the stored row behind (<see cref="Current"/> answered no).</summary>
    public Task WriteAsync(UnitDto unit, CancellationToken ct) => WriteAsync(unit.Id, unit.CreditCode, unit.Name, unit.FederationCode, unit.Version, ct);

    private async Task WriteAsync(Guid id, string creditCode, string name, string federationCode, int version, CancellationToken ct)
    {
        var args = new { id, creditCode, name, federationCode, version, now = clock.GetUtcNow() };
        await db.ExecuteAsync($"""
            INSERT INTO placement.unit AS u (id, credit_code, name, federation_code, version, updated_at)
            SELECT @id, @creditCode, @name, @federationCode, @version, @now
            -- Nothing proposed when the stored row is newer or the same: an upsert updating nothing would still lock the row for the
            -- transaction, and every declaration of the unit would wait for the others.
            WHERE NOT EXISTS ({Current})
            ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, name = EXCLUDED.name, federation_code = EXCLUDED.federation_code,
                version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            WHERE u.version <= EXCLUDED.version
              AND (u.credit_code, u.name, u.federation_code, u.version) IS DISTINCT FROM (EXCLUDED.credit_code, EXCLUDED.name, EXCLUDED.federation_code, EXCLUDED.version)
            """, args, ct);
    }

    /// <summary>The stored row is newer than, or the same as, the one proposed (parameters: <see cref="CurrentArgs"/>).</summary>
    public const string Current = """
        SELECT 1 FROM placement.unit s WHERE s.id = @id AND (s.version > @version
            OR (s.credit_code, s.name, s.federation_code, s.version) IS NOT DISTINCT FROM (@creditCode, @name, @federationCode, @version))
        """;
}

internal sealed class UnitProfileChangedHandler(UnitProjection units) : IIntegrationEventHandler<UnitProfileChanged>
{
    public Task HandleAsync(UnitProfileChanged e, CancellationToken ct) =>
        units.UpsertAsync(e.UnitId, e.CreditCode, e.Name, e.FederationCode, e.Version, ct);
}
