using System.Globalization;
using Declaration.BuildingBlocks.Errors;
using Declaration.Host.Web;
using Declaration.LevyCalculator.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Admin;

/// <summary>残保金政策参数: list, add and edit the parameters per business year and region (administrators only; audited; versioned).</summary>
public sealed class LevyParametersModel : AppPageModel
{
    public sealed class ParameterInput
    {
        public int? Id { get; set; }
        public int Version { get; set; }
        public string? BusinessYear { get; set; }
        public string? RegionCode { get; set; }
        public string? QuotaRatio { get; set; }
        public string? LocalAverageWage { get; set; }
        public string? CapMultiple { get; set; }
        public string? CapFromYear { get; set; }
        public string? ExemptionThreshold { get; set; }
        public string? ExemptionFromYear { get; set; }
        public string? ExemptionToYear { get; set; }
        public string? TierFromYear { get; set; }
        public string? TierToYear { get; set; }
        public string? TierRatioThreshold { get; set; }
        public string? TierShareAtOrAbove { get; set; }
        public string? TierShareBelow { get; set; }
    }

    [BindProperty] public ParameterInput Input { get; set; } = new();
    [BindProperty(SupportsGet = true)] public int? Year { get; set; }
    public IReadOnlyList<LevyParameterDto> Rows { get; private set; } = [];
    public IReadOnlyList<LevyParameterChange> History { get; private set; } = [];
    /// <summary>Whether the edit form is shown (editing a row or adding one).</summary>
    public bool Editing { get; private set; }

    public async Task OnGetAsync(int? id, bool add = false)
    {
        if (id is not null)
        {
            var p = await Sender.Send(new GetLevyParameter(id.Value));
            Input = From(p);
            Editing = true;
        }
        else if (add)
        {
            var template = (await Sender.Send(new GetLevyParameters())).FirstOrDefault(r => r.RegionCode == "330000");
            Input = template is null ? new ParameterInput { RegionCode = "330000", QuotaRatio = "0.015", CapMultiple = "2", CapFromYear = "2018",
                TierRatioThreshold = "0.01", TierShareAtOrAbove = "0.5", TierShareBelow = "0.9" } : From(template) ;
            Input.Id = null;
            Input.Version = 0;
            Input.BusinessYear = null;
            Input.LocalAverageWage = null;
            Editing = true;
        }
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        Editing = true;
        var i = Input;
        var command = new SaveLevyParameter(i.Id, i.Version,
            Int(nameof(i.BusinessYear), i.BusinessYear, "业务年度", true) ?? 0,
            (i.RegionCode ?? string.Empty).Trim(),
            Dec(nameof(i.QuotaRatio), i.QuotaRatio, "安置比例", true) ?? 0,
            Dec(nameof(i.LocalAverageWage), i.LocalAverageWage, "当地社会平均工资", false),
            Dec(nameof(i.CapMultiple), i.CapMultiple, "封顶倍数", true) ?? 0,
            Int(nameof(i.CapFromYear), i.CapFromYear, "封顶起始年度", true) ?? 0,
            Dec(nameof(i.ExemptionThreshold), i.ExemptionThreshold, "免征人数上限", false),
            Int(nameof(i.ExemptionFromYear), i.ExemptionFromYear, "免征起始年度", false),
            Int(nameof(i.ExemptionToYear), i.ExemptionToYear, "免征截止年度", false),
            Int(nameof(i.TierFromYear), i.TierFromYear, "分档减缴起始年度", false),
            Int(nameof(i.TierToYear), i.TierToYear, "分档减缴截止年度", false),
            Dec(nameof(i.TierRatioThreshold), i.TierRatioThreshold, "分档比例界限", true) ?? 0,
            Dec(nameof(i.TierShareAtOrAbove), i.TierShareAtOrAbove, "达到界限的缴纳比例", true) ?? 0,
            Dec(nameof(i.TierShareBelow), i.TierShareBelow, "低于界限的缴纳比例", true) ?? 0);
        if (ModelState.IsValid)
        {
            try
            {
                var saved = await Sender.Send(command);
                Flash = $"已保存{command.BusinessYear}年度地区 {command.RegionCode} 的残保金政策参数（版本 {saved.Version}）";
                return RedirectToPage(new { Year });
            }
            catch (InputException ex)
            {
                foreach (var (field, messages) in ex.Errors)
                    foreach (var message in messages) ModelState.AddModelError($"Input.{field}", message);
                ErrorMessage = ex.Message;
            }
            catch (ConflictException ex)
            {
                ErrorMessage = ex.Message;
                Response.StatusCode = StatusCodes.Status409Conflict;
            }
            catch (NotFoundException ex)
            {
                ErrorMessage = ex.Message;
                Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
        else ErrorMessage = "提交的信息有误，请按提示修改";
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Rows = await Sender.Send(new GetLevyParameters(Year));
        History = await Sender.Send(new GetLevyParameterHistory(20));
    }

    private static ParameterInput From(LevyParameterDto p) => new()
    {
        Id = p.Id, Version = p.Version, BusinessYear = Text(p.BusinessYear), RegionCode = p.RegionCode, QuotaRatio = Text(p.QuotaRatio),
        LocalAverageWage = Text(p.LocalAverageWage), CapMultiple = Text(p.CapMultiple), CapFromYear = Text(p.CapFromYear),
        ExemptionThreshold = Text(p.ExemptionThreshold), ExemptionFromYear = Text(p.ExemptionFromYear), ExemptionToYear = Text(p.ExemptionToYear),
        TierFromYear = Text(p.TierFromYear), TierToYear = Text(p.TierToYear), TierRatioThreshold = Text(p.TierRatioThreshold),
        TierShareAtOrAbove = Text(p.TierShareAtOrAbove), TierShareBelow = Text(p.TierShareBelow),
    };

    public static string Text(decimal? value) => value?.ToString("0.############", CultureInfo.InvariantCulture) ?? string.Empty;
    public static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;

    private decimal? Dec(string field, string? text, string label, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) ModelState.AddModelError($"Input.{field}", $"请填写{label}");
            return null;
        }
        if (decimal.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v)) return v;
        ModelState.AddModelError($"Input.{field}", $"{label}应为数字");
        return null;
    }

    private int? Int(string field, string? text, string label, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required) ModelState.AddModelError($"Input.{field}", $"请填写{label}");
            return null;
        }
        if (int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v)) return v;
        ModelState.AddModelError($"Input.{field}", $"{label}应为4位年份");
        return null;
    }
}
