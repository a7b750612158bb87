using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Domain;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Review.Placements;

/// <summary>The reviewer's queue (Certification's GetReviewQueue): disputed, awaiting review, flagged; filter, search, pages.</summary>
public sealed class IndexModel(TimeProvider clock) : AppPageModel
{
    [BindProperty(SupportsGet = true)] public string Kind { get; set; } = nameof(ReviewQueueKind.All);
    [BindProperty(SupportsGet = true)] public int? Year { get; set; }
    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true, Name = "p")] public int P { get; set; } = 1;
    public PagedResult<ReviewQueueItemDto> Result { get; private set; } = new([], 1, 20, 0);
    public IReadOnlyList<int> Years { get; private set; } = [];

    public IReadOnlyDictionary<string, string> Kinds { get; } = new Dictionary<string, string>
    {
        [nameof(ReviewQueueKind.All)] = "全部待审核", [nameof(ReviewQueueKind.Disputed)] = "异议待审核",
        [nameof(ReviewQueueKind.AwaitingReview)] = "无异议待审核", [nameof(ReviewQueueKind.Flagged)] = "需人工确认（关联单位缴费）",
    };

    public async Task OnGetAsync()
    {
        var current = ChinaTime.Today(clock).Year;
        Years = Enumerable.Range(0, 5).Select(i => current - 1 - i).ToList();
        var kind = Enum.TryParse<ReviewQueueKind>(Kind, out var k) ? k : ReviewQueueKind.All;
        Result = await Sender.Send(new GetReviewQueue(kind, Year, string.IsNullOrWhiteSpace(Q) ? null : Q.Trim(), Math.Max(1, P), 20));
    }

    /// <summary>The whole queue of the chosen kind and year as an Excel workbook.</summary>
    public async Task<IActionResult> OnGetDownloadAsync() =>
        FileResult(await Sender.Send(new DownloadReviewQueue(Enum.TryParse<ReviewQueueKind>(Kind, out var k) ? k : ReviewQueueKind.All, Year)));

    public string StateLabel(string state) => Enum.TryParse<PlacementState>(state, out var s) ? PlacementStateLabels.Of(s) : state;

    public string PageLink(int page) =>
        $"?kind={Uri.EscapeDataString(Kind)}&year={Year}&q={Uri.EscapeDataString(Q ?? "")}&p={page}";
}
