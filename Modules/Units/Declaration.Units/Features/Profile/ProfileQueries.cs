using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Mediator;

namespace Declaration.Units.Features.Profile;

internal sealed class GetUnitHandler(UnitAccess access) : IQueryHandler<GetUnit, UnitDto>, IQueryHandler<CheckUnitAccess, UnitDto>
{
    public async ValueTask<UnitDto> Handle(GetUnit query, CancellationToken ct) => await access.LoadAsync(query.UnitId, ct);
    public async ValueTask<UnitDto> Handle(CheckUnitAccess query, CancellationToken ct) => await access.LoadAsync(query.UnitId, ct);
}

internal sealed class GetUnitByCreditCodeHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetUnitByCreditCode, UnitDto?>
{
    public async ValueTask<UnitDto?> Handle(GetUnitByCreditCode query, CancellationToken ct)
    {
        var unit = await db.QuerySingleOrDefaultAsync<UnitDto>($"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE credit_code = @code",
            new { code = query.CreditCode.Trim().ToUpperInvariant() }, ct);
        if (unit is null) return null;
        if (user.Role == Role.Employer && user.UnitId != unit.Id) return null;
        if (user.Role == Role.Reviewer && !user.Covers(unit.FederationCode)) return null;
        return unit;
    }
}

internal sealed class GetUnitsByIdsHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetUnitsByIds, IReadOnlyList<UnitDto>>
{
    public async ValueTask<IReadOnlyList<UnitDto>> Handle(GetUnitsByIds query, CancellationToken ct)
    {
        var units = await db.QueryAsync<UnitDto>($"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = ANY(@ids)", new { ids = query.UnitIds.ToArray() }, ct);
        return units.Where(u => user.Role switch
        {
            Role.Employer => user.UnitId == u.Id,
            Role.Reviewer => user.Covers(u.FederationCode),
            Role.Admin or Role.System => true,
            _ => false,
        }).ToList();
    }
}

internal sealed class GetUnitsByCreditCodesHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetUnitsByCreditCodes, IReadOnlyList<UnitDto>>
{
    public async ValueTask<IReadOnlyList<UnitDto>> Handle(GetUnitsByCreditCodes query, CancellationToken ct)
    {
        var units = await db.QueryAsync<UnitDto>($"SELECT {UnitSql.UnitColumns} FROM units.unit WHERE credit_code = ANY(@codes)",
            new { codes = query.CreditCodes.ToArray() }, ct);
        return units.Where(u => user.Role switch
        {
            Role.Employer => user.UnitId == u.Id,
            Role.Reviewer => user.Covers(u.FederationCode),
            _ => true,
        }).ToList();
    }
}

internal sealed class GetUnitsInJurisdictionHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetUnitsInJurisdiction, PagedResult<UnitSummaryDto>>
{
    public async ValueTask<PagedResult<UnitSummaryDto>> Handle(GetUnitsInJurisdiction query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可查询辖区单位");
        var prefix = user.Role == Role.Reviewer ? user.Jurisdiction ?? "\u0000" : string.Empty;
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        var search = string.IsNullOrWhiteSpace(query.Search) ? null : "%" + query.Search.Trim().Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        const string where = "WHERE federation_code LIKE @prefix || '%' AND (@search::text IS NULL OR name LIKE @search OR credit_code LIKE upper(@search))";
        var total = await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM units.unit {where}", new { prefix, search }, ct);
        var items = await db.QueryAsync<UnitSummaryDto>($"""
            SELECT id, credit_code AS CreditCode, name, unit_type AS UnitType, region_code AS RegionCode, federation_code AS FederationCode, contact_name AS ContactName
            FROM units.unit {where} ORDER BY credit_code LIMIT @size OFFSET @offset
            """, new { prefix, search, size, offset = (page - 1) * size }, ct);
        return new PagedResult<UnitSummaryDto>(items, page, size, total);
    }
}

internal sealed class GetUnitHistoryHandler(UnitAccess access, IAuditLog audit) : IQueryHandler<GetUnitHistory, IReadOnlyList<UnitHistoryEntry>>
{
    public async ValueTask<IReadOnlyList<UnitHistoryEntry>> Handle(GetUnitHistory query, CancellationToken ct)
    {
        await access.LoadAsync(query.UnitId, ct);
        var entries = await audit.ForUnitAsync(query.UnitId, Math.Clamp(query.Limit, 1, 500), ct);
        return entries.Select(e => new UnitHistoryEntry(e.At, e.EntityType, e.Action, e.ActorName, e.ActorRole, e.Before, e.After)).ToList();
    }
}
