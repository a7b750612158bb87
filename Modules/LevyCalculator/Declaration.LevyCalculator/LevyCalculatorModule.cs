using Declaration.BuildingBlocks.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.LevyCalculator;

/// <summary>The LevyCalculator module's registration: the only public type besides its Contracts.</summary>
public static class LevyCalculatorModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("LevyCalculator", "levy", typeof(LevyCalculatorModule).Assembly, typeof(Contracts.LevyCalculatorContractsMarker).Assembly);

    public static IServiceCollection AddLevyCalculatorModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        return services;
    }
}
