using Declaration.AnnualReview;
using Declaration.BuildingBlocks.Data;
using Declaration.Certification;
using Declaration.LevyCalculator;
using Declaration.Notices;
using Declaration.Placement;
using Declaration.Units;

namespace Declaration.Host.Infrastructure;

/// <summary>The six bounded contexts, in dependency order (migrations run in this order).</summary>
public static class DeclarationModules
{
    public static IReadOnlyList<ModuleDescriptor> All { get; } =
    [
        UnitsModule.Descriptor, PlacementModule.Descriptor, CertificationModule.Descriptor,
        AnnualReviewModule.Descriptor, NoticesModule.Descriptor, LevyCalculatorModule.Descriptor,
    ];

    public static IServiceCollection AddModules(this IServiceCollection services, IConfiguration configuration) => services
        .AddUnitsModule(configuration)
        .AddPlacementModule(configuration)
        .AddCertificationModule(configuration)
        .AddAnnualReviewModule(configuration)
        .AddNoticesModule(configuration)
        .AddLevyCalculatorModule(configuration);
}
