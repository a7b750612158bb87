using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;

namespace Declaration.Units.Domain;

/// <summary>
/// Who may see a unit, as an allow-list (anyone else — an anonymous or unset caller too — is refused): its own employer account; a
/// reviewer whose jurisdiction covers its federation; admins; the system.
/// One request asks many times (the home page composes five modules, each checking the unit): the unit's row is read once per
/// scope and kept for the reads that follow, while the decision itself is made again on every call for the caller of that moment.
/// Inside a transaction (a command, which may change the unit) the row is always read afresh and what was kept is dropped.
/// </summary>
internal sealed class UnitAccess(IDbSession db, ICurrentUser user)
{
    private readonly Dictionary<Guid, UnitDto> _read = [];

    public async Task<UnitDto> LoadAsync(Guid unitId, CancellationToken ct, bool forUpdate = false)
    {
        var own = user.Role == Role.Employer && user.UnitId is { } mine && mine == unitId;
        if (!own && user.Role is not (Role.Reviewer or Role.Admin or Role.System)) throw new NotFoundException("未找到该单位");
        var unit = await ReadAsync(unitId, forUpdate, ct) ?? throw new NotFoundException("未找到该单位");
        if (user.Role == Role.Reviewer && !user.Covers(unit.FederationCode)) throw new ForbiddenException("该单位不在您的管辖范围内");
        return unit;
    }

    private async Task<UnitDto?> ReadAsync(Guid unitId, bool forUpdate, CancellationToken ct)
    {
        var reuse = !forUpdate && db.Transaction is null;
        if (!reuse) _read.Clear();
        else if (_read.TryGetValue(unitId, out var kept)) return kept;
        var unit = await db.QuerySingleOrDefaultAsync<UnitDto>(
            $"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = @unitId{(forUpdate ? " FOR UPDATE" : string.Empty)}", new { unitId }, ct);
        if (reuse && unit is not null) _read[unitId] = unit;
        return unit;
    }

    /// <summary>Edits by a unit are its own clerk's, or staff's (reviewers in jurisdiction and admins).</summary>
    public async Task<UnitDto> LoadForEditAsync(Guid unitId, CancellationToken ct) => await LoadAsync(unitId, ct, forUpdate: true);
}
