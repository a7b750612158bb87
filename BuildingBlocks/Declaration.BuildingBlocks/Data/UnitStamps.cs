namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// The stamps of what a unit's page shows (<c>platform.unit_change</c>, migration 0004): the unit's data, what every unit's pages
/// show, and — for a page that shows the reader's own marks (the home page's unread notices) — the reader's. Each module's statements
/// make them grow in the changing transaction, so equal stamps mean that nothing the page reads has changed since — on any host.
/// </summary>
public readonly record struct UnitStamp(decimal Unit, decimal Everyone, decimal Reader);

public interface IUnitStamps
{
    /// <summary>
    /// The stamps of a unit (and of a reader's account, when given), read in one statement (a unit or reader not stamped yet gets its
    /// first row, once).
    /// </summary>
    Task<UnitStamp> ReadAsync(Guid unitId, Guid? readerId, CancellationToken ct);

    /// <summary>Replaces the rows of each unit or reader by one row of the same sum (the hourly job); returns the rows removed.</summary>
    Task<long> CompactAsync(CancellationToken ct);
}

internal sealed class UnitStamps(IDbSession db) : IUnitStamps
{
    private const string Read = """
        SELECT (SELECT sum(n) FROM platform.unit_change WHERE unit_id = @unitId) AS Unit,
               (SELECT sum(n) FROM platform.unit_change WHERE unit_id = '00000000-0000-0000-0000-000000000000') AS Everyone,
               (SELECT sum(n) FROM platform.unit_change WHERE unit_id = @reader) AS Reader
        """;

    public async Task<UnitStamp> ReadAsync(Guid unitId, Guid? readerId, CancellationToken ct)
    {
        // Without a reader, the nil id's row stands in (the reader's stamp is then everyone's, which the page checks anyway).
        var args = new { unitId, reader = readerId ?? Guid.Empty };
        var row = await db.QuerySingleAsync<(decimal? Unit, decimal? Everyone, decimal? Reader)>(Read, args, ct);
        if (row.Unit is null || row.Everyone is null || row.Reader is null)
        {
            // First view of a unit (or by a reader) that no statement has stamped yet: a first row, so that a TRUNCATE (which stamps every
            // id with a row) reaches the pages cached from now on. Two hosts doing this at once add two rows: one needless reload.
            await db.ExecuteAsync("""
                SELECT platform.touch_units(ARRAY(
                    SELECT u FROM unnest(ARRAY[@unitId, @reader, '00000000-0000-0000-0000-000000000000'::uuid]) AS u
                    WHERE NOT EXISTS (SELECT 1 FROM platform.unit_change c WHERE c.unit_id = u)))
                """, args, ct);
            row = await db.QuerySingleAsync<(decimal? Unit, decimal? Everyone, decimal? Reader)>(Read, args, ct);
        }
        return new UnitStamp(row.Unit!.Value, row.Everyone!.Value, row.Reader!.Value);
    }

    public async Task<long> CompactAsync(CancellationToken ct) =>
        await db.ExecuteScalarAsync<long>("SELECT platform.compact_unit_changes()", null, ct);
}
