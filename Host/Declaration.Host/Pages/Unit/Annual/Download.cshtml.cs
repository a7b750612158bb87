using Declaration.AnnualReview.Contracts;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Annual;

/// <summary>Step 7: 下载年审认证确认书 — the stored PDF of the signed-in unit (never another unit's).</summary>
public sealed class DownloadModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public int Year { get; set; }
    [BindProperty(SupportsGet = true)] public string? Number { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (Year == 0) Year = BusinessYears.Current(HttpContext.RequestServices.GetRequiredService<TimeProvider>());
        return FileResult(await Sender.Send(new DownloadAnnualCertificate(UnitId, Year, Number)));
    }
}
