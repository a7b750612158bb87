using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Messaging;
using Mediator;

namespace Declaration.Certification.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class CertificationContractsMarker;

/// <summary>Reason and flag codes of RULES.md §3–4 (stable: they appear in exports).</summary>
public static class ReasonCodes
{
    public const string CertNone = "CERT_NONE";
    public const string CertInvalid = "CERT_INVALID";
    public const string AgeUnder16 = "AGE_UNDER_16";
    public const string AgeRetired = "AGE_RETIRED";
    public const string NotEmployed = "NOT_EMPLOYED";
    public const string ContractTooShort = "CONTRACT_TOO_SHORT";
    public const string SiNotPaid = "SI_NOT_PAID";
    public const string WageBelowMinimum = "WAGE_BELOW_MINIMUM";
    public const string DuplicateDeclaration = "DUPLICATE_DECLARATION";
    public const string FlagViaRelatedUnit = "VIA_RELATED_UNIT";

    /// <summary>Plain Chinese for the clerk.</summary>
    public static readonly IReadOnlyDictionary<string, string> Labels = new Dictionary<string, string>
    {
        [CertNone] = "未查询到残疾人证信息",
        [CertInvalid] = "残疾人证在该月不在有效期内",
        [AgeUnder16] = "该月未满16周岁",
        [AgeRetired] = "该月已达到法定退休年龄",
        [NotEmployed] = "该月不在申报的就业期间内",
        [ContractTooShort] = "劳动合同（服务协议）期限不满1年",
        [SiNotPaid] = "该月未查询到本单位（或关联单位）缴纳的养老保险",
        [WageBelowMinimum] = "该月工资低于当地最低工资标准",
        [DuplicateDeclaration] = "该月已被其他单位申报（一人只能被一个单位计算）",
        [FlagViaRelatedUnit] = "该月社保由关联单位缴纳，需人工审核",
    };
}

/// <summary>
/// What the engine needs of a placement (RULES.md §2–3), handed over by Placement, which validated it: the IdNumber (plaintext in
/// memory only: the engine keeps its blind index and the months it derives from it), the dates, the contract and the wage.
/// </summary>
public sealed record PlacementFacts(
    Guid PlacementId, Guid UnitId, int BusinessYear, string IdNumber, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
    string ContractType, DateOnly ContractStart, DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50);

/// <summary>
/// The automatic result of one month (RULES.md §3–4). <paramref name="CoverWeight"/>: 2 when a severe certificate covers the
/// month, 1 a plain one, 0 none (what a reviewer's grant of the month weighs, RULES.md §5).
/// </summary>
public sealed record MonthResultDto(int Month, bool Qualifies, int Weight, int CoverWeight, IReadOnlyList<string> Reasons, IReadOnlyList<string> Flags);

/// <summary>
/// The automatic 12-month result of a placement. <paramref name="Version"/> grows each time the stored result changes, so a
/// projection of it never applies an older result over a newer one.
/// </summary>
public sealed record CertificationResultDto(Guid PlacementId, Guid UnitId, int BusinessYear, IReadOnlyList<MonthResultDto> Months,
    DateTimeOffset CertifiedAt, long Version)
{
    public int QualifyingMonths => Months.Count(m => m.Qualifies);
    public int PersonMonths => Months.Sum(m => m.Weight);
    public bool HasFlags => Months.Any(m => m.Flags.Count > 0);
    public bool AllQualifyWithoutFlags => Months.All(m => m.Qualifies) && !HasFlags;
}

/// <summary>
/// Step 3 of the manual: stores what the engine needs of the placement (blind index, dates, wage, unit, year — no name, no
/// IdNumber ciphertext, no workflow state) and certifies its 12 months at once, by the same set-based code path as the nightly
/// batch restricted to this placement and the other placements of the same person. Sent by Placement inside its own
/// transaction. Throws a BusinessRuleException when no minimum wage is configured for the unit's region (a configuration
/// error, never a silent pass or fail). A stored result that was locked (confirmed) is unlocked: the facts changed.
/// <paramref name="NewPlacement"/>: the placement was never certified (a declaration's new key): its facts are inserted, not merged.
/// </summary>
public sealed record CertifyPlacement(PlacementFacts Facts, bool NewPlacement = false) : ICommand<CertificationResultDto>;

/// <summary>The stored automatic result of a placement (access-checked through the unit).</summary>
public sealed record GetCertificationResult(Guid PlacementId) : IQuery<CertificationResultDto?>;

/// <summary>Stored automatic results of many placements (staff or system; each unit access-checked).</summary>
public sealed record GetCertificationResultsByIds(IReadOnlyList<Guid> PlacementIds) : IQuery<IReadOnlyList<CertificationResultDto>>;

/// <summary>Stored automatic results of one unit-year (for lists and dashboards).</summary>
public sealed record GetCertificationResults(Guid UnitId, int BusinessYear) : IQuery<IReadOnlyList<CertificationResultDto>>;

/// <summary>A reviewer's decision on one month, as the owner of the review (Placement) holds it: true granted, false denied.</summary>
public sealed record MonthDecisionInput(Guid PlacementId, int Month, bool Granted);

/// <summary>Per calendar month (1–12): Σ final weights, and how many months weigh 1 (plain) and 2 or more (severe).</summary>
public sealed record MonthTotalDto(int Month, int PersonMonths, int PlainMonths, int SevereMonths);

/// <summary>
/// The stored results of the placements summed per month in the database, each month's weight overridden by the caller's decisions
/// (RULES.md §5: granted = its certificate cover, at least 1; denied = 0); empty when none has a result. Access as
/// <see cref="GetCertificationResultsByIds"/>.
/// </summary>
public sealed record GetMonthTotals(IReadOnlyList<Guid> PlacementIds, IReadOnlyList<MonthDecisionInput> Decisions) : IQuery<IReadOnlyList<MonthTotalDto>>;

/// <summary>Removes a deleted placement's facts and results (sent by Placement in the deleting transaction: the one deletion path).</summary>
public sealed record ForgetPlacement(Guid PlacementId) : ICommand<bool>;

/// <summary>
/// Locks (or unlocks) the stored results of placements: a locked result is final — the engine never recomputes or announces it,
/// and linkage imports never mark it changed. Placement sends it in the transaction that confirms a placement (RULES.md §5:
/// confirmed placements keep their results). Returns the stored results as they are locked.
/// </summary>
public sealed record LockCertificationResults(IReadOnlyList<Guid> PlacementIds) : ICommand<IReadOnlyList<CertificationResultDto>>;

/// <summary>The latest veteran-certificate level in the registry of each listed veteran placement's person (for the certificate).</summary>
public sealed record GetVeteranLevels(IReadOnlyList<Guid> PlacementIds) : IQuery<IReadOnlyDictionary<Guid, int>>;

/// <summary>Runs the certification batch now (the nightly job's work) for a year, optionally one unit; returns a summary.</summary>
public sealed record RunCertificationBatch(int BusinessYear, string? UnitCreditCode, bool OnlyChanged) : ICommand<CertificationBatchSummary>;

public sealed record CertificationBatchSummary(int BusinessYear, long Placements, long QualifyingMonths, long Changed, TimeSpan Elapsed)
{
    /// <summary>Units skipped for a configuration error (no minimum wage for their region, unknown region): credit code and reason.</summary>
    public IReadOnlyList<string> SkippedUnits { get; init; } = [];
}

/// <summary>The certificate registry's view of a person for the placement form (category and level), or null.</summary>
public sealed record LookupCertificate(string IdNumber, int BusinessYear) : IQuery<CertificateInfoDto?>;

public sealed record CertificateInfoDto(string CertificateType, string CertificateNumber, int? Category, int Level, DateOnly IssuedOn, DateOnly? ValidUntil);

/// <summary>Imports of linkage data (FORMATS.md): certificates, social-insurance, wages, minimum-wages. Admin or system only.</summary>
public sealed record ImportLinkageData(string Kind, Stream Content) : ICommand<ImportResult>;

/// <summary>
/// Placements whose person's certificates all end between <paramref name="From"/> and <paramref name="To"/> (inclusive): the latest
/// end (valid_until) of the person's unrevoked certificates in the registry, matched by blind index. Of one unit (access-checked) or,
/// for the system and admins, of every unit; optionally of one business year.
/// </summary>
public sealed record GetExpiringCertificates(DateOnly From, DateOnly To, Guid? UnitId, int? BusinessYear) : IQuery<IReadOnlyList<ExpiringCertificateDto>>;

public sealed record ExpiringCertificateDto(Guid PlacementId, Guid UnitId, int BusinessYear, DateOnly ValidUntil);

// Integration events published by Certification.

/// <summary>A placement was certified at its owner's request (step 3, or a placements file); <paramref name="ResultVersion"/> orders results.</summary>
public sealed record PlacementCertified(Guid PlacementId, Guid UnitId, int BusinessYear, int QualifyingMonths, int PersonMonths, bool HasFlags, long ResultVersion)
    : IntegrationEvent;

/// <summary>
/// The stored automatic result of a placement changed without the placement's owner asking (the nightly batch after linkage data
/// changed, or another placement of the same person certified). <paramref name="ResultVersion"/> orders them per placement.
/// </summary>
public sealed record CertificationResultChanged(Guid PlacementId, Guid UnitId, int BusinessYear, int OldQualifyingMonths, int NewQualifyingMonths,
    int PersonMonths, bool HasFlags, bool AllQualifyWithoutFlags, long ResultVersion) : IntegrationEvent;

/// <summary>
/// Bulk form of <see cref="CertifyPlacement"/> (for <c>import placements</c>): stores every placement's facts and certifies them all in one
/// set-based engine run. Throws a BusinessRuleException naming the units without a minimum wage (nothing is stored then).
/// </summary>
public sealed record CertifyPlacements(IReadOnlyList<PlacementFacts> Facts) : ICommand<CertificationBatchSummary>;

/// <summary>
/// The streaming form of <see cref="CertifyPlacements"/> for files of any size, in three steps inside the caller's one transaction:
/// <see cref="StagePlacementFacts"/> as often as needed (each chunk goes to Certification's staging table with COPY; the caller holds
/// one chunk in memory at a time), then <see cref="CertifyStagedPlacements"/> once (the staged facts stored set-wise and certified
/// in one engine run), then <see cref="GetStagedResultSummaries"/> page by page to read the results back. A placement staged twice
/// in one transaction is an input error. Returns the number of placements staged so far.
/// </summary>
public sealed record StagePlacementFacts(IReadOnlyList<PlacementFacts> Facts) : ICommand<long>;

/// <summary>
/// Stores every staged placement's facts (units refreshed from Units once each) and certifies them all — with the other placements of
/// the same persons — in one set-based engine run; one PlacementCertified per staged placement and one CertificationResultChanged per
/// other placement whose result changed are written set-wise. Throws a BusinessRuleException naming the units without a minimum wage.
/// </summary>
public sealed record CertifyStagedPlacements : ICommand<CertificationBatchSummary>;

/// <summary>The stored results of the placements staged in this transaction, in placement-id order after <paramref name="After"/>.</summary>
public sealed record GetStagedResultSummaries(Guid After, int Limit) : IQuery<IReadOnlyList<ResultSummaryDto>>;

/// <summary>What a placement's owner keeps of an automatic result (the figures PlacementCertified carries).</summary>
public sealed record ResultSummaryDto(Guid PlacementId, int QualifyingMonths, int PersonMonths, bool HasFlags, bool AllQualifyWithoutFlags, long Version);

/// <summary>
/// What Certification holds of one placement, for the consistency check against Placement (the owner): the engine's facts,
/// whether the result is locked, and the stored result's summary. <paramref name="IdHash"/> is the blind index (base64).
/// </summary>
public sealed record EngineFactsDto(Guid PlacementId, Guid UnitId, int BusinessYear, string IdHash, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
    string ContractType, DateOnly ContractStart, DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50, bool Locked,
    bool HasResult, int QualifyingMonths, int PersonMonths, bool HasFlags, long ResultVersion);

/// <summary>A page of <see cref="EngineFactsDto"/> in placement-id order after <paramref name="After"/> (admin or system).</summary>
public sealed record GetEngineFacts(Guid After, int Limit) : IQuery<IReadOnlyList<EngineFactsDto>>;
