using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Host.Web;
using Declaration.Placement.Contracts;
using Microsoft.AspNetCore.Mvc;

namespace Declaration.Host.Pages.Admin;

/// <summary>
/// 事件投递: where every module's events stand (unsent, pending, retrying, parked), the deliveries that failed with their errors,
/// re-driving them one by one or all at once (audited), and the consistency check of every placement's copies.
/// </summary>
public sealed class DeliveriesModel(Deliveries deliveries, IAuditLog audit, IDbSession db) : AppPageModel
{
    public IReadOnlyList<DeliveryStats> Stats { get; private set; } = [];
    public IReadOnlyList<DeliveryIssue> Issues { get; private set; } = [];
    public PlacementConsistencyReport? Consistency { get; private set; }

    [BindProperty(SupportsGet = true)] public bool Check { get; set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        Stats = await deliveries.StatsAsync(ct);
        Issues = await deliveries.IssuesAsync(200, ct);
        if (Check) Consistency = await Sender.Send(new CheckPlacementConsistency(200), ct);
    }

    public async Task<IActionResult> OnPostRedriveAsync(string schema, string queue, long id, CancellationToken ct)
    {
        var done = await deliveries.RedriveAsync(schema, queue, id, ct);
        await AuditAsync("重新投递事件", new { schema, queue, id, done }, ct);
        Flash = done ? "已重新投递，稍后将再次尝试处理。" : "未找到该投递记录（可能已处理完成）。";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRedriveAllAsync(CancellationToken ct)
    {
        var count = await deliveries.RedriveAllParkedAsync(ct);
        await AuditAsync("重新投递全部已搁置事件", new { count }, ct);
        Flash = count == 0 ? "没有已搁置的投递。" : $"已重新投递 {count} 条已搁置的投递。";
        return RedirectToPage();
    }

    private async Task AuditAsync(string action, object after, CancellationToken ct)
    {
        await db.BeginAsync(ct);
        await audit.RecordAsync("Platform", "Delivery", "deliveries", null, action, null, after, ct);
        await db.CommitAsync(ct);
    }

    public static string Short(string name) => name.Length == 0 ? "—" : name[(name.LastIndexOf('.') + 1)..];

    public static string ModuleLabel(string schema) => schema switch
    {
        "units" => "单位", "placement" => "安置", "certification" => "联网认证", "annual_review" => "年审认证", "notices" => "通知公告",
        "levy" => "残保金", _ => schema,
    };
}
