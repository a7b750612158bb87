using Declaration.AnnualReview.Contracts;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review.Annual;

/// <summary>The tax export (FORMATS.md `tax`) of the caller's jurisdiction as a CSV download.</summary>
public sealed class ExportModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public int Year { get; set; }

    public async Task<IActionResult> OnGetAsync()
    {
        if (Year == 0) Year = BusinessYears.Current(HttpContext.RequestServices.GetRequiredService<TimeProvider>());
        var output = new MemoryStream();
        await Sender.Send(new ExportTax(Year, output, ForSpreadsheet: true));
        output.Position = 0;
        return File(output, "text/csv; charset=utf-8", $"tax-{Year}.csv");
    }
}
