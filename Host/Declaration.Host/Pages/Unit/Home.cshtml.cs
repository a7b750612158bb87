using System.Globalization;
using System.Security.Claims;
using Declaration.BuildingBlocks.Domain;
using Declaration.Host.Web;
using Declaration.Notices.Contracts;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit;

/// <summary>首页 (manual chapter 4); entered from 我要申报 it first shows the 特别提示 of chapter 3.</summary>
public sealed class HomeModel(UnitPageCache cache, TimeProvider clock) : AppPageModel
{
    public sealed class WorkforceInput
    {
        public string? Headcount { get; set; }
        public string? AverageAnnualWage { get; set; }
    }

    [BindProperty(SupportsGet = true, Name = "tip")] public int Tip { get; set; }
    [BindProperty(SupportsGet = true, Name = "year")] public int? Year { get; set; }
    [BindProperty] public WorkforceInput Workforce { get; set; } = new();
    public bool ShowTip => Tip == 1;
    public UnitDto? Unit { get; private set; }
    public HomeDashboardDto Dashboard { get; private set; } = null!;
    public IReadOnlyList<Declaration.Placement.Contracts.CertificateExpiryDto> Expiries { get; private set; } = [];

    public async Task OnGetAsync()
    {
        await LoadAsync();
        Workforce = new WorkforceInput
        {
            Headcount = Dashboard.Headcount?.ToString("0.##", CultureInfo.InvariantCulture),
            AverageAnnualWage = Dashboard.AverageAnnualWage?.ToString("0.##", CultureInfo.InvariantCulture),
        };
    }

    public async Task<IActionResult> OnPostWorkforceAsync()
    {
        await LoadAsync();
        var headcount = ParseDecimal(Workforce.Headcount, "Workforce.Headcount", "请填写在职职工人数（数字，可带两位小数）");
        var wage = ParseDecimal(Workforce.AverageAnnualWage, "Workforce.AverageAnnualWage", "请填写在职职工年平均工资（元）");
        if (ModelState.IsValid && await TryAsync(() => Sender.Send(new SaveUnitWorkforce(UnitId, Dashboard.BusinessYear, headcount!.Value, wage!.Value)).AsTask(), "Workforce"))
        {
            Flash = $"已保存{Dashboard.BusinessYear}年度在职职工人数和年平均工资";
            return RedirectToPage(new { year = Dashboard.BusinessYear });
        }
        return Page();
    }

    /// <summary>
    /// What the page shows, from this host's cache while the unit's, everyone's and this reader's stamps are unchanged (issue 14): the
    /// latest notices carry the reader's read marks, so the entry is the reader's, kept no longer than the first of them expires (a
    /// scheduled notice moves everyone's stamp when it is announced).
    /// </summary>
    private sealed record Shown(UnitDto Unit, HomeDashboardDto Dashboard, IReadOnlyList<Declaration.Placement.Contracts.CertificateExpiryDto> Expiries);

    private async Task LoadAsync()
    {
        var today = ChinaTime.Today(clock);
        var reader = Guid.TryParse(User.FindFirstValue(ClaimTypes.NameIdentifier), out var account) ? account : (Guid?)null;
        var shown = await cache.GetAsync(HttpContext.RequestServices, UnitId, reader, FormattableString.Invariant($"home|{Year}|{today:yyyy-MM-dd}"), async () =>
        {
            var unit = await Sender.Send(new GetUnit(UnitId));
            var dashboard = await Sender.Send(new GetHomeDashboard(UnitId, Year));
            var expiries = await Sender.Send(new Declaration.Placement.Contracts.GetCertificateExpiries(UnitId, dashboard.BusinessYear));
            return new Shown(unit, dashboard, expiries);
        }, p => 10 + p.Expiries.Count, p => p.Dashboard.LatestNotices.Min(n => n.ExpiresAt), HttpContext.RequestAborted);
        (Unit, Dashboard, Expiries) = (shown.Unit, shown.Dashboard, shown.Expiries);
    }

    private decimal? ParseDecimal(string? value, string field, string message)
    {
        if (decimal.TryParse(value?.Trim().Replace(",", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out var d)) return d;
        ModelState.AddModelError(field, message);
        return null;
    }

    public static string Money(decimal d) => d.ToString("#,##0.00", CultureInfo.InvariantCulture);
}
