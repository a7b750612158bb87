using System.Globalization;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;

namespace Declaration.Host.Cli;

/// <summary>
/// Operating the event delivery from the command line: <c>check-consistency</c> (every placement's copies, and every undelivered or
/// parked event; exit 1 when any), <c>deliveries</c> (where deliveries stand; exit 1 when any is parked) and <c>redrive</c>.
/// </summary>
internal static class DeliveryVerbs
{
    public static void Register()
    {
        CommandLine.Register("check-consistency", CheckConsistencyAsync);
        CommandLine.Register("deliveries", ListAsync);
        CommandLine.Register("redrive", RedriveAsync);
    }

    /// <summary>
    /// <c>check-consistency [--grace SECONDS]</c>: undelivered events younger than the grace period (default 60 s: in flight on a
    /// live system) are not counted; parked ones always are.
    /// </summary>
    private static async Task<int> CheckConsistencyAsync(CliContext context)
    {
        var grace = TimeSpan.FromSeconds(context.Option("--grace") is { } g
            ? int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : throw new CliUsageException("--grace 应为秒数")
            : 60);
        await Console.Error.WriteLineAsync("正在核对各模块的安置人员数据和事件投递……");
        var report = (PlacementConsistencyReport)(await context.SendAsync(new CheckPlacementConsistency(int.MaxValue)))!;
        foreach (var x in report.Inconsistencies)
            Console.WriteLine($"placement {x.PlacementId} unit {x.UnitId} year {x.BusinessYear} [{x.Where}] {x.What}");
        var deliveries = context.Services.GetRequiredService<Deliveries>();
        var now = context.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        long undelivered = 0, parked = 0;
        foreach (var s in await deliveries.StatsAsync(CancellationToken.None))
        {
            var late = (s.OldestOutboxPending is { } o && now - o >= grace) || (s.OldestInboxPending is { } i && now - i >= grace);
            if (late)
            {
                undelivered += s.OutboxPending + s.InboxPending;
                Console.WriteLine($"deliveries {s.Schema}: {s.OutboxPending} unsent, {s.InboxPending} unprocessed ({s.InboxRetrying} retrying)");
            }
            if (s.OutboxParked + s.InboxParked > 0)
            {
                parked += s.OutboxParked + s.InboxParked;
                Console.WriteLine($"deliveries {s.Schema}: {s.OutboxParked + s.InboxParked} parked");
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"check-consistency: {report.PlacementsChecked} placements checked, {report.InconsistentCount} inconsistencies, {undelivered} undelivered, {parked} parked"));
        return report.InconsistentCount + undelivered + parked == 0 ? 0 : 1;
    }

    /// <summary><c>deliveries</c>: each module's unsent, pending, retrying and parked deliveries, and the failures with their errors.</summary>
    private static async Task<int> ListAsync(CliContext context)
    {
        var deliveries = context.Services.GetRequiredService<Deliveries>();
        foreach (var s in await deliveries.StatsAsync(CancellationToken.None))
            Console.WriteLine($"{s.Schema}: outbox {s.OutboxPending} unsent, {s.OutboxParked} parked; inbox {s.InboxPending} pending ({s.InboxRetrying} retrying), {s.InboxParked} parked");
        var issues = await deliveries.IssuesAsync(1000, CancellationToken.None);
        foreach (var i in issues)
            Console.WriteLine($"{(i.Parked ? "parked" : "retrying")} {i.Schema} {i.Queue} {i.Id} {i.Type} → {i.Consumer} attempts {i.Attempts}: {i.LastError}");
        return issues.Any(i => i.Parked) ? 1 : 0;
    }

    /// <summary><c>redrive --all</c> (every parked delivery) or <c>redrive &lt;schema&gt; &lt;inbox|outbox&gt; &lt;id&gt;</c> (one, as <c>deliveries</c> lists it).</summary>
    private static async Task<int> RedriveAsync(CliContext context)
    {
        var deliveries = context.Services.GetRequiredService<Deliveries>();
        if (context.Args.Contains("--all"))
        {
            var count = await deliveries.RedriveAllParkedAsync(CancellationToken.None);
            Console.WriteLine($"redrive: {count} parked deliveries put back");
            return 0;
        }
        if (context.Args.Length < 4 || !long.TryParse(context.Args[3], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            throw new CliUsageException("用法：redrive --all，或 redrive <schema> <inbox|outbox> <id>（见 deliveries 的输出）");
        var done = await deliveries.RedriveAsync(context.Args[1], context.Args[2], id, CancellationToken.None);
        if (!done) throw new CliUsageException("未找到该投递记录（可能已处理完成）");
        Console.WriteLine($"redrive: {context.Args[1]} {context.Args[2]} {id} put back");
        return 0;
    }
}
