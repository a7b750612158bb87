using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.LevyCalculator.Contracts;
using Declaration.Notices.Contracts;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.Logging;

namespace Declaration.Notices.Features.Dashboard;

/// <summary>The business year being declared (RULES.md §6: the window of year Y runs 1 March – 31 October of Y+1 by default).</summary>
internal static class BusinessYears
{
    /// <summary>The year whose window contains today, else the last year whose window has opened.</summary>
    public static int Current(DateOnly today) => today >= new DateOnly(today.Year, 3, 1) ? today.Year - 1 : today.Year - 2;

    public static IReadOnlyList<int> Selectable(int current) => Enumerable.Range(0, 5).Select(i => current - i).ToList();
}

/// <summary>
/// 首页 (manual chapter 4): the year's progress (AnnualReview), placements by state and category (Placement), certified
/// person-months per month (Certification), the estimated levy (LevyCalculator, with the workforce the unit entered in
/// Units) and the latest notices. Each part reads another module through its Contracts and is left empty when that
/// module has no data (or no handler yet), so the page never fails for want of one part.
/// </summary>
internal sealed class GetHomeDashboardHandler(ISender sender, TimeProvider clock, ILogger<GetHomeDashboardHandler> logger)
    : IQueryHandler<GetHomeDashboard, HomeDashboardDto>
{
    public static readonly IReadOnlyDictionary<int, string> CategoryLabels = new Dictionary<int, string>
    {
        [1] = "视力残疾", [2] = "听力残疾", [3] = "言语残疾", [4] = "肢体残疾", [5] = "智力残疾", [6] = "精神残疾", [7] = "多重残疾",
    };

    public static readonly IReadOnlyDictionary<AnnualReviewState, string> StateLabels = new Dictionary<AnnualReviewState, string>
    {
        [AnnualReviewState.NotStarted] = "未开始申报", [AnnualReviewState.InProgress] = "申报审核中", [AnnualReviewState.ReadyToCertify] = "待年审认证",
        [AnnualReviewState.Certified] = "已完成年审认证", [AnnualReviewState.ReopenRequested] = "年审认证反馈审核中",
    };

    public async ValueTask<HomeDashboardDto> Handle(GetHomeDashboard query, CancellationToken ct)
    {
        var unit = await sender.Send(new CheckUnitAccess(query.UnitId), ct);
        var current = await CurrentYearAsync(ChinaTime.Today(clock), ct);
        var years = BusinessYears.Selectable(current);
        var year = query.BusinessYear is { } y && y >= 2015 && y <= current ? y : current;
        if (!years.Contains(year)) years = [.. years, year];

        // One request per module part, each a set-based read or two; the unit's access is checked once for the request (Units keeps
        // the unit read for the scope) although every part checks it.
        var status = await TryAsync(() => sender.Send(new GetAnnualReviewStatus(unit.Id, year), ct), "annual review");
        var counts = await TryAsync(() => sender.Send(new GetPlacementSummary(unit.Id, year), ct), "placement summary");
        var confirmed = counts is { Confirmed: > 0 } ? await TryAsync(() => sender.Send(new GetConfirmedMonths(unit.Id, year), ct), "confirmed months") : null;
        var workforce = await TryAsync(() => sender.Send(new GetUnitWorkforce(unit.Id, year), ct), "workforce");
        var notices = await TryAsync(() => sender.Send(new GetLatestNotices(5), ct), "notices") ?? [];

        var months = confirmed is null ? null : new DashboardMonthsDto(confirmed.PersonMonths, confirmed.Total, confirmed.PlainMonths, confirmed.SevereMonths);
        DashboardLevyDto? levy = null;
        string? levyReason = null;
        if (workforce is null) levyReason = "请先填写本年度在职职工人数和年平均工资";
        else
        {
            var result = await TryAsync(() => sender.Send(new CalculateLevy(year, unit.RegionCode, unit.UnitType, workforce.Headcount, workforce.AverageAnnualWage,
                months?.PlainMonths ?? 0, months?.SevereMonths ?? 0), ct), "levy");
            if (result is null) levyReason = "残保金测算暂不可用（尚未配置本年度残保金政策参数）";
            else levy = new DashboardLevyDto(workforce.Headcount, workforce.AverageAnnualWage, result.Levy, result.LevyWithoutPlacement, result.Saving, result.Exempt, result.Notes);
        }

        return new HomeDashboardDto(unit.Id, unit.Name, year, current, years, Progress(status, unit.ProfileConfirmed, counts), PlacementsOf(counts), months,
            workforce?.Headcount, workforce?.AverageAnnualWage, levy, levyReason, notices);
    }

    /// <summary>
    /// The year whose declaration window (as AnnualReview has it configured) contains today, else the last year whose
    /// window has opened; the default rule when AnnualReview is not available.
    /// </summary>
    private async Task<int> CurrentYearAsync(DateOnly today, CancellationToken ct)
    {
        var windows = await TryAsync(() => sender.Send(new GetDeclarationWindows([today.Year, today.Year - 1, today.Year - 2]), ct), "declaration windows");
        if (windows is null || windows.Count == 0) return BusinessYears.Current(today);
        var containing = windows.Where(w => w.Opens <= today && today <= w.Closes).Select(w => w.BusinessYear).DefaultIfEmpty().Max();
        if (containing != 0) return containing;
        var opened = windows.Where(w => w.Opens <= today).Select(w => w.BusinessYear).DefaultIfEmpty().Max();
        return opened != 0 ? opened : BusinessYears.Current(today);
    }

    private async Task<T?> TryAsync<T>(Func<ValueTask<T>> read, string part)
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is MissingMessageHandlerException or InvalidMessageException or NotFoundException or BusinessRuleException)
        {
            logger.LogDebug("Home dashboard: {Part} unavailable ({Reason})", part, ex.Message);
            return default;
        }
    }

    private static DashboardProgressDto? Progress(AnnualReviewStatusDto? s, bool profileConfirmed, PlacementCountsDto? counts)
    {
        if (s is null) return null;
        var stage = s.State switch
        {
            AnnualReviewState.NotStarted => 1,
            AnnualReviewState.InProgress => counts is { Total: > 0 } c && c.Draft + c.Returned == c.Total ? 1 : 2,
            AnnualReviewState.ReadyToCertify => 3,
            AnnualReviewState.ReopenRequested => 3,
            AnnualReviewState.Certified => 4,
            _ => 1,
        };
        if (!profileConfirmed && stage == 1) stage = 0;
        string[] labels = ["核对单位信息", "残疾人安置登记", "残联审核确认", "年审认证", "下载年审认证确认书"];
        var steps = labels.Select((label, i) => new DashboardStepDto(label, i == 0 ? profileConfirmed : i < stage, i == stage)).ToList();
        return new DashboardProgressDto(StateLabels.GetValueOrDefault(s.State, s.State.ToString()), s.WindowOpens, s.WindowCloses, s.WindowOpen,
            s.CertifiedCount, s.CertificateNumber, steps);
    }

    private static DashboardPlacementsDto? PlacementsOf(PlacementCountsDto? c)
    {
        if (c is null || c.Total == 0) return null;
        var byState = new List<DashboardCountDto>
        {
            new(nameof(PlacementState.Draft), PlacementStateLabels.Of(PlacementState.Draft), c.Draft),
            new(nameof(PlacementState.AwaitingReview), PlacementStateLabels.Of(PlacementState.AwaitingReview), c.AwaitingReview),
            new(nameof(PlacementState.Disputed), PlacementStateLabels.Of(PlacementState.Disputed), c.Disputed),
            new(nameof(PlacementState.Confirmed), PlacementStateLabels.Of(PlacementState.Confirmed), c.Confirmed),
            new(nameof(PlacementState.Returned), PlacementStateLabels.Of(PlacementState.Returned), c.Returned),
        };
        var byCategory = c.ByCategory.OrderBy(kv => kv.Key)
            .Select(kv => new DashboardCountDto(kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
                CategoryLabels.GetValueOrDefault(kv.Key, kv.Key == 0 ? "残疾军人" : "其他"), kv.Value))
            .ToList();
        return new DashboardPlacementsDto(c.Total, byState, byCategory);
    }
}
