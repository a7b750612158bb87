using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Certification;

/// <summary>The Certification module's registration: the only public type besides its Contracts.</summary>
public static class CertificationModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Certification", "certification", typeof(CertificationModule).Assembly, typeof(Contracts.CertificationContractsMarker).Assembly);

    public static IServiceCollection AddCertificationModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        return services;
    }
}
