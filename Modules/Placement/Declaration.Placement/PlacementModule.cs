using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Placement.Domain;
using Declaration.Placement.Features.Import;
using Declaration.Placement.Features.Projections;
using Declaration.Placement.Features.Results;
using Declaration.Placement.Features.Review;
using Declaration.Placement.Infrastructure;
using Declaration.Units.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Placement;

/// <summary>
/// Placement owns the placements (declared persons) per unit-year: the declared facts and personal data (the only copy), the state
/// machine, disputes and their evidence, the reviewer's month decisions and the confirmation, and the bulk declaration import.
/// It hands the engine's facts to Certification synchronously (CertifyPlacement, LockCertificationResults, ForgetPlacement, inside
/// its own transactions) and publishes every state change with the placement's version (PlacementDeclared, PlacementReopened,
/// PlacementSubmitted, PlacementDisputed, PlacementConfirmed, PlacementReturned, PlacementWithdrawn) and DisputeDecided. It projects
/// Units' profile (for the review queue) and Certification's CertificationResultChanged (the result summary), each in version order.
/// </summary>
public static class PlacementModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Placement", "placement", typeof(PlacementModule).Assembly, typeof(Contracts.PlacementContractsMarker).Assembly);

    public static IServiceCollection AddPlacementModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddEncryptedColumns("placement", "placement", "id_number_enc", "name_enc", "certificate_number_enc");
        services.AddSingleton<Features.Review.ReviewQueueCache>();
        services.AddScoped<PlacementStore>();
        services.AddScoped<PlacementWriter>();
        services.AddScoped<DeclarationWindow>();
        services.AddScoped<CertificationGateway>();
        services.AddScoped<ResultProjection>();
        services.AddScoped<PlacementImporter>();
        services.AddScoped<UnitProjection>();
        services.AddScoped<ReviewAccess>();
        services.AddScoped<Confirmation>();
        services.AddScoped<ResultComposer>();
        services.AddScoped<IDemoDataSeeder, PlacementDemoData>();
        services.AddIntegrationEventHandler<UnitProfileChanged, UnitProfileChangedHandler>("placement");
        services.AddIntegrationEventHandler<CertificationResultChanged, CertificationResultChangedHandler>("placement");
        return services;
    }
}
