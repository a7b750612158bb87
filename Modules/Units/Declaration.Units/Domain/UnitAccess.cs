using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;

namespace Declaration.Units.Domain;

/// <summary>
/// Who may see a unit, as an allow-list (anyone else — an anonymous or unset caller too — is refused): its own employer account; a
/// reviewer whose jurisdiction covers its federation; admins; the system.
/// </summary>
internal sealed class UnitAccess(IDbSession db, ICurrentUser user)
{
    public async Task<UnitDto> LoadAsync(Guid unitId, CancellationToken ct, bool forUpdate = false)
    {
        var own = user.Role == Role.Employer && user.UnitId is { } mine && mine == unitId;
        if (!own && user.Role is not (Role.Reviewer or Role.Admin or Role.System)) throw new NotFoundException("未找到该单位");
        var unit = await db.QuerySingleOrDefaultAsync<UnitDto>(
            $"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = @unitId{(forUpdate ? " FOR UPDATE" : string.Empty)}", new { unitId }, ct)
            ?? throw new NotFoundException("未找到该单位");
        if (user.Role == Role.Reviewer && !user.Covers(unit.FederationCode)) throw new ForbiddenException("该单位不在您的管辖范围内");
        return unit;
    }

    /// <summary>Edits by a unit are its own clerk's, or staff's (reviewers in jurisdiction and admins).</summary>
    public async Task<UnitDto> LoadForEditAsync(Guid unitId, CancellationToken ct) => await LoadAsync(unitId, ct, forUpdate: true);
}
