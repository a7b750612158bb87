using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Messaging;
using Mediator;

namespace Declaration.Units.Contracts;

public static class UnitTypes
{
    public const string Enterprise = "enterprise";
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        ["enterprise"] = "企业", ["government"] = "机关", ["institution"] = "事业单位",
        ["social_organization"] = "社会团体", ["private_non_enterprise"] = "民办非企业单位",
    };
}

public static class RelationTypes
{
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        ["labor_dispatch"] = "劳务派遣", ["parent_subsidiary"] = "上下级公司", ["payroll_agent"] = "第三方代发代缴",
    };
}

/// <summary>A unit's profile; <paramref name="RelatedVersion"/> is the version of its related-unit list (see <see cref="UnitFactsDto"/>).</summary>
public sealed record UnitDto(
    Guid Id, string CreditCode, string Name, string UnitType, string RegionCode, string FederationCode, string TaxAuthorityCode,
    string LegalRepresentative, string LegalPhone, string ContactName, string ContactMobile, string? Address,
    bool ProfileConfirmed, int Version, DateTimeOffset UpdatedAt, int RelatedVersion);

public sealed record UnitSummaryDto(Guid Id, string CreditCode, string Name, string UnitType, string RegionCode, string FederationCode, string ContactName);

public sealed record RelatedUnitDto(
    Guid Id, Guid UnitId, string RelatedCreditCode, string RelatedName, string RelationType, DateOnly ValidFrom, DateOnly? ValidTo,
    string? RegionCode, string? Address, string? Phone, bool HasHistory, int Version, IReadOnlyList<EvidenceFileDto> Evidence);

public sealed record EvidenceFileDto(Guid Id, string FileName, string ContentType, long SizeBytes, DateTimeOffset UploadedAt);

/// <summary>The unit's profile (access-checked: an employer sees only its own unit, a reviewer only its jurisdiction).</summary>
public sealed record GetUnit(Guid UnitId) : IQuery<UnitDto>;

/// <summary>Checks that the caller may see the unit; throws NotFound/Forbidden otherwise. Other modules call this first.</summary>
public sealed record CheckUnitAccess(Guid UnitId) : IQuery<UnitDto>;

/// <summary>For staff, jobs and imports: the unit with this credit code, or null.</summary>
public sealed record GetUnitByCreditCode(string CreditCode) : IQuery<UnitDto?>;

/// <summary>Related units whose validity shares at least one day with [From, To].</summary>
public sealed record GetRelatedUnits(Guid UnitId, DateOnly From, DateOnly To) : IQuery<IReadOnlyList<RelatedUnitDto>>;

/// <summary>Units whose supervising federation is in the caller's jurisdiction, searchable by name or credit code.</summary>
public sealed record GetUnitsInJurisdiction(string? Search, int Page = 1, int PageSize = 20) : IQuery<PagedResult<UnitSummaryDto>>;

/// <summary>Many units at once by id, without an access check (for batch jobs running as the system).</summary>
public sealed record GetUnitsByIds(IReadOnlyList<Guid> UnitIds) : IQuery<IReadOnlyList<UnitDto>>;

/// <summary>Many units at once by credit code (an import file's units), filtered by access as <see cref="GetUnitsByIds"/>; unknown codes are left out.</summary>
public sealed record GetUnitsByCreditCodes(IReadOnlyList<string> CreditCodes) : IQuery<IReadOnlyList<UnitDto>>;

/// <summary>
/// The unit's own details. Region, supervising federation and tax authority are registry facts and are not part of it: they change by
/// the registry import or an approved <see cref="RequestRegistryChange"/>.
/// </summary>
public sealed record UpdateUnitProfile(
    Guid UnitId, int Version, string Name, string UnitType, string LegalRepresentative, string LegalPhone, string ContactName, string ContactMobile,
    string? Address) : ICommand<ProfileSaved>;

/// <summary>The saved version, and a warning the clerk should read (e.g. a credit-code checksum mismatch).</summary>
public sealed record ProfileSaved(int Version, string? Warning);

/// <summary>The unit confirmed the first-use reminder (federation, tax authority, region checked).</summary>
public sealed record ConfirmUnitProfile(Guid UnitId) : ICommand<bool>;

public sealed record AddRelatedUnit(
    Guid UnitId, string RelatedCreditCode, string RelatedName, string RelationType, DateOnly ValidFrom, DateOnly? ValidTo,
    string? RegionCode, string? Address, string? Phone) : ICommand<Guid>;

public sealed record EditRelatedUnit(
    Guid UnitId, Guid RelatedUnitId, int Version, string RelatedCreditCode, string RelatedName, string RelationType,
    DateOnly ValidFrom, DateOnly? ValidTo, string? RegionCode, string? Address, string? Phone) : ICommand<int>;

public sealed record DeleteRelatedUnit(Guid UnitId, Guid RelatedUnitId, int Version) : ICommand<bool>;

public sealed record AddRelatedUnitEvidence(Guid UnitId, Guid RelatedUnitId, Stream Content, string FileName) : ICommand<Guid>;

public sealed record DeleteRelatedUnitEvidence(Guid UnitId, Guid RelatedUnitId, Guid FileId) : ICommand<bool>;

public sealed record GetRelatedUnitEvidence(Guid UnitId, Guid RelatedUnitId, Guid FileId) : IQuery<FileDownload>;

public sealed record UnitHistoryEntry(DateTimeOffset At, string EntityType, string Action, string ActorName, string ActorRole, string? Before, string? After);

/// <summary>The unit's change history (every audited change of its profile and related units).</summary>
public sealed record GetUnitHistory(Guid UnitId, int Limit = 100) : IQuery<IReadOnlyList<UnitHistoryEntry>>;

/// <summary><c>import units</c>: the unit registry (FORMATS.md).</summary>
public sealed record ImportUnits(Stream Content) : ICommand<ImportResult>;

/// <summary><c>import related-units</c> (FORMATS.md).</summary>
public sealed record ImportRelatedUnits(Stream Content) : ICommand<ImportResult>;

/// <summary>Full state of a unit's profile after a change.</summary>
public sealed record UnitProfileChanged(
    Guid UnitId, string CreditCode, string Name, string UnitType, string RegionCode, string FederationCode, string TaxAuthorityCode,
    string ContactName, string ContactMobile, int Version) : IntegrationEvent;

public sealed record RelatedUnitFact(string RelatedCreditCode, string RelationType, DateOnly ValidFrom, DateOnly? ValidTo);

/// <summary>The unit's whole list of related units after a change.</summary>
public sealed record RelatedUnitsChanged(Guid UnitId, string CreditCode, IReadOnlyList<RelatedUnitFact> RelatedUnits, int Version) : IntegrationEvent;

/// <summary>
/// What other modules project of a unit, with the versions that order the events carrying it (<see cref="UnitProfileChanged"/>'s
/// <c>Version</c>, <see cref="RelatedUnitsChanged"/>'s <c>Version</c> = <paramref name="RelatedVersion"/>): for a synchronous refresh
/// that must not be overwritten by an older event still on its way. Access as <see cref="CheckUnitAccess"/>.
/// </summary>
public sealed record UnitFactsDto(Guid UnitId, string CreditCode, string Name, string RegionCode, string FederationCode, int Version,
    IReadOnlyList<RelatedUnitFact> RelatedUnits, int RelatedVersion);

/// <summary>
/// The facts of a unit. Without <paramref name="WithRelatedUnits"/> the list is left empty (its version is still given): for a caller
/// that first checks whether the list it holds is current, and asks again for it only when not — no read when the unit was already
/// read in the request.
/// </summary>
public sealed record GetUnitFacts(Guid UnitId, bool WithRelatedUnits = true) : IQuery<UnitFactsDto>;

/// <summary>The facts of many units at once (an import's units), in two queries; staff and the system only; unknown ids are left out.</summary>
public sealed record GetUnitFactsMany(IReadOnlyList<Guid> UnitIds) : IQuery<IReadOnlyList<UnitFactsDto>>;

/// <summary>The unit's workforce of a business year (for the levy estimate on the home page).</summary>
public sealed record UnitWorkforceDto(Guid UnitId, int BusinessYear, decimal Headcount, decimal AverageAnnualWage, DateTimeOffset UpdatedAt);

/// <summary>Records the unit's 在职职工人数 (may be fractional) and 在职职工年平均工资 for a business year (access-checked, audited).</summary>
public sealed record SaveUnitWorkforce(Guid UnitId, int BusinessYear, decimal Headcount, decimal AverageAnnualWage) : ICommand<bool>;

/// <summary>The unit's workforce of a business year, or null when not entered (access-checked).</summary>
public sealed record GetUnitWorkforce(Guid UnitId, int BusinessYear) : IQuery<UnitWorkforceDto?>;
