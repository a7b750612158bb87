using System.Globalization;
using Declaration.BuildingBlocks.Domain;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>Step 2 of manual chapter 5 (添加残疾人 / 重新登记): on 下一步 the placement is saved as Draft and certified at once.</summary>
public sealed class EditModel(TimeProvider clock) : AppPageModel
{
    public sealed class PlacementInput
    {
        public int Version { get; set; }
        public string? IdNumber { get; set; }
        public string? Name { get; set; }
        public string? CertificateType { get; set; } = CertificateTypes.Disability;
        public string? CertificateNumber { get; set; }
        public string? EmploymentStart { get; set; }
        public string? EmploymentEnd { get; set; }
        public string? ContractType { get; set; }
        public string? ContractStart { get; set; }
        public string? ContractEnd { get; set; }
        public string? MonthlyWage { get; set; }
        public bool RetirementBase50 { get; set; }
        public string? Phone { get; set; }
    }

    [BindProperty(SupportsGet = true)] public Guid? Id { get; set; }
    [BindProperty(SupportsGet = true)] public int? Year { get; set; }
    [BindProperty] public PlacementInput Input { get; set; } = new();
    public string? ReturnReason { get; private set; }
    public bool IsNew => Id is null;

    public async Task OnGetAsync()
    {
        if (Id is { } id)
        {
            var d = await Sender.Send(new GetPlacementDetail(id));
            Year = d.BusinessYear;
            ReturnReason = d.State == PlacementState.Returned ? d.ReturnReason : null;
            Input = new PlacementInput
            {
                Version = d.Version, IdNumber = d.IdNumberShown, Name = d.NameShown, CertificateType = d.CertificateType, CertificateNumber = d.CertificateNumberShown,
                EmploymentStart = D(d.EmploymentStart), EmploymentEnd = D(d.EmploymentEnd), ContractType = d.ContractType, ContractStart = D(d.ContractStart),
                ContractEnd = D(d.ContractEnd), MonthlyWage = d.MonthlyWage.ToString("0.##", CultureInfo.InvariantCulture), RetirementBase50 = d.RetirementBase50, Phone = d.Phone,
            };
        }
        Year ??= ChinaTime.Today(clock).Year - 1;
    }

    public async Task<IActionResult> OnPostAsync()
    {
        Year ??= ChinaTime.Today(clock).Year - 1;
        var employmentStart = ParseDate(Input.EmploymentStart, "EmploymentStart", "请填写就业开始日期");
        var employmentEnd = ParseDate(Input.EmploymentEnd, "EmploymentEnd", null);
        var contractStart = ParseDate(Input.ContractStart, "ContractStart", "请填写合同开始日期");
        var contractEnd = ParseDate(Input.ContractEnd, "ContractEnd", null);
        decimal wage = 0;
        if (string.IsNullOrWhiteSpace(Input.MonthlyWage)) ModelState.AddModelError("Input.MonthlyWage", "请填写月工资");
        else if (!decimal.TryParse(Input.MonthlyWage.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out wage))
            ModelState.AddModelError("Input.MonthlyWage", "月工资应为数字（元），如 5000 或 4800.50");
        if (!ModelState.IsValid) return Page();
        Guid placementId = Guid.Empty;
        var ok = await TryAsync(async () =>
        {
            var saved = Id is { } id
                ? await Sender.Send(new EditPlacement(id, Input.Version, Input.IdNumber ?? "", Input.Name ?? "", Input.CertificateType ?? "", Input.CertificateNumber ?? "",
                    employmentStart!.Value, employmentEnd, Input.ContractType ?? "", contractStart!.Value, contractEnd, wage, Input.RetirementBase50, Input.Phone))
                : await Sender.Send(new DeclarePlacement(UnitId, Year.Value, Input.IdNumber ?? "", Input.Name ?? "", Input.CertificateType ?? "", Input.CertificateNumber ?? "",
                    employmentStart!.Value, employmentEnd, Input.ContractType ?? "", contractStart!.Value, contractEnd, wage, Input.RetirementBase50, Input.Phone));
            placementId = saved.PlacementId;
        });
        if (!ok) return Page();
        return RedirectToPage("/Unit/Placements/Result", new { id = placementId });
    }

    private static string? D(DateOnly? d) => d?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private DateOnly? ParseDate(string? value, string field, string? requiredMessage)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (requiredMessage is not null) ModelState.AddModelError("Input." + field, requiredMessage);
            return null;
        }
        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        ModelState.AddModelError("Input." + field, "日期格式应为 yyyy-MM-dd");
        return null;
    }
}
