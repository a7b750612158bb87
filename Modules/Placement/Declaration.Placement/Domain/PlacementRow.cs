using Declaration.Placement.Contracts;

namespace Declaration.Placement.Domain;

/// <summary>The SQL projection of placement.placement (column order = constructor order, for Dapper).</summary>
internal static class PlacementSql
{
    public const string Columns = """
        p.id, p.unit_id AS UnitId, p.credit_code AS CreditCode, p.business_year AS BusinessYear, p.id_number_enc AS IdNumberEnc,
        p.id_number_masked AS IdNumberMasked, p.name_enc AS NameEnc, p.name_masked AS NameMasked, p.certificate_type AS CertificateType,
        p.certificate_number_enc AS CertificateNumberEnc, p.category, p.level, p.employment_start AS EmploymentStart,
        p.employment_end AS EmploymentEnd, p.contract_type AS ContractType, p.contract_start AS ContractStart, p.contract_end AS ContractEnd,
        p.monthly_wage AS MonthlyWage, p.retirement_base_50 AS RetirementBase50, p.phone, p.state, array_to_string(p.disputed_months, ',') AS DisputedMonthsText,
        p.dispute_reason AS DisputeReason, p.return_reason AS ReturnReason, p.version, p.updated_at AS UpdatedAt, p.submitted_at AS SubmittedAt
        """;
}

internal sealed record PlacementRow(
    Guid Id, Guid UnitId, string CreditCode, int BusinessYear, byte[] IdNumberEnc, string IdNumberMasked, byte[] NameEnc, string NameMasked,
    string CertificateType, byte[] CertificateNumberEnc, int? Category, int? Level, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
    string ContractType, DateOnly ContractStart, DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50, string? Phone,
    string State, string DisputedMonthsText, string? DisputeReason, string? ReturnReason, int Version, DateTimeOffset UpdatedAt, DateTimeOffset? SubmittedAt)
{
    public PlacementState StateValue => Enum.Parse<PlacementState>(State);

    public int[] DisputedMonths => DisputedMonthsText.Length == 0 ? [] :
        DisputedMonthsText.Split(',').Select(m => int.Parse(m, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public PlacementSummaryDto ToSummary() => new(Id, UnitId, BusinessYear, IdNumberMasked, NameMasked, StateValue, CertificateType, Category, Level,
        EmploymentStart, EmploymentEnd, Version, UpdatedAt);

    /// <summary>What the audit log keeps of a placement: no plaintext personal data.</summary>
    public object AuditView() => new
    {
        BusinessYear, IdNumber = IdNumberMasked, Name = NameMasked, CertificateType, Category, Level, EmploymentStart, EmploymentEnd,
        ContractType, ContractStart, ContractEnd, MonthlyWage, RetirementBase50, Phone, State, DisputedMonths, DisputeReason, ReturnReason, Version,
    };
}
