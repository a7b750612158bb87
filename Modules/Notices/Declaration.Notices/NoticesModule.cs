using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Notices;

/// <summary>The Notices module's registration: the only public type besides its Contracts.</summary>
public static class NoticesModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Notices", "notices", typeof(NoticesModule).Assembly, typeof(Contracts.NoticesContractsMarker).Assembly);

    public static IServiceCollection AddNoticesModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        return services;
    }
}
