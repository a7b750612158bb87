using Declaration.Units.Contracts;

namespace Declaration.Units.Domain;

/// <summary>The SQL projections of the module's tables.</summary>
internal static class UnitSql
{
    public const string UnitColumns = """
        id, credit_code AS CreditCode, name, unit_type AS UnitType, region_code AS RegionCode, federation_code AS FederationCode,
        tax_authority_code AS TaxAuthorityCode, legal_representative AS LegalRepresentative, legal_phone AS LegalPhone,
        contact_name AS ContactName, contact_mobile AS ContactMobile, address, profile_confirmed_at IS NOT NULL AS ProfileConfirmed,
        version, updated_at AS UpdatedAt, related_version AS RelatedVersion
        """;

    public const string RelatedColumns = """
        r.id, r.unit_id AS UnitId, r.related_credit_code AS RelatedCreditCode, r.related_name AS RelatedName, r.relation_type AS RelationType,
        r.valid_from AS ValidFrom, r.valid_to AS ValidTo, r.region_code AS RegionCode, r.address, r.phone, r.version
        """;
}

internal sealed record RelatedUnitRow(
    Guid Id, Guid UnitId, string RelatedCreditCode, string RelatedName, string RelationType, DateOnly ValidFrom, DateOnly? ValidTo,
    string? RegionCode, string? Address, string? Phone, int Version)
{
    /// <summary>
    /// A related unit "has history" once it has been in force on a day before today: linkage data may already have
    /// counted through it, so its identity (credit code, region) is frozen and its evidence can only grow.
    /// </summary>
    public bool HasHistory(DateOnly today) => ValidFrom < today;

    public RelatedUnitDto ToDto(DateOnly today, IReadOnlyList<EvidenceFileDto> evidence) =>
        new(Id, UnitId, RelatedCreditCode, RelatedName, RelationType, ValidFrom, ValidTo, RegionCode, Address, Phone, HasHistory(today), Version, evidence);
}
