using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>Step 4 of manual chapter 5: 继续登记 or 返回安置登记管理.</summary>
public sealed class DoneModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    public PlacementDetailDto Placement { get; private set; } = null!;

    public async Task OnGetAsync() => Placement = await Sender.Send(new GetPlacementDetail(Id));
}
