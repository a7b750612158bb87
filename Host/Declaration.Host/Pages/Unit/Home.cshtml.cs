using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit;

/// <summary>首页 (manual chapter 4); entered from 我要申报 it first shows the 特别提示 of chapter 3.</summary>
public sealed class HomeModel : AppPageModel
{
    [BindProperty(SupportsGet = true, Name = "tip")] public int Tip { get; set; }
    public bool ShowTip => Tip == 1;
    public UnitDto? Unit { get; private set; }
    public Declaration.AnnualReview.Contracts.AnnualReviewStatusDto? Annual { get; private set; }

    public async Task OnGetAsync()
    {
        Unit = await Sender.Send(new GetUnit(UnitId));
        Annual = await Sender.Send(new Declaration.AnnualReview.Contracts.GetAnnualReviewStatus(UnitId,
            Declaration.AnnualReview.Contracts.BusinessYears.Current(HttpContext.RequestServices.GetRequiredService<TimeProvider>())));
    }
}
