using System.Globalization;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Host.Web;
using Declaration.LevyCalculator.Contracts;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Levy;

/// <summary>
/// 残保金计算器 (manual chapter 8): a GET form (works without JavaScript, bookmarkable). Inputs are read as text and parsed
/// here so that every mistake gets a Chinese message on its field.
/// </summary>
public sealed class IndexModel(TimeProvider clock) : AppPageModel
{
    [BindProperty(SupportsGet = true)] public string? Year { get; set; }
    [BindProperty(SupportsGet = true)] public string? Region { get; set; }
    [BindProperty(SupportsGet = true)] public string? UnitType { get; set; }
    [BindProperty(SupportsGet = true)] public string? Headcount { get; set; }
    [BindProperty(SupportsGet = true)] public string? MonthlyWage { get; set; }
    [BindProperty(SupportsGet = true)] public string? AnnualWage { get; set; }
    [BindProperty(SupportsGet = true)] public string? PersonMonths { get; set; }
    [BindProperty(SupportsGet = true)] public string? SeverePersonMonths { get; set; }
    [BindProperty(SupportsGet = true)] public string? LocalAverageWage { get; set; }
    [BindProperty(SupportsGet = true)] public string? QuotaRatio { get; set; }

    public LevyResultDto? Result { get; private set; }
    public decimal WeightedPersonMonths { get; private set; }
    public decimal AverageAnnualWage { get; private set; }

    /// <summary>Where a refusal of the calculator belongs on the form.</summary>
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        [nameof(CalculateLevy.BusinessYear)] = nameof(Year), [nameof(CalculateLevy.RegionCode)] = nameof(Region),
        [nameof(CalculateLevy.UnitType)] = nameof(UnitType), [nameof(CalculateLevy.Headcount)] = nameof(Headcount),
        [nameof(CalculateLevy.AverageAnnualWage)] = nameof(MonthlyWage), [nameof(CalculateLevy.PlainPersonMonths)] = nameof(PersonMonths),
        [nameof(CalculateLevy.SeverePersonMonths)] = nameof(SeverePersonMonths), [nameof(CalculateLevy.LocalAverageWage)] = nameof(LocalAverageWage),
        [nameof(CalculateLevy.QuotaRatio)] = nameof(QuotaRatio),
    };

    public async Task OnGetAsync()
    {
        var submitted = Request.Query.ContainsKey("headcount") || Request.Query.ContainsKey(nameof(Headcount));
        if (!submitted)
        {
            await PrefillAsync();
            return;
        }
        await CalculateAsync();
    }

    private async Task PrefillAsync()
    {
        Year = (ChinaTime.Today(clock).Year - 1).ToString(CultureInfo.InvariantCulture);
        Region = "330000";
        UnitType = UnitTypes.Enterprise;
        PersonMonths = "0";
        SeverePersonMonths = "0";
        if (User.IsInRole("Employer") && Guid.TryParse(User.FindFirst(DeclarationClaims.UnitId)?.Value, out var unitId))
        {
            try
            {
                var unit = await Sender.Send(new GetUnit(unitId));
                Region = unit.RegionCode;
                UnitType = unit.UnitType;
            }
            catch (NotFoundException)
            {
                // The account's unit is gone: keep the province defaults.
            }
        }
    }

    private async Task CalculateAsync()
    {
        int year = 0;
        if (string.IsNullOrWhiteSpace(Year)) Error(nameof(Year), "请填写业务年度");
        else if (!int.TryParse(Year.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out year)) Error(nameof(Year), "业务年度应为4位年份，如 2024");
        if (string.IsNullOrWhiteSpace(Region)) Error(nameof(Region), "请填写地区（6位行政区划代码）");
        if (string.IsNullOrWhiteSpace(UnitType)) Error(nameof(UnitType), "请选择单位类型");
        var headcount = Number(nameof(Headcount), Headcount, "单位员工数", required: true);
        var monthly = Number(nameof(MonthlyWage), MonthlyWage, "单位月平均工资", required: false);
        var annual = Number(nameof(AnnualWage), AnnualWage, "单位年平均工资", required: false);
        if (monthly is null && annual is null && ModelState.IsValid)
            Error(nameof(MonthlyWage), "请填写单位月平均工资或年平均工资（二选一）");
        if (monthly is not null && annual is not null && monthly.Value * 12m != annual.Value)
            Error(nameof(AnnualWage), "月平均工资×12与年平均工资不一致，请只填写其中一项");
        var plain = Number(nameof(PersonMonths), PersonMonths, "安置人月数", required: false) ?? 0m;
        var severe = Number(nameof(SeverePersonMonths), SeverePersonMonths, "重度残疾人安置人月数", required: false) ?? 0m;
        var local = Number(nameof(LocalAverageWage), LocalAverageWage, "当地社会平均工资", required: false);
        var ratioPercent = Number(nameof(QuotaRatio), QuotaRatio, "安置比例", required: false);
        if (!ModelState.IsValid)
        {
            ErrorMessage = "输入有误，请按提示修改";
            return;
        }

        AverageAnnualWage = annual ?? monthly!.Value * 12m;
        WeightedPersonMonths = plain + 2m * severe;
        var request = new CalculateLevy(year, Region!.Trim(), UnitType!, headcount!.Value, AverageAnnualWage, plain, severe, local,
            ratioPercent is null ? null : ratioPercent.Value / 100m);
        try
        {
            Result = await Sender.Send(request);
        }
        catch (InputException ex)
        {
            foreach (var (field, messages) in ex.Errors)
            {
                var target = field == nameof(CalculateLevy.AverageAnnualWage) && annual is not null ? nameof(AnnualWage) : Fields.GetValueOrDefault(field, nameof(Headcount));
                foreach (var message in messages) Error(target, message);
            }
            ErrorMessage = ex.Message;
        }
        catch (BusinessRuleException ex)
        {
            Error(ex.Rule == "LEVY_YEAR_NO_PARAMETERS" ? nameof(Year) : nameof(Region), ex.Message);
            ErrorMessage = ex.Message;
        }
    }

    private void Error(string field, string message) => ModelState.AddModelError(field, message);

    private decimal? Number(string field, string? text, string label, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) Error(field, $"请填写{label}");
            return null;
        }
        var cleaned = text.Trim().Replace(",", string.Empty, StringComparison.Ordinal).Replace("，", string.Empty, StringComparison.Ordinal);
        if (decimal.TryParse(cleaned, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value))
            return value;
        Error(field, $"{label}应为数字");
        return null;
    }

    public static string Money(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero).ToString("#,##0.00", CultureInfo.InvariantCulture);
    public static string Num(decimal value) => value.ToString("#,##0.####", CultureInfo.InvariantCulture);
    public static string Percent(decimal fraction) => (fraction * 100m).ToString("0.####", CultureInfo.InvariantCulture) + "%";
}
