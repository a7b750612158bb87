using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review.Placements;

/// <summary>A reviewer's view of one placement: month table, the unit's claim and evidence, per-month decisions, confirm or return.</summary>
public sealed class DetailModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    public PlacementDetailDto Placement { get; private set; } = null!;
    public PlacementResultDto? Result { get; private set; }
    public UnitDto Unit { get; private set; } = null!;
    public bool CanDecide => Placement.State is PlacementState.AwaitingReview or PlacementState.Disputed;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnGetEvidenceAsync(Guid fileId) => FileResult(await Sender.Send(new GetDisputeEvidence(Id, fileId)), inline: true);

    public async Task<IActionResult> OnPostDecideAsync(int month, bool grant, string? comment)
    {
        if (await TryAsync(() => Sender.Send(new DecideMonth(Id, month, grant, comment ?? "")).AsTask(), ""))
        {
            Flash = $"{month}月已{(grant ? "同意" : "不同意")}";
            return RedirectToPage(new { id = Id });
        }
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostConfirmAsync()
    {
        if (await TryAsync(() => Sender.Send(new ConfirmPlacement(Id)).AsTask(), ""))
        {
            Flash = "已确认该人员";
            return RedirectToPage("/Review/Placements/Index");
        }
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostReturnAsync(string? reason)
    {
        if (await TryAsync(() => Sender.Send(new ReturnPlacement(Id, reason ?? "")).AsTask(), ""))
        {
            Flash = "已退回单位";
            return RedirectToPage("/Review/Placements/Index");
        }
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Placement = await Sender.Send(new GetPlacementDetail(Id));
        Result = await Sender.Send(new GetPlacementResult(Id));
        Unit = await Sender.Send(new GetUnit(Placement.UnitId));
    }
}
