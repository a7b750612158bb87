using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Domain;
using Declaration.Certification.Engine;
using Declaration.Certification.Features.Batch;
using Declaration.Certification.Features.Review;
using Declaration.Certification.Infrastructure;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Certification;

/// <summary>
/// Certification owns linkage data, the month-by-month engine, review decisions and the nightly batch.
/// The module's registration: the only public type besides its Contracts.
/// </summary>
public static class CertificationModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Certification", "certification", typeof(CertificationModule).Assembly, typeof(Contracts.CertificationContractsMarker).Assembly);

    /// <summary>The nightly job's entry point (for the host's Hangfire job): re-certifies what changed, year by year.</summary>
    public static async Task RunNightlyAsync(IServiceProvider scopedServices, CancellationToken ct) =>
        await scopedServices.GetRequiredService<CertificationNightly>().RunAsync(ct);

    public static IServiceCollection AddCertificationModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddEncryptedColumns("certification", "certificate", "certificate_number_enc");
        services.AddSingleton<BatchHooks>();
        services.AddScoped<CertificationEngine>();
        services.AddScoped<ResultReader>();
        services.AddScoped<Features.Results.PlacementFactsStore>();
        services.AddScoped<ReviewAccess>();
        services.AddScoped<UnitProjection>();
        services.AddScoped<CertificationNightly>();
        services.AddScoped<IDemoDataSeeder, CertificationDemoData>();
        services.AddIntegrationEventHandler<UnitProfileChanged, UnitProfileChangedHandler>("certification");
        services.AddIntegrationEventHandler<RelatedUnitsChanged, RelatedUnitsChangedHandler>("certification");
        services.AddIntegrationEventHandler<PlacementSubmitted, PlacementSubmittedHandler>("certification");
        services.AddIntegrationEventHandler<PlacementDisputed, PlacementDisputedHandler>("certification");
        services.AddIntegrationEventHandler<PlacementWithdrawn, PlacementWithdrawnHandler>("certification");
        services.AddIntegrationEventHandler<PlacementReopened, PlacementReopenedHandler>("certification");
        return services;
    }
}
