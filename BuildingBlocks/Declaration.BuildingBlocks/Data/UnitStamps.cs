namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// The stamp of one unit's data and the stamp of what every unit's pages show (<c>platform.unit_change</c>, migration 0004): each
/// module's statements make them grow in the changing transaction, so equal stamps mean that nothing a unit's page reads has changed
/// since — on any host.
/// </summary>
public readonly record struct UnitStamp(decimal Unit, decimal Everyone);

public interface IUnitStamps
{
    /// <summary>The unit's stamps, read in one statement (a unit not stamped yet gets its first row, once).</summary>
    Task<UnitStamp> ReadAsync(Guid unitId, CancellationToken ct);

    /// <summary>Replaces each unit's rows by one row of the same sum (the hourly job); returns the rows removed.</summary>
    Task<long> CompactAsync(CancellationToken ct);
}

internal sealed class UnitStamps(IDbSession db) : IUnitStamps
{
    private const string Read = """
        SELECT (SELECT sum(n) FROM platform.unit_change WHERE unit_id = @unitId) AS Unit,
               (SELECT sum(n) FROM platform.unit_change WHERE unit_id = '00000000-0000-0000-0000-000000000000') AS Everyone
        """;

    public async Task<UnitStamp> ReadAsync(Guid unitId, CancellationToken ct)
    {
        var row = await db.QuerySingleAsync<(decimal? Unit, decimal? Everyone)>(Read, new { unitId }, ct);
        if (row.Unit is null || row.Everyone is null)
        {
            // First view of a unit no statement has stamped yet: a first row, so that a TRUNCATE (which stamps every unit with a row)
            // reaches the pages cached from now on. Two hosts doing this at once add two rows: one needless reload, nothing worse.
            await db.ExecuteAsync("""
                SELECT platform.touch_units(ARRAY(
                    SELECT u FROM unnest(ARRAY[@unitId, '00000000-0000-0000-0000-000000000000'::uuid]) AS u
                    WHERE NOT EXISTS (SELECT 1 FROM platform.unit_change c WHERE c.unit_id = u)))
                """, new { unitId }, ct);
            row = await db.QuerySingleAsync<(decimal? Unit, decimal? Everyone)>(Read, new { unitId }, ct);
        }
        return new UnitStamp(row.Unit!.Value, row.Everyone!.Value);
    }

    public async Task<long> CompactAsync(CancellationToken ct) =>
        await db.ExecuteScalarAsync<long>("SELECT platform.compact_unit_changes()", null, ct);
}
