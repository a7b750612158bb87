using System.Globalization;
using Declaration.BuildingBlocks.Domain;
using Declaration.Placement.Contracts;
using FluentValidation;

namespace Declaration.Placement.Domain;

/// <summary>The declared facts of one placement, from the form, the API or a file row.</summary>
internal sealed record PlacementFields(
    int BusinessYear, string IdNumber, string Name, string CertificateType, string CertificateNumber, DateOnly EmploymentStart, DateOnly? EmploymentEnd,
    string ContractType, DateOnly ContractStart, DateOnly? ContractEnd, decimal MonthlyWage, bool RetirementBase50, string? Phone)
{
    public string NormalizedIdNumber => Identifiers.NormalizeIdNumber(IdNumber);
    public string NormalizedCertificateNumber => (CertificateNumber ?? string.Empty).Trim().ToUpperInvariant();
    public string? CleanPhone => string.IsNullOrWhiteSpace(Phone) ? null : Phone.Trim();
    public string CleanName => (Name ?? string.Empty).Trim();

    /// <summary>Every declared fact in one canonical string (its keyed hash detects an unchanged re-import).</summary>
    public string Canonical => string.Join('|', BusinessYear.ToString(CultureInfo.InvariantCulture), NormalizedIdNumber, CleanName, CertificateType,
        NormalizedCertificateNumber, D(EmploymentStart), D(EmploymentEnd), ContractType, D(ContractStart), D(ContractEnd),
        MonthlyWage.ToString("0.00", CultureInfo.InvariantCulture), RetirementBase50 ? "50" : "", CleanPhone ?? "");

    private static string D(DateOnly? d) => d?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Category and level read from a disability certificate number (digits 19 and 20); null for a veteran's.</summary>
    public (int? Category, int? Level) CategoryAndLevel =>
        CertificateType == CertificateTypes.Disability && NormalizedCertificateNumber.Length == 20
            ? (NormalizedCertificateNumber[18] - '0', NormalizedCertificateNumber[19] - '0') : (null, null);
}

/// <summary>RULES.md §1–2 for a placement: one Chinese message per failing field (the same checks for form, API and import).</summary>
internal static class PlacementValidation
{
    public const int FirstBusinessYear = 2015;

    public static IEnumerable<(string Field, string Message)> Check(PlacementFields f, DateOnly today)
    {
        if (f.BusinessYear < FirstBusinessYear || f.BusinessYear > today.Year)
            yield return ("BusinessYear", $"业务年度应在{FirstBusinessYear}–{today.Year}之间");
        var idError = Identifiers.CheckIdNumber(f.IdNumber, today);
        if (idError is not null) yield return ("IdNumber", idError);
        if (f.CleanName.Length == 0) yield return ("Name", "请填写姓名");
        else if (f.CleanName.Length > 50) yield return ("Name", "姓名不能超过50个字");
        var typeOk = f.CertificateType is CertificateTypes.Disability or CertificateTypes.Veteran;
        if (!typeOk) yield return ("CertificateType", "证件类型应为残疾人证或残疾军人证");
        if (f.NormalizedCertificateNumber.Length == 0)
            yield return ("CertificateNumber", f.CertificateType == CertificateTypes.Veteran ? "请填写残疾军人证号" : "请填写残疾人证号");
        else if (typeOk && Identifiers.CheckCertificateNumber(f.CertificateNumber, idError is null ? f.NormalizedIdNumber : f.IdNumber ?? "", f.CertificateType == CertificateTypes.Veteran) is { } certError)
            yield return ("CertificateNumber", certError);
        if (f.EmploymentStart.Year < 1950) yield return ("EmploymentStart", "请填写有效的就业开始日期");
        if (f.EmploymentEnd is { } end && end < f.EmploymentStart) yield return ("EmploymentEnd", "就业结束日期不能早于就业开始日期");
        if (!ContractTypes.Labels.ContainsKey(f.ContractType ?? string.Empty)) yield return ("ContractType", "请选择合同类型");
        if (f.ContractStart.Year < 1950) yield return ("ContractStart", "请填写有效的合同开始日期");
        if (ContractTypes.RequiresEnd(f.ContractType) && f.ContractEnd is null)
            yield return ("ContractEnd", "固定期限劳动合同和劳务（服务）协议须填写合同结束日期");
        else if (f.ContractEnd is { } cend && cend < f.ContractStart) yield return ("ContractEnd", "合同结束日期不能早于合同开始日期");
        if (f.MonthlyWage <= 0) yield return ("MonthlyWage", "月工资应为大于0的金额（元）");
        else if (f.MonthlyWage > 10_000_000m || decimal.Round(f.MonthlyWage, 2) != f.MonthlyWage) yield return ("MonthlyWage", "月工资金额不合法（最多两位小数）");
        if (f.RetirementBase50 && idError is null && Identifiers.IsMale(f.NormalizedIdNumber))
            yield return ("RetirementBase50", "50周岁退休基准仅适用于女性职工（身份证号第17位为偶数）");
        if (f.CleanPhone is { } phone && Identifiers.CheckMobile(phone) is { } phoneError) yield return ("Phone", phoneError);
    }

    public static void Apply<T>(AbstractValidator<T> validator, Func<T, PlacementFields> fields, TimeProvider clock) =>
        validator.RuleFor(x => x).Custom((x, context) =>
        {
            foreach (var (field, message) in Check(fields(x), ChinaTime.Today(clock))) context.AddFailure(field, message);
        });
}

internal sealed class DeclarePlacementValidator : AbstractValidator<DeclarePlacement>
{
    public DeclarePlacementValidator(TimeProvider clock) => PlacementValidation.Apply(this, x => x.Fields(), clock);
}

internal sealed class EditPlacementValidator : AbstractValidator<EditPlacement>
{
    public EditPlacementValidator(TimeProvider clock) => PlacementValidation.Apply(this, x => x.Fields(0), clock);
}

internal static class PlacementCommandExtensions
{
    public static PlacementFields Fields(this DeclarePlacement c) => new(c.BusinessYear, c.IdNumber, c.Name, c.CertificateType, c.CertificateNumber,
        c.EmploymentStart, c.EmploymentEnd, c.ContractType, c.ContractStart, c.ContractEnd, c.MonthlyWage, c.RetirementBase50, c.Phone);

    /// <summary>The edit's fields; the business year is the stored one (checked separately), so any valid year passes here.</summary>
    public static PlacementFields Fields(this EditPlacement c, int businessYear) => new(businessYear == 0 ? PlacementValidation.FirstBusinessYear : businessYear,
        c.IdNumber, c.Name, c.CertificateType, c.CertificateNumber, c.EmploymentStart, c.EmploymentEnd, c.ContractType, c.ContractStart, c.ContractEnd,
        c.MonthlyWage, c.RetirementBase50, c.Phone);
}
