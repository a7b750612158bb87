using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Placement;

/// <summary>The Placement module's registration: the only public type besides its Contracts.</summary>
public static class PlacementModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Placement", "placement", typeof(PlacementModule).Assembly, typeof(Contracts.PlacementContractsMarker).Assembly);

    public static IServiceCollection AddPlacementModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        return services;
    }
}
