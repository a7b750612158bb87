using System.Reflection;

namespace Declaration.BuildingBlocks.Data;

/// <summary>What the platform must know of a module: its schema, its assembly (migrations) and its contracts (events).</summary>
public sealed record ModuleDescriptor(string Name, string Schema, Assembly Assembly, Assembly ContractsAssembly);

/// <summary>Runs once after migrations (and after each test reset): idempotent reference data.</summary>
public interface IModuleSeeder
{
    Task SeedAsync(IDbSession db, CancellationToken ct);
}
