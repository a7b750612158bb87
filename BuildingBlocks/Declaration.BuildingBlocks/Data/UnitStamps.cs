namespace Declaration.BuildingBlocks.Data;

/// <summary>
/// The stamp of one unit's data and the stamp of what every unit's pages show (<c>platform.unit_stamp</c>, migration 0004): each
/// module's statements move them in the changing transaction, so equal stamps mean that nothing a unit's page reads has changed
/// since — on any host.
/// </summary>
public readonly record struct UnitStamp(long Unit, long Everyone);

public interface IUnitStamps
{
    /// <summary>The unit's stamps, read in one statement (a unit without a row gets one, with a stamp never used before).</summary>
    Task<UnitStamp> ReadAsync(Guid unitId, CancellationToken ct);
}

internal sealed class UnitStamps(IDbSession db) : IUnitStamps
{
    private const string Read = """
        SELECT (SELECT stamp FROM platform.unit_stamp WHERE unit_id = @unitId) AS Unit,
               (SELECT stamp FROM platform.unit_stamp WHERE unit_id = '00000000-0000-0000-0000-000000000000') AS Everyone
        """;

    public async Task<UnitStamp> ReadAsync(Guid unitId, CancellationToken ct)
    {
        var row = await db.QuerySingleAsync<(long? Unit, long? Everyone)>(Read, new { unitId }, ct);
        if (row.Unit is null || row.Everyone is null)
        {
            // First read of a unit that no statement has stamped yet (or after the table was emptied): a new stamp, once.
            await db.ExecuteAsync("""
                INSERT INTO platform.unit_stamp (unit_id, stamp)
                SELECT u, nextval('platform.unit_stamp_seq') FROM unnest(ARRAY[@unitId, '00000000-0000-0000-0000-000000000000'::uuid]) AS u
                ON CONFLICT (unit_id) DO NOTHING
                """, new { unitId }, ct);
            row = await db.QuerySingleAsync<(long? Unit, long? Everyone)>(Read, new { unitId }, ct);
        }
        return new UnitStamp(row.Unit!.Value, row.Everyone!.Value);
    }
}
