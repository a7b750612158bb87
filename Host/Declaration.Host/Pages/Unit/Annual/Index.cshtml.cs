using Declaration.AnnualReview.Contracts;
using Declaration.Host.Web;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Annual;

/// <summary>年审认证 (manual chapter 5, steps 6–8): where the year stands and what the unit can do now.</summary>
public sealed class IndexModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public int Year { get; set; }
    public IReadOnlyList<int> Years { get; private set; } = [];
    public AnnualReviewStatusDto Status { get; private set; } = null!;
    public CommitmentLetterDto Letter { get; private set; } = null!;
    public IReadOnlyList<CertificateSummaryDto> Certificates { get; private set; } = [];
    public IReadOnlyList<ReopenRequestDto> Requests { get; private set; } = [];

    public async Task OnGetAsync()
    {
        var clock = HttpContext.RequestServices.GetRequiredService<TimeProvider>();
        Years = BusinessYears.Recent(clock);
        if (Year == 0) Year = BusinessYears.Current(clock);
        Status = await Sender.Send(new GetAnnualReviewStatus(UnitId, Year));
        Letter = await Sender.Send(new GetCommitmentLetter(UnitId, Year));
        Certificates = await Sender.Send(new GetAnnualCertificates(UnitId, Year));
        Requests = await Sender.Send(new GetUnitReopenRequests(UnitId, Year));
    }
}
