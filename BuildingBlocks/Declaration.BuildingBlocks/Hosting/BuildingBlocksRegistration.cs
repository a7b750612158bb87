using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Files;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.BuildingBlocks.Templates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Declaration.BuildingBlocks.Hosting;

public static class BuildingBlocksRegistration
{
    /// <summary>The platform services every module uses: one data source, the scoped session, outbox, audit, files, PII.</summary>
    public static IServiceCollection AddBuildingBlocks(this IServiceCollection services, IConfiguration configuration, string connectionString)
    {
        DapperTypeHandlers.Register();
        services.AddSingleton(_ => DataSource(connectionString));
        services.AddScoped<IDbSession, DbSession>();
        services.AddScoped<Application.RequestPreloads>();
        services.AddScoped<IUnitStamps, UnitStamps>();
        services.Configure<DatabaseOptions>(configuration.GetSection("Declaration:Database"));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EventTypeMap>();
        services.AddScoped<IOutbox, Outbox>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<SubscriptionMap>();
        services.TryAddSingleton<IEventTransport, DatabaseTransport>();
        services.AddSingleton<OutboxRelay>();
        services.AddSingleton<InboxProcessor>();
        services.AddSingleton<Deliveries>();
        services.Configure<MessagingOptions>(configuration.GetSection("Declaration:Messaging"));
        services.AddScoped<IAuditLog, AuditLog>();
        services.AddFileStorage(configuration);
        services.Configure<PersonalDataOptions>(configuration.GetSection("Declaration:PersonalData"));
        services.AddSingleton<IPersonalDataProtector, PersonalDataProtector>();
        services.AddSingleton<KeyCheck>();
        services.AddSingleton<KeyRotation>();
        services.AddSingleton<Observability.OutboxBacklog>();
        services.AddSingleton<TemplateRenderer>();
        services.AddSingleton<MigrationRunner>();
        services.AddScoped<Csv.ImportHistory>();
        services.AddScoped<Csv.ImportJobs>();
        services.AddScoped<Csv.TabularImport>();
        return services;
    }

    /// <summary>
    /// The one data source. Statements a connection runs again and again are prepared on it by Npgsql (parsed once per connection; a
    /// prepared statement whose result shape a migration changed fails once and is prepared again), and PostgreSQL plans every run for
    /// its parameters (<c>force_custom_plan</c>): a generic plan for the optional filters of the list pages was found to be slower by
    /// orders of magnitude. The statements that want the generic plan say so (<c>SET LOCAL</c>, the certification engine's).
    /// </summary>
    public static NpgsqlDataSource DataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var cs = builder.ConnectionStringBuilder;
        if (cs.MaxAutoPrepare == 0) cs.MaxAutoPrepare = 200;
        cs.AutoPrepareMinUsages = Math.Min(cs.AutoPrepareMinUsages, 3);
        if (cs.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
            cs.Options = $"{cs.Options} -c plan_cache_mode=force_custom_plan".Trim();
        return builder.Build();
    }
}
