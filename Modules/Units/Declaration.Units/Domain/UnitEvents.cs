using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Units.Contracts;

namespace Declaration.Units.Domain;

/// <summary>
/// Writes the module's integration events (full state) into its outbox, in the caller's transaction; the API keys this host remembers
/// with the changed unit are forgotten when it commits.
/// </summary>
internal sealed class UnitEvents(IDbSession db, IOutbox outbox, AccountSessions sessions)
{
    /// <summary>
    /// The unit changed in this transaction: once it commits, the keys remembered with it are read again (a read before then sees the
    /// unit as it was; see <see cref="AccountSessions"/>).
    /// </summary>
    public void Forget(Guid unitId) => db.AfterCommit(() => sessions.ForgetUnit(unitId));

    public async Task ProfileChangedAsync(Guid unitId, CancellationToken ct)
    {
        Forget(unitId);
        var u = await db.QuerySingleAsync<UnitDto>($"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = @unitId", new { unitId }, ct);
        await outbox.AddAsync(new UnitProfileChanged(u.Id, u.CreditCode, u.Name, u.UnitType, u.RegionCode, u.FederationCode, u.TaxAuthorityCode,
            u.ContactName, u.ContactMobile, u.Version), ct);
    }

    public async Task RelatedUnitsChangedAsync(Guid unitId, CancellationToken ct)
    {
        Forget(unitId);
        // The unit row's lock serialises concurrent changes of its list, so each event carries the whole list as of its version.
        var (creditCode, version) = await db.QuerySingleAsync<(string, int)>(
            "UPDATE units.unit SET related_version = related_version + 1 WHERE id = @unitId RETURNING credit_code, related_version", new { unitId }, ct);
        var facts = await db.QueryAsync<RelatedUnitFact>("""
            SELECT related_credit_code AS RelatedCreditCode, relation_type AS RelationType, valid_from AS ValidFrom, valid_to AS ValidTo
            FROM units.related_unit WHERE unit_id = @unitId ORDER BY valid_from, related_credit_code
            """, new { unitId }, ct);
        await outbox.AddAsync(new RelatedUnitsChanged(unitId, creditCode, facts, version), ct);
    }
}
