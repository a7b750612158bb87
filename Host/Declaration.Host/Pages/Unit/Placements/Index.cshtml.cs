using Declaration.BuildingBlocks.Domain;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Unit.Placements;

/// <summary>残疾人安置管理 (manual chapter 5): the business year's placements with their states and actions.</summary>
public sealed class IndexModel(TimeProvider clock, UnitPageCache cache) : AppPageModel
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)] public int? Year { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    public IReadOnlyList<PlacementSummaryDto> Items => Result.Items;
    public Declaration.BuildingBlocks.Application.PagedResult<PlacementSummaryDto> Result { get; private set; } = null!;
    public PlacementCountsDto Counts { get; private set; } = null!;
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
        // One page of 50 (a welfare enterprise declares hundreds); the counts by state for the whole year from the summary. From this
        // host's cache while the unit's data is unchanged (issue 14); the key names the day (whether the year is unlocked depends on it).
        var year = Year.Value;
        var listed = await cache.GetAsync(HttpContext.RequestServices, UnitId, null,
            FormattableString.Invariant($"placements|{year}|{P}|{ChinaTime.Today(clock):yyyy-MM-dd}"), async () =>
            {
                var counts = await Sender.Send(new GetPlacementSummary(UnitId, year));
                var page = Math.Clamp(P, 1, Math.Max(1, (counts.Total + PageSize - 1) / PageSize));
                return new Listed(counts, page, await Sender.Send(new GetPlacementPage(UnitId, year, page, PageSize)),
                    await Sender.Send(new IsUnitYearUnlocked(UnitId, year)));
            }, l => 1 + l.Result.Items.Count, _ => null, HttpContext.RequestAborted);
        (Counts, P, Result, Unlocked) = (listed.Counts, listed.Page, listed.Result, listed.Unlocked);
        // Qualifying months from Placement's projection of the results (kept with each placement): no 12 result rows per person.
        QualifyingMonths = Items.Where(i => i.QualifyingMonths is not null).ToDictionary(i => i.Id, i => i.QualifyingMonths!.Value);
    }

    private sealed record Listed(PlacementCountsDto Counts, int Page, Declaration.BuildingBlocks.Application.PagedResult<PlacementSummaryDto> Result, bool Unlocked);

    public int Count(PlacementState state) => state switch
    {
        PlacementState.Draft => Counts.Draft,
        PlacementState.AwaitingReview => Counts.AwaitingReview,
        PlacementState.Disputed => Counts.Disputed,
        PlacementState.Confirmed => Counts.Confirmed,
        PlacementState.Returned => Counts.Returned,
        _ => 0,
    };

    public string PageLink(int page) => $"?year={Year}&p={page}";

    public string Badge(PlacementState state) => state switch
    {
        PlacementState.Confirmed => "ok",
        PlacementState.Returned => "bad",
        PlacementState.Draft => "info",
        _ => "wait",
    };
}
