using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>查看: the declared facts, the monthly result with the reviewer's month decisions, the dispute and its evidence.</summary>
public sealed class DetailModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    public PlacementDetailDto Placement { get; private set; } = null!;
    public PlacementResultDto? Result { get; private set; }
    public bool Unlocked { get; private set; }

    public async Task OnGetAsync()
    {
        Placement = await Sender.Send(new GetPlacementDetail(Id));
        Result = await Sender.Send(new GetPlacementResult(Id));
        Unlocked = Placement.State == PlacementState.Confirmed && await Sender.Send(new IsUnitYearUnlocked(Placement.UnitId, Placement.BusinessYear));
    }

    public async Task<IActionResult> OnGetEvidenceAsync(Guid fileId) => FileResult(await Sender.Send(new GetDisputeEvidence(Id, fileId)), inline: true);
}
