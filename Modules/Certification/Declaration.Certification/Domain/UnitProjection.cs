using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Units.Contracts;
using Npgsql;

namespace Declaration.Certification.Domain;

/// <summary>
/// The engine's copy of Units' facts: a unit's credit code, name, region and federation, and its related units. Fed by Units'
/// events and refreshed synchronously when a placement is certified; each part carries the version of its source, and an older
/// version never overwrites a newer one.
/// </summary>
internal sealed class UnitProjection(IDbSession db, TimeProvider clock)
{
    /// <summary>Upserts the unit (unless what is stored is newer); a changed region marks its unlocked placements dirty.</summary>
    public async Task UpsertUnitAsync(Guid id, string creditCode, string name, string region, string federation, int version, CancellationToken ct) =>
        await db.ExecuteScalarAsync<int?>(UpsertUnit, new { id, creditCode, name, region, federation, version, now = clock.GetUtcNow() }, ct);

    /// <summary>
    /// The upsert; its one value is the version of the related-unit list stored before it (NULL when the unit was not stored yet),
    /// so that the synchronous refresh knows in the same round trip whether the list is behind.
    /// </summary>
    private static readonly string UpsertUnit = $"""
        WITH old AS (SELECT region_code, related_version FROM certification.unit WHERE id = @id),
        up AS (
            -- Nothing is proposed when the stored row is newer or the same: an upsert that updates nothing would still lock the row
            -- (and every certification of the unit's placements would wait for the others' transactions).
            INSERT INTO certification.unit AS u (id, credit_code, name, region_code, federation_code, version, updated_at)
            SELECT @id, @creditCode, @name, @region, @federation, @version, @now
            WHERE NOT EXISTS (SELECT 1 FROM certification.unit s WHERE {Current})
            ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, name = EXCLUDED.name, region_code = EXCLUDED.region_code,
                federation_code = EXCLUDED.federation_code, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            WHERE u.version <= EXCLUDED.version
              AND (u.credit_code, u.name, u.region_code, u.federation_code, u.version)
                  IS DISTINCT FROM (EXCLUDED.credit_code, EXCLUDED.name, EXCLUDED.region_code, EXCLUDED.federation_code, EXCLUDED.version)
            RETURNING 1
        ),
        dirty AS (
            INSERT INTO certification.placement_dirty (placement_id)
            SELECT id FROM certification.placement
            WHERE unit_id = @id AND NOT locked
              AND EXISTS (SELECT 1 FROM old WHERE old.region_code IS DISTINCT FROM @region) AND EXISTS (SELECT 1 FROM up)
            ON CONFLICT DO NOTHING
        )
        SELECT related_version FROM old
        """;

    /// <summary>Replaces the unit's related units (unless what is stored is newer); any difference marks its unlocked placements dirty.</summary>
    public async Task ReplaceRelatedAsync(Guid unitId, IReadOnlyList<RelatedUnitFact> facts, int version, CancellationToken ct)
    {
        // The list of a version is the same wherever it is read: when the stored version is this one or newer there is nothing to do,
        // and the row is not locked (concurrent certifications of one unit's placements would queue behind each other).
        var seen = await db.ExecuteScalarAsync<int?>("SELECT related_version FROM certification.unit WHERE id = @unitId", new { unitId }, ct);
        if (seen is null || seen >= version) return;
        var stored = await db.ExecuteScalarAsync<int?>("SELECT related_version FROM certification.unit WHERE id = @unitId FOR UPDATE", new { unitId }, ct);
        if (stored is null || stored > version) return;
        await db.ExecuteAsync("UPDATE certification.unit SET related_version = @version WHERE id = @unitId", new { unitId, version }, ct);
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
            SELECT id FROM certification.placement WHERE unit_id = @unitId AND NOT locked
            ON CONFLICT DO NOTHING;
            """, new { unitId }, ct);
    }

    /// <summary>
    /// The synchronous refresh of many units at once (an import's units), set-wise: the units upserted unless what is stored is newer
    /// (a changed region marks their unlocked placements dirty), and the related units of every unit whose list is newer replaced
    /// (their unlocked placements marked dirty).
    /// </summary>
    public async Task RefreshAsync(IReadOnlyList<UnitFactsDto> units, CancellationToken ct)
    {
        if (units.Count == 0) return;
        var now = clock.GetUtcNow();
        await db.ExecuteAsync("""
            WITH x AS (
                SELECT * FROM unnest(@ids::uuid[], @codes::text[], @names::text[], @regions::text[], @federations::text[], @versions::int[])
                    AS x(id, credit_code, name, region_code, federation_code, version)
            ), old AS (
                SELECT u.id, u.region_code FROM certification.unit u JOIN x ON x.id = u.id
            ), up AS (
                INSERT INTO certification.unit AS u (id, credit_code, name, region_code, federation_code, version, updated_at)
                SELECT id, credit_code, name, region_code, federation_code, version, @now FROM x
                ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, name = EXCLUDED.name, region_code = EXCLUDED.region_code,
                    federation_code = EXCLUDED.federation_code, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
                WHERE u.version <= EXCLUDED.version
                  AND (u.credit_code, u.name, u.region_code, u.federation_code, u.version)
                      IS DISTINCT FROM (EXCLUDED.credit_code, EXCLUDED.name, EXCLUDED.region_code, EXCLUDED.federation_code, EXCLUDED.version)
                RETURNING u.id, u.region_code
            )
            INSERT INTO certification.placement_dirty (placement_id)
            SELECT p.id FROM certification.placement p JOIN up ON up.id = p.unit_id JOIN old ON old.id = up.id
            WHERE NOT p.locked AND old.region_code IS DISTINCT FROM up.region_code
            ON CONFLICT DO NOTHING
            """, new
        {
            ids = units.Select(u => u.UnitId).ToArray(), codes = units.Select(u => u.CreditCode).ToArray(), names = units.Select(u => u.Name).ToArray(),
            regions = units.Select(u => u.RegionCode).ToArray(), federations = units.Select(u => u.FederationCode).ToArray(),
            versions = units.Select(u => u.Version).ToArray(), now,
        }, ct);
        var related = units.SelectMany(u => u.RelatedUnits.Select(r => (u.UnitId, r))).ToList();
        await db.ExecuteAsync("""
            WITH v AS (
                SELECT x.id, x.related_version FROM unnest(@ids::uuid[], @relatedVersions::int[]) AS x(id, related_version)
                JOIN certification.unit u ON u.id = x.id WHERE u.related_version < x.related_version
            ), bumped AS (
                UPDATE certification.unit u SET related_version = v.related_version FROM v WHERE u.id = v.id RETURNING u.id
            ), gone AS (
                DELETE FROM certification.related_unit r USING bumped b WHERE r.unit_id = b.id RETURNING r.unit_id
            ), added AS (
                INSERT INTO certification.related_unit (unit_id, related_credit_code, relation_type, valid_from, valid_to)
                SELECT DISTINCT ON (n.unit_id, n.code, n.type, n.valid_from) n.unit_id, n.code, n.type, n.valid_from, n.valid_to
                FROM unnest(@relUnits::uuid[], @relCodes::text[], @relTypes::text[], @relFroms::date[], @relTos::date[]) AS n(unit_id, code, type, valid_from, valid_to)
                JOIN bumped b ON b.id = n.unit_id
                RETURNING unit_id
            )
            INSERT INTO certification.placement_dirty (placement_id)
            SELECT p.id FROM certification.placement p JOIN bumped b ON b.id = p.unit_id WHERE NOT p.locked
            ON CONFLICT DO NOTHING
            """, new
        {
            ids = units.Select(u => u.UnitId).ToArray(), relatedVersions = units.Select(u => u.RelatedVersion).ToArray(),
            relUnits = related.Select(r => r.UnitId).ToArray(), relCodes = related.Select(r => r.r.RelatedCreditCode).ToArray(),
            relTypes = related.Select(r => r.r.RelationType).ToArray(), relFroms = related.Select(r => r.r.ValidFrom).ToArray(),
            relTos = related.Select(r => r.r.ValidTo).ToArray(),
        }, ct);
    }

    /// <summary>
    /// Whether our copy of <paramref name="unit"/> is current, as a statement for the engine's round trip: one row, the version of the
    /// related-unit list held, when the stored unit is as new as <paramref name="unit"/> or newer; none when it is behind or missing.
    /// (A plain read: the upsert, even writing nothing, would fire the table's statement triggers at every certification.)
    /// </summary>
    public static NpgsqlBatchCommand CurrentCommand(UnitFactsDto unit) =>
        BatchCommands.Create($"SELECT s.related_version FROM certification.unit s WHERE {Current}", Args(unit));

    /// <summary>
    /// For a copy <see cref="CurrentCommand"/> found behind: upserts the unit (unless what is stored is newer); whether the related-unit
    /// list we hold is as new as <paramref name="unit"/>'s version of it.
    /// </summary>
    public async Task<bool> UpsertBehindAsync(UnitFactsDto unit, CancellationToken ct)
    {
        var args = new Dapper.DynamicParameters(Args(unit));
        args.Add("now", clock.GetUtcNow());
        return await db.ExecuteScalarAsync<int?>(UpsertUnit, args, ct) >= unit.RelatedVersion;
    }

    /// <summary>The parameters of <see cref="Current"/> for the unit as Units has it.</summary>
    private static object Args(UnitFactsDto unit) => new
    {
        id = unit.UnitId, creditCode = unit.CreditCode, name = unit.Name, region = unit.RegionCode, federation = unit.FederationCode, version = unit.Version,
    };

    /// <summary>The stored row <c>s</c> is newer than, or the same as, the one proposed.</summary>
    private const string Current = """
        s.id = @id AND (s.version > @version
            OR (s.credit_code, s.name, s.region_code, s.federation_code, s.version) IS NOT DISTINCT FROM (@creditCode, @name, @region, @federation, @version))
        """;
}

internal sealed class UnitProfileChangedHandler(UnitProjection units) : IIntegrationEventHandler<UnitProfileChanged>
{
    public Task HandleAsync(UnitProfileChanged e, CancellationToken ct) =>
        units.UpsertUnitAsync(e.UnitId, e.CreditCode, e.Name, e.RegionCode, e.FederationCode, e.Version, ct);
}

/// <summary>A unit's related units changed. A list for a unit the projection does not know yet waits for the unit (retried).</summary>
internal sealed class RelatedUnitsChangedHandler(IDbSession db, UnitProjection units) : IIntegrationEventHandler<RelatedUnitsChanged>
{
    public async Task HandleAsync(RelatedUnitsChanged e, CancellationToken ct)
    {
        if (!await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM certification.unit WHERE id = @UnitId)", e, ct))
            throw new InvalidOperationException($"Unit {e.UnitId} is not in the projection yet; its related units are retried after its profile.");
        await units.ReplaceRelatedAsync(e.UnitId, e.RelatedUnits, e.Version, ct);
    }
}
