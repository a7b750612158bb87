using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Domain;
using Declaration.Certification.Engine;
using Declaration.Certification.Features.Batch;
using Declaration.Certification.Infrastructure;
using Declaration.Units.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Certification;

/// <summary>
/// Certification owns the linkage data (certificates, social insurance, wages, minimum wages), the month-by-month engine and its
/// automatic results, and the nightly batch. Of a placement it keeps only what the engine needs (blind index, dates, contract, wage,
/// unit, year) and whether the result is locked; Placement hands those over synchronously (CertifyPlacement, LockCertificationResults,
/// ForgetPlacement) in its own transactions. It projects Units' facts (UnitProfileChanged, RelatedUnitsChanged) and publishes
/// CertificationResultChanged. The module's registration: the only public type besides its Contracts.
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
        services.AddScoped<Features.Results.StagedCertification>();
        services.AddScoped<Features.Results.PlacementAccess>();
        services.AddScoped<UnitProjection>();
        services.AddScoped<CertificationNightly>();
        services.AddScoped<IDemoDataSeeder, CertificationDemoData>();
        services.AddIntegrationEventHandler<UnitProfileChanged, UnitProfileChangedHandler>("certification");
        services.AddIntegrationEventHandler<RelatedUnitsChanged, RelatedUnitsChangedHandler>("certification");
        return services;
    }
}
