using Declaration.BuildingBlocks.Data;
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
