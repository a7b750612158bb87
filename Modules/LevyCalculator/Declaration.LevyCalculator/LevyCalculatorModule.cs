using Declaration.BuildingBlocks.Data;
using Declaration.LevyCalculator.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.LevyCalculator;

/// <summary>
/// LevyCalculator owns the levy's policy parameters (schema <c>levy</c>, per business year and region) and the formula of
/// RULES.md §7. It offers CalculateLevy and the administrators' parameter requests; it publishes nothing.
/// </summary>
public static class LevyCalculatorModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("LevyCalculator", "levy", typeof(LevyCalculatorModule).Assembly, typeof(Contracts.LevyCalculatorContractsMarker).Assembly);

    public static IServiceCollection AddLevyCalculatorModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddScoped<ParameterStore>();
        services.AddScoped<IModuleSeeder, ZhejiangDefaults>();
        return services;
    }
}
