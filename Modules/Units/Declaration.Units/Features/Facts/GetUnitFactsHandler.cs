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
        var relatedVersion = await db.ExecuteScalarAsync<int>("SELECT related_version FROM units.unit WHERE id = @UnitId", query, ct);
        var related = await db.QueryAsync<RelatedUnitFact>("""
            SELECT related_credit_code AS RelatedCreditCode, relation_type AS RelationType, valid_from AS ValidFrom, valid_to AS ValidTo
            FROM units.related_unit WHERE unit_id = @UnitId ORDER BY valid_from, related_credit_code
            """, query, ct);
        return new UnitFactsDto(unit.Id, unit.CreditCode, unit.Name, unit.RegionCode, unit.FederationCode, unit.Version, related, relatedVersion);
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
