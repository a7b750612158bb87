using Declaration.AnnualReview.Contracts;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Annual;

/// <summary>Step 8: 年审认证反馈 — ask the federation to reopen the certified year, with a reason.</summary>
public sealed class FeedbackModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public int Year { get; set; }
    [BindProperty] public string? Reason { get; set; }
    public AnnualReviewStatusDto Status { get; private set; } = null!;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        if (await TryAsync(() => Sender.Send(new RequestReopen(UnitId, Year, Reason ?? string.Empty)).AsTask(), fieldPrefix: string.Empty))
        {
            Flash = "重新编辑申请已提交，请等待残联审核";
            return RedirectToPage("/Unit/Annual/Index", new { year = Year });
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        if (Year == 0) Year = BusinessYears.Current(HttpContext.RequestServices.GetRequiredService<TimeProvider>());
        Status = await Sender.Send(new GetAnnualReviewStatus(UnitId, Year));
    }
}
