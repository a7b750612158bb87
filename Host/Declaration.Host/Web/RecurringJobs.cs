using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Domain;
using Hangfire;

namespace Declaration.Host.Web;

/// <summary>The recurring Hangfire jobs of the modules (cron from configuration).</summary>
internal static class RecurringJobs
{
    public static void Register(IServiceProvider services, IConfiguration configuration)
    {
        var manager = services.GetRequiredService<IRecurringJobManager>();
        manager.AddOrUpdate<CertificationNightlyJob>("certification-nightly", job => job.RunAsync(CancellationToken.None),
            configuration["Declaration:Certification:NightlyCron"] ?? "0 2 * * *",
            new RecurringJobOptions { TimeZone = ChinaZone() });
        manager.AddOrUpdate<StagedUploadCleanupJob>("staged-upload-cleanup", job => job.RunAsync(CancellationToken.None), Cron.Hourly());
        manager.AddOrUpdate<UnitStampCompactionJob>("unit-stamp-compaction", job => job.RunAsync(CancellationToken.None), Cron.Hourly());
        manager.AddOrUpdate<CertificateExpiryJob>("certificate-expiry-alerts", job => job.RunAsync(CancellationToken.None),
            configuration["Declaration:Placement:ExpiryAlertCron"] ?? "0 8 * * *", new RecurringJobOptions { TimeZone = ChinaZone() });
    }

    private static TimeZoneInfo ChinaZone()
    {
        try { return TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"); }
        catch (TimeZoneNotFoundException) { return ChinaTime.Zone; }
    }
}

/// <summary>Nightly: re-certifies unconfirmed placements whose linkage data changed (chunked by unit, resumable).</summary>
public sealed class CertificationNightlyJob(IServiceScopeFactory scopes)
{
    [DisableConcurrentExecution(timeoutInSeconds: 3600)]
    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateSystemScope();
        await Certification.CertificationModule.RunNightlyAsync(scope.ServiceProvider, ct);
    }
}

/// <summary>Hourly: removes expired staged uploads (批量申报 files never confirmed) and their stored files.</summary>
public sealed class StagedUploadCleanupJob(IServiceScopeFactory scopes)
{
    [AutomaticRetry(Attempts = 1)]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Declaration.BuildingBlocks.Files.IUploadStash>().PurgeExpiredAsync(ct);
    }
}

/// <summary>Hourly: each unit's stamp rows (one per changing statement) folded into one row of the same sum (IUnitStamps).</summary>
public sealed class UnitStampCompactionJob(IServiceScopeFactory scopes)
{
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 1)]
    public async Task<long> RunAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Declaration.BuildingBlocks.Data.IUnitStamps>().CompactAsync(ct);
    }
}

/// <summary>Daily: one SMS per declared person and certificate expiry date (Placement records each once; Notices texts).</summary>
public sealed class CertificateExpiryJob(IServiceScopeFactory scopes)
{
    [DisableConcurrentExecution(timeoutInSeconds: 600)]
    [AutomaticRetry(Attempts = 3)]
    public async Task<int> RunAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentUserHolder>().User = new SystemUser();
        return await scope.ServiceProvider.GetRequiredService<Mediator.ISender>().Send(new Placement.Contracts.SendCertificateExpiryAlerts(), ct);
    }
}
