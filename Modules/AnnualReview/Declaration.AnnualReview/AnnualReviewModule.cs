using Declaration.AnnualReview.Domain;
using Declaration.AnnualReview.Features.Certify;
using Declaration.AnnualReview.Features.Projection;
using Declaration.AnnualReview.Infrastructure;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Placement.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Declaration.AnnualReview;

/// <summary>
/// AnnualReview owns the unit-year state machine of RULES.md §6, the commitment letter, the certificate PDF, reopen
/// requests and the tax export. It offers GetAnnualReviewStatus, CheckDeclarationOpen, EnsureDeclarationOpenAtCommit,
/// VerifyCertificate and publishes AnnualCertificationCompleted, AnnualReviewReopened, ReopenRequestDecided.
/// </summary>
public static class AnnualReviewModule
{
    public const string Schema = "annual_review";

    public static ModuleDescriptor Descriptor { get; } =
        new("AnnualReview", Schema, typeof(AnnualReviewModule).Assembly, typeof(Contracts.AnnualReviewContractsMarker).Assembly);

    public static IServiceCollection AddAnnualReviewModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.Configure<AnnualReviewOptions>(configuration.GetSection(AnnualReviewOptions.Section));
        services.PostConfigure<AnnualReviewOptions>(o => o.PublicBaseUrl ??= configuration["Declaration:Url"] ?? "http://127.0.0.1:5080");
        services.AddScoped<UnitYearStore>();
        services.AddScoped<DeclarationWindows>();
        services.AddScoped<PlacementProjection>();
        services.TryAddScoped<IAnnualReviewInputs, ContractInputs>();
        services.AddScoped<CertificationGate>();
        services.AddScoped<IDemoDataSeeder, AnnualReviewDemoData>();
        services.AddIntegrationEventHandler<PlacementDeclared, OnPlacementDeclared>(Schema);
        services.AddIntegrationEventHandler<PlacementSubmitted, OnPlacementSubmitted>(Schema);
        services.AddIntegrationEventHandler<PlacementDisputed, OnPlacementDisputed>(Schema);
        services.AddIntegrationEventHandler<PlacementWithdrawn, OnPlacementWithdrawn>(Schema);
        services.AddIntegrationEventHandler<PlacementReopened, OnPlacementReopened>(Schema);
        services.AddIntegrationEventHandler<PlacementConfirmed, OnPlacementConfirmed>(Schema);
        services.AddIntegrationEventHandler<PlacementReturned, OnPlacementReturned>(Schema);
        return services;
    }
}
