using Declaration.AnnualReview.Contracts;
using Declaration.AnnualReview.Domain;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.AnnualReview.Infrastructure;

/// <summary>
/// seed-demo (after Placement's seeder): the 2025 declaration window runs until 2027-02-28 so that the demo works today, and
/// unit C (杭州市西湖区公共服务中心, all placements confirmed) certifies its 2025 year as its own clerk (demo3), so that there
/// is a certificate to download and verify. Units A and B stay in progress. Idempotent.
/// </summary>
internal sealed class AnnualReviewDemoData : IDemoDataSeeder
{
    public const int DemoYear = 2025;
    public const string UnitCCreditCode = "91330106MA2CDE0B2R";
    public int Order => 40;

    public async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var sender = services.GetRequiredService<ISender>();
        await sender.Send(new SetDeclarationWindow(DemoYear, new DateOnly(2026, 3, 1), new DateOnly(2027, 2, 28)), ct);

        var unit = await sender.Send(new GetUnitByCreditCode(UnitCCreditCode), ct);
        var account = await sender.Send(new FindAccount("demo3"), ct);
        if (unit is null || account is null) return;
        var status = await sender.Send(new GetAnnualReviewStatus(unit.Id, DemoYear), ct);
        if (status.State is AnnualReviewState.Certified or AnnualReviewState.ReopenRequested) return;

        // Placement's and Certification's events reach our projection asynchronously: wait until C's placements are all confirmed.
        var store = services.GetRequiredService<UnitYearStore>();
        // Wait up to 20 s while placements are still arriving, 3 s if none has arrived at all.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        PlacementCounts counts;
        while (true)
        {
            counts = await store.CountsAsync(unit.Id, DemoYear, ct);
            var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if ((counts.Total > 0 && counts.AllConfirmed) || waited > TimeSpan.FromSeconds(counts.Total == 0 ? 3 : 20)) break;
            await Task.Delay(250, ct);
        }

        if (counts.Total == 0 || !counts.AllConfirmed)
        {
            await Console.Error.WriteLineAsync($"演示数据：{unit.Name} {DemoYear}年度的安置信息尚未全部确认（{counts.Confirmed}/{counts.Total}），未进行年审认证");
            return;
        }

        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User =
            new ExplicitUser(account.Id.ToString(), account.DisplayName, Role.Employer, unit.Id);
        try
        {
            var issued = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CertifyAnnualReview(unit.Id, DemoYear), ct);
            await Console.Error.WriteLineAsync($"演示数据：{unit.Name} {DemoYear}年度已年审认证，证书编号 {issued.CertificateNumber}，核验码 {issued.ShortCode}");
        }
        catch (BusinessRuleException ex)
        {
            await Console.Error.WriteLineAsync($"演示数据：{unit.Name} {DemoYear}年度未能年审认证（{ex.Message}）");
        }
    }
}
