using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>删除 asks for confirmation first (step 5 of manual chapter 5).</summary>
public sealed class DeleteModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    [BindProperty] public int Version { get; set; }
    public PlacementDetailDto Placement { get; private set; } = null!;

    public async Task OnGetAsync() => Placement = await Sender.Send(new GetPlacementDetail(Id));

    public async Task<IActionResult> OnPostAsync()
    {
        Placement = await Sender.Send(new GetPlacementDetail(Id));
        if (await TryAsync(() => Sender.Send(new DeletePlacement(Id, Version)).AsTask(), ""))
        {
            Flash = $"已删除 {Placement.NameShown} 的安置登记";
            return RedirectToPage("/Unit/Placements/Index", new { year = Placement.BusinessYear });
        }
        return Page();
    }
}
