using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Mediator;

namespace Declaration.Units.Features.Facts;

/// <summary>A unit's projected facts and related units with their event versions (access as CheckUnitAccess).</summary>
internal sealed class GetUnitFactsHandler(IDbSession db, UnitAccess access) : IQueryHandler<GetUnitFacts, UnitFactsDto>
{
    public async ValueTask<UnitFactsDto> Handle(GetUnitFacts query, CancellationToken ct)
    {
        var unit = await access.LoadAsync(query.UnitId, ct);
        if (!query.WithRelatedUnits)
            return new UnitFactsDto(unit.Id, unit.CreditCode, unit.Name, unit.RegionCode, unit.FederationCode, unit.Version, [], unit.RelatedVersion);
        // The related units and the version of their list in one statement (one row with NULLs when there are none).
        var rows = await db.QueryAsync<(int RelatedVersion, string? RelatedCreditCode, string? RelationType, DateOnly? ValidFrom, DateOnly? ValidTo)>("""
            SELECT u.related_version, r.related_credit_code, r.relation_type, r.valid_from, r.valid_to
            FROM units.unit u LEFT JOIN units.related_unit r ON r.unit_id = u.id
            WHERE u.id = @UnitId ORDER BY r.valid_from, r.related_credit_code
            """, query, ct);
        var related = rows.Where(r => r.RelatedCreditCode is not null)
            .Select(r => new RelatedUnitFact(r.RelatedCreditCode!, r.RelationType!, r.ValidFrom!.Value, r.ValidTo)).ToList();
        return new UnitFactsDto(unit.Id, unit.CreditCode, unit.Name, unit.RegionCode, unit.FederationCode, unit.Version, related,
            rows.Count > 0 ? rows[0].RelatedVersion : 0);
    }
}

internal sealed class GetUnitFactsManyHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetUnitFactsMany, IReadOnlyList<UnitFactsDto>>
{
    public async ValueTask<IReadOnlyList<UnitFactsDto>> Handle(GetUnitFactsMany query, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员或系统可以批量读取单位信息");
        var ids = query.UnitIds.Distinct().ToArray();
        var units = await db.QueryAsync<(Guid Id, string CreditCode, string Name, string RegionCode, string FederationCode, int Version, int RelatedVersion)>("""
            SELECT id, credit_code, name, region_code, federation_code, version, related_version FROM units.unit WHERE id = ANY(@ids)
            """, new { ids }, ct);
        var related = (await db.QueryAsync<(Guid UnitId, string RelatedCreditCode, string RelationType, DateOnly ValidFrom, DateOnly? ValidTo)>("""
            SELECT unit_id, related_credit_code, relation_type, valid_from, valid_to FROM units.related_unit WHERE unit_id = ANY(@ids)
            ORDER BY unit_id, valid_from, related_credit_code
            """, new { ids }, ct)).ToLookup(r => r.UnitId);
        return units.Select(u => new UnitFactsDto(u.Id, u.CreditCode, u.Name, u.RegionCode, u.FederationCode, u.Version,
            related[u.Id].Select(r => new RelatedUnitFact(r.RelatedCreditCode, r.RelationType, r.ValidFrom, r.ValidTo)).ToList(), u.RelatedVersion)).ToList();
    }
}
