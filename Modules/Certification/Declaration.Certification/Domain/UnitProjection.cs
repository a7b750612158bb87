using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Units.Contracts;

namespace Declaration.Certification.Domain;

/// <summary>The engine's copy of Units' facts: a unit's credit code, name, region and federation, and its related units.</summary>
internal sealed class UnitProjection(IDbSession db, TimeProvider clock)
{
    /// <summary>Upserts the unit; a changed region marks its unconfirmed placements dirty.</summary>
    public async Task UpsertUnitAsync(Guid id, string creditCode, string name, string region, string federation, CancellationToken ct) =>
        await db.ExecuteAsync("""
            WITH old AS (SELECT region_code FROM certification.unit WHERE id = @id),
            up AS (
                INSERT INTO certification.unit AS u (id, credit_code, name, region_code, federation_code, updated_at)
                VALUES (@id, @creditCode, @name, @region, @federation, @now)
                ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, name = EXCLUDED.name, region_code = EXCLUDED.region_code,
                    federation_code = EXCLUDED.federation_code, updated_at = EXCLUDED.updated_at
                WHERE (u.credit_code, u.name, u.region_code, u.federation_code)
                      IS DISTINCT FROM (EXCLUDED.credit_code, EXCLUDED.name, EXCLUDED.region_code, EXCLUDED.federation_code)
                RETURNING 1
            )
            INSERT INTO certification.placement_dirty (placement_id)
            SELECT id FROM certification.placement
            WHERE unit_id = @id AND state <> 'Confirmed'
              AND EXISTS (SELECT 1 FROM old WHERE old.region_code IS DISTINCT FROM @region) AND EXISTS (SELECT 1 FROM up)
            ON CONFLICT DO NOTHING
            """, new { id, creditCode, name, region, federation, now = clock.GetUtcNow() }, ct);

    /// <summary>Replaces the unit's related units; any difference marks its unconfirmed placements dirty.</summary>
    public async Task ReplaceRelatedAsync(Guid unitId, IReadOnlyList<RelatedUnitFact> facts, CancellationToken ct)
    {
        var codes = facts.Select(f => f.RelatedCreditCode).ToArray();
        var types = facts.Select(f => f.RelationType).ToArray();
        var froms = facts.Select(f => f.ValidFrom).ToArray();
        var tos = facts.Select(f => f.ValidTo).ToArray();
        await db.ExecuteAsync("""
            CREATE TEMP TABLE IF NOT EXISTS cert_related_new (related_credit_code text, relation_type text, valid_from date, valid_to date);
            TRUNCATE cert_related_new;
            INSERT INTO cert_related_new SELECT * FROM unnest(@codes::text[], @types::text[], @froms::date[], @tos::date[]);
            """, new { codes, types, froms, tos }, ct);
        var changed = await db.ExecuteScalarAsync<bool>("""
            SELECT EXISTS (
                (SELECT related_credit_code, relation_type, valid_from, valid_to FROM certification.related_unit WHERE unit_id = @unitId
                 EXCEPT SELECT * FROM cert_related_new)
                UNION ALL
                (SELECT * FROM cert_related_new
                 EXCEPT SELECT related_credit_code, relation_type, valid_from, valid_to FROM certification.related_unit WHERE unit_id = @unitId))
            """, new { unitId }, ct);
        if (!changed) return;
        await db.ExecuteAsync("""
            DELETE FROM certification.related_unit WHERE unit_id = @unitId;
            INSERT INTO certification.related_unit (unit_id, related_credit_code, relation_type, valid_from, valid_to)
            SELECT DISTINCT ON (related_credit_code, relation_type, valid_from) @unitId, related_credit_code, relation_type, valid_from, valid_to
            FROM cert_related_new;
            INSERT INTO certification.placement_dirty (placement_id)
            SELECT id FROM certification.placement WHERE unit_id = @unitId AND state <> 'Confirmed'
            ON CONFLICT DO NOTHING;
            """, new { unitId }, ct);
    }
}

internal sealed class UnitProfileChangedHandler(UnitProjection units) : IIntegrationEventHandler<UnitProfileChanged>
{
    public Task HandleAsync(UnitProfileChanged e, CancellationToken ct) =>
        units.UpsertUnitAsync(e.UnitId, e.CreditCode, e.Name, e.RegionCode, e.FederationCode, ct);
}

internal sealed class RelatedUnitsChangedHandler(UnitProjection units) : IIntegrationEventHandler<RelatedUnitsChanged>
{
    public Task HandleAsync(RelatedUnitsChanged e, CancellationToken ct) => units.ReplaceRelatedAsync(e.UnitId, e.RelatedUnits, ct);
}
