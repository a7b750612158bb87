using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Security;
using Declaration.Certification.Contracts;
using Declaration.Placement.Domain;
using Declaration.Placement.Features.Declare;
using Declaration.Placement.Features.Import;
using Declaration.Placement.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Placement;

/// <summary>
/// Placement owns the placements (declared persons) per unit-year, their state machine, dispute evidence and the bulk
/// declaration import. It offers GetPlacements, GetPlacementSummary, GetPlacementDetail and publishes PlacementSubmitted,
/// PlacementDisputed, PlacementWithdrawn, PlacementReopened; it consumes PlacementConfirmed, PlacementReturned,
/// AnnualReviewReopened and AnnualCertificationCompleted.
/// </summary>
public static class PlacementModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Placement", "placement", typeof(PlacementModule).Assembly, typeof(Contracts.PlacementContractsMarker).Assembly);

    public static IServiceCollection AddPlacementModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddEncryptedColumns("placement", "placement", "id_number_enc", "name_enc", "certificate_number_enc");
        services.AddScoped<PlacementStore>();
        services.AddScoped<PlacementWriter>();
        services.AddScoped<DeclarationWindow>();
        services.AddScoped<CertificationGateway>();
        services.AddScoped<PlacementImporter>();
        services.AddScoped<IDemoDataSeeder, PlacementDemoData>();
        services.AddIntegrationEventHandler<PlacementConfirmed, PlacementConfirmedHandler>("placement");
        services.AddIntegrationEventHandler<PlacementReturned, PlacementReturnedHandler>("placement");
        services.AddIntegrationEventHandler<AnnualReviewReopened, AnnualReviewReopenedHandler>("placement");
        services.AddIntegrationEventHandler<AnnualCertificationCompleted, AnnualCertificationCompletedHandler>("placement");
        return services;
    }
}
