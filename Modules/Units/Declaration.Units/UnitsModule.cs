using Declaration.BuildingBlocks.Data;
using Declaration.Units.Domain;
using Declaration.Units.Features.RelatedUnits;
using Declaration.Units.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Units;

/// <summary>
/// Units owns unit profiles, related units (and their evidence), the unit registry import and the accounts bound to units.
/// It offers GetUnit, CheckUnitAccess, GetRelatedUnits, GetUnitsInJurisdiction and publishes UnitProfileChanged, RelatedUnitsChanged.
/// </summary>
public static class UnitsModule
{
    public static ModuleDescriptor Descriptor { get; } =
        new("Units", "units", typeof(UnitsModule).Assembly, typeof(Contracts.UnitsContractsMarker).Assembly);

    public static IServiceCollection AddUnitsModule(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(Descriptor);
        services.AddScoped<UnitAccess>();
        services.AddScoped<Features.Accounts.AccountStore>();
        services.AddSingleton(new AccountSessions(configuration.GetValue("Declaration:Security:SessionCheckInterval", TimeSpan.FromSeconds(10))));
        services.AddScoped<UnitEvents>();
        services.AddScoped<RelatedUnitStore>();
        services.AddScoped<IDemoDataSeeder, UnitsDemoData>();
        return services;
    }
}
