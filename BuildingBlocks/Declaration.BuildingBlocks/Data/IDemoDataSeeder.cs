namespace Declaration.BuildingBlocks.Data;

/// <summary>A module's part of <c>seed-demo</c>: idempotent demo data, written through the module's own commands.</summary>
public interface IDemoDataSeeder
{
    /// <summary>Lower runs first (units before placements before certification).</summary>
    int Order { get; }
    Task SeedAsync(IServiceProvider services, CancellationToken ct);
}
