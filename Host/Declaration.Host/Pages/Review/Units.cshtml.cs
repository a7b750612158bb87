using Declaration.BuildingBlocks.Application;
using Declaration.Host.Web;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review;

public sealed class UnitsModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    public PagedResult<UnitSummaryDto> Result { get; private set; } = new([], 1, 20, 0);

    public async Task OnGetAsync() => Result = await Sender.Send(new GetUnitsInJurisdiction(Q, P, 20));
}
