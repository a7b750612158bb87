using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>Step 3 of manual chapter 5: the 12-month result; no objection (下一步) or an objection with months, reason and evidence.</summary>
public sealed class ResultModel : AppPageModel
{
    [BindProperty(SupportsGet = true)] public Guid Id { get; set; }
    [BindProperty] public int Version { get; set; }
    [BindProperty] public List<int> Months { get; set; } = [];
    [BindProperty] public string? Reason { get; set; }
    [BindProperty] public List<IFormFile> Evidence { get; set; } = [];
    public PlacementDetailDto Placement { get; private set; } = null!;
    public PlacementResultDto? Result { get; private set; }
    public bool CanSubmit => Placement.State is PlacementState.Draft or PlacementState.Returned;

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostSubmitAsync()
    {
        if (await TryAsync(() => Sender.Send(new SubmitPlacement(Id, Version)).AsTask(), ""))
            return RedirectToPage("/Unit/Placements/Done", new { id = Id });
        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostDisputeAsync()
    {
        var ok = await TryAsync(async () =>
        {
            foreach (var file in Evidence.Where(f => f.Length > 0))
            {
                await using var stream = file.OpenReadStream();
                await Sender.Send(new AddDisputeEvidence(Id, stream, file.FileName));
            }
            await Sender.Send(new DisputePlacement(Id, Version, Months, Reason ?? ""));
        }, "");
        if (ok) return RedirectToPage("/Unit/Placements/Done", new { id = Id });
        await LoadAsync();
        return Page();
    }

    public string Errors(string key) =>
        ModelState.TryGetValue(key, out var entry) ? string.Join("；", entry.Errors.Select(e => e.ErrorMessage)) : "";

    private async Task LoadAsync()
    {
        Placement = await Sender.Send(new GetPlacementDetail(Id));
        Result = await Sender.Send(new GetPlacementResult(Id));
    }
}
