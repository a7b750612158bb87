using Declaration.BuildingBlocks.Domain;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>残疾人安置管理 (manual chapter 5): the business year's placements with their states and actions.</summary>
public sealed class IndexModel(TimeProvider clock) : AppPageModel
{
    [BindProperty(SupportsGet = true)] public int? Year { get; set; }
    public IReadOnlyList<PlacementSummaryDto> Items { get; private set; } = [];
    public IReadOnlyDictionary<Guid, int> QualifyingMonths { get; private set; } = new Dictionary<Guid, int>();
    public IReadOnlyList<int> Years { get; private set; } = [];
    public bool Unlocked { get; private set; }

    /// <summary>The unit's placements of the year with their results, as an Excel workbook.</summary>
    public async Task<IActionResult> OnGetDownloadAsync()
    {
        Year ??= ChinaTime.Today(clock).Year - 1;
        return FileResult(await Sender.Send(new DownloadPlacementList(UnitId, Year.Value)));
    }

    public async Task OnGetAsync()
    {
        var current = ChinaTime.Today(clock).Year;
        Years = Enumerable.Range(0, 5).Select(i => current - 1 - i).ToList();
        Year ??= current - 1;
        Items = await Sender.Send(new GetPlacements(UnitId, Year.Value));
        Unlocked = await Sender.Send(new IsUnitYearUnlocked(UnitId, Year.Value));
        // Qualifying months from Placement's projection of the results (kept with each placement): no 12 result rows per person.
        QualifyingMonths = Items.Where(i => i.QualifyingMonths is not null).ToDictionary(i => i.Id, i => i.QualifyingMonths!.Value);
    }

    public int Count(PlacementState state) => Items.Count(i => i.State == state);

    public string Badge(PlacementState state) => state switch
    {
        PlacementState.Confirmed => "ok",
        PlacementState.Returned => "bad",
        PlacementState.Draft => "info",
        _ => "wait",
    };
}
