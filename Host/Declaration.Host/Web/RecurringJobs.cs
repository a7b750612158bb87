namespace Declaration.Host.Web;

/// <summary>The recurring Hangfire jobs of the modules (cron from configuration).</summary>
internal static class RecurringJobs
{
    public static void Register(IServiceProvider services, IConfiguration configuration)
    {
        _ = services;
        _ = configuration;
    }
}
