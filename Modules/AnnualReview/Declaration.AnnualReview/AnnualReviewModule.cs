using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.AnnualReview;

/// <summary>The AnnualReview module's registration: the only public type besides its Contracts.</summary>
public static class AnnualReviewModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("AnnualReview", "annual_review", typeof(AnnualReviewModule).Assembly, typeof(Contracts.AnnualReviewContractsMarker).Assembly);

    public static IServiceCollection AddAnnualReviewModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        return services;
    }
}
