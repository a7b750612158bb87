using Declaration.AnnualReview.Contracts;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review.Annual;

/// <summary>Reviewers and admins: the year's progress in the jurisdiction, the reopen queue, the tax export and (admins) the window.</summary>
public sealed class IndexModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public int Year { get; set; }
    public IReadOnlyList<int> Years { get; private set; } = [];
    public AnnualProgressDto Progress { get; private set; } = null!;
    public DeclarationWindowDto Window { get; private set; } = null!;
    public IReadOnlyList<ReopenRequestDto> Pending { get; private set; } = [];
    public IReadOnlyList<ReopenRequestDto> Decided { get; private set; } = [];
    public bool IsAdmin => User.IsInRole("Admin");

    public async Task OnGetAsync() => await LoadAsync();

    /// <summary>The year's progress unit by unit as an Excel workbook.</summary>
    public async Task<IActionResult> OnGetDownloadAsync()
    {
        if (Year == 0) Year = BusinessYears.Current(HttpContext.RequestServices.GetRequiredService<TimeProvider>());
        return FileResult(await Sender.Send(new DownloadAnnualProgress(Year)));
    }

    public async Task<IActionResult> OnPostDecideAsync(Guid requestId, bool approve, string? comment)
    {
        if (await TryAsync(() => Sender.Send(new DecideReopenRequest(requestId, approve, comment ?? string.Empty)).AsTask(), fieldPrefix: string.Empty))
        {
            Flash = approve ? "已同意重新编辑：原年审认证确认书已撤销，单位可以继续申报" : "已不同意重新编辑：单位的年审认证保持有效";
            return RedirectToPage(new { year = Year });
        }
        if (ModelState.TryGetValue("Comment", out var entry) && entry.Errors.Count > 0) ErrorMessage = entry.Errors[0].ErrorMessage;
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostWindowAsync(DateOnly opens, DateOnly closes)
    {
        if (await TryAsync(() => Sender.Send(new SetDeclarationWindow(Year, opens, closes)).AsTask(), fieldPrefix: string.Empty))
        {
            Flash = $"{Year} 年度申报期已设置为 {opens:yyyy年M月d日} 至 {closes:yyyy年M月d日}";
            return RedirectToPage(new { year = Year });
        }
        if (ModelState.ErrorCount > 0) ErrorMessage = string.Join("；", ModelState.Values.SelectMany(v => v.Errors).Select(e => e.ErrorMessage));
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var clock = HttpContext.RequestServices.GetRequiredService<TimeProvider>();
        Years = BusinessYears.Recent(clock);
        if (Year == 0) Year = BusinessYears.Current(clock);
        Progress = await Sender.Send(new GetAnnualProgress(Year));
        Window = await Sender.Send(new GetDeclarationWindow(Year));
        Pending = await Sender.Send(new GetReopenRequests(Year, PendingOnly: true));
        Decided = (await Sender.Send(new GetReopenRequests(Year, PendingOnly: false))).Where(r => r.DecidedAt is not null).Take(20).ToList();
    }
}
