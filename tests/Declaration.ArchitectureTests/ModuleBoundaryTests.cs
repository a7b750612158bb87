using System.Reflection;
using Declaration.BuildingBlocks.Data;
using Declaration.Host.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using FluentValidation;
using Mediator;
using NetArchTest.Rules;

namespace Declaration.ArchitectureTests;

/// <summary>The boundaries of ARCHITECTURE.md, as rules that fail when broken — and that fail when they look at nothing.</summary>
public sealed class ModuleBoundaryTests
{
    private static IReadOnlyList<ModuleDescriptor> Modules => DeclarationModules.All;

    private static readonly string[] ModuleNames = Modules.Select(m => m.Name).ToArray();

    private static IEnumerable<Type> TypesOf(Assembly assembly)
    {
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException ex) { types = ex.Types.Where(t => t is not null).ToArray()!; }
        return types.Where(t => t.Namespace is not null && !t.Name.StartsWith('<'));
    }

    [Test]
    public void EveryModule_IsRegistered_WithItsOwnAssemblies()
    {
        Assert.That(Modules, Has.Count.EqualTo(6));
        foreach (var m in Modules)
        {
            Assert.That(m.Assembly.GetName().Name, Is.EqualTo($"Declaration.{m.Name}"));
            Assert.That(m.ContractsAssembly.GetName().Name, Is.EqualTo($"Declaration.{m.Name}.Contracts"));
        }
    }

    [Test]
    public void AModule_ReferencesOnlyOtherModulesContracts()
    {
        foreach (var module in Modules)
        {
            var forbidden = ModuleNames.Where(n => n != module.Name).Select(n => $"Declaration.{n}").ToArray();
            var references = module.Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
            Assert.That(references.Intersect(forbidden), Is.Empty, $"{module.Name} references another module's internals");
            // Type-level check: no type of this module uses a type of another module's internals (by namespace or root type).
            var internals = Modules.Where(o => o.Name != module.Name).SelectMany(o => TypesOf(o.Assembly))
                .Select(t => t.Namespace == $"Declaration.{ModuleOf(t)}" ? t.FullName! : t.Namespace!)
                .Where(n => n is not null).Distinct().ToArray();
            Assert.That(internals, Is.Not.Empty, "a rule over nothing proves nothing");
            var result = Types.InAssembly(module.Assembly).ShouldNot().HaveDependencyOnAny(internals).GetResult();
            Assert.That(result.FailingTypeNames ?? [], Is.Empty, $"{module.Name} types depending on another module's non-Contracts namespace");
        }
    }

    /// <summary>
    /// The allowed arrows between modules (a module → the other modules whose Contracts it uses): Placement builds on Units,
    /// Certification (the engine) and AnnualReview (the declaration window); Certification on Units; AnnualReview on Units and
    /// Placement; Notices (texts and the home page) on every module it composes; LevyCalculator on Units. No arrow points back
    /// from Certification or Units.
    /// </summary>
    private static readonly Dictionary<string, string[]> AllowedArrows = new()
    {
        ["Units"] = [],
        ["Placement"] = ["Units", "Certification", "AnnualReview"],
        ["Certification"] = ["Units"],
        ["AnnualReview"] = ["Units", "Placement"],
        ["Notices"] = ["Units", "Placement", "Certification", "AnnualReview", "LevyCalculator"],
        ["LevyCalculator"] = ["Units"],
    };

    [Test]
    public void EachModule_ReferencesExactlyTheContractsItUses_AlongTheAllowedArrows()
    {
        Assert.That(AllowedArrows.Keys, Is.EquivalentTo(ModuleNames), "every module has its arrows pinned");
        foreach (var module in Modules)
        {
            var others = ModuleNames.Where(n => n != module.Name).ToList();
            // What the compiled module uses (the compiler drops references nothing uses) …
            var used = module.Assembly.GetReferencedAssemblies().Select(a => a.Name!)
                .Where(n => n.EndsWith(".Contracts", StringComparison.Ordinal)).Select(n => n["Declaration.".Length..^".Contracts".Length])
                .Where(others.Contains).Order().ToList();
            // … and what its project file references.
            var project = File.ReadAllText(Path.Combine(RepoRoot(), "Modules", module.Name, $"Declaration.{module.Name}", $"Declaration.{module.Name}.csproj"));
            var referenced = others.Where(o => project.Contains($"Declaration.{o}.Contracts.csproj", StringComparison.Ordinal)).Order().ToList();
            Assert.Multiple(() =>
            {
                Assert.That(used, Is.EqualTo(AllowedArrows[module.Name].Order().ToList()), $"{module.Name} uses the Contracts of");
                Assert.That(referenced, Is.EqualTo(used), $"{module.Name}'s project references Contracts it does not use (or misses one)");
            });
        }
    }

    [Test]
    public void NoTwoModules_SubscribeToEachOthersEvents()
    {
        // State copied between two modules by events in both directions drifts apart when one event is lost or late: each pair of
        // modules talks by events in one direction at most (the other direction, if any, is a synchronous request in one transaction).
        var services = new ServiceCollection();
        services.AddDeclarationCore(new ConfigurationBuilder().Build(), "Host=localhost");
        using var provider = services.BuildServiceProvider();
        var types = provider.GetRequiredService<Declaration.BuildingBlocks.Messaging.EventTypeMap>();
        var arrows = provider.GetServices<Declaration.BuildingBlocks.Messaging.IntegrationEventSubscription>()
            .Select(s => (Publisher: types.SchemaOf(s.EventType), Subscriber: s.Schema))
            .Where(a => a.Publisher != a.Subscriber).Distinct().ToList();
        Assert.That(arrows, Is.Not.Empty, "a rule over nothing proves nothing");
        var both = arrows.Where(a => arrows.Contains((a.Subscriber, a.Publisher))).ToList();
        Assert.That(both, Is.Empty, "modules subscribing to each other's events");
    }

    [Test]
    public void TheDependencyRule_CanFail_OnTheHostWhichComposesModules()
    {
        // The host may use module registrations; the same check must flag it, or the rule above proves nothing.
        var units = TypesOf(Modules[0].Assembly).Select(t => t.Namespace == "Declaration.Units" ? t.FullName! : t.Namespace!).Distinct().ToArray();
        var result = Types.InAssembly(typeof(DeclarationModules).Assembly).ShouldNot().HaveDependencyOnAny(units).GetResult();
        Assert.That(result.IsSuccessful, Is.False, string.Join(",", units));
    }

    [Test]
    public void AContractsAssembly_ReferencesNothingButBuildingBlocksAndAbstractions()
    {
        var allowed = new[] { "Declaration.BuildingBlocks", "Mediator", "System.Runtime", "System.Private.CoreLib", "netstandard", "System.Collections", "System.Linq" };
        foreach (var module in Modules)
        {
            var references = module.ContractsAssembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
            Assert.That(references, Is.Not.Empty);
            Assert.That(references.Where(r => !allowed.Contains(r) && !r.StartsWith("System.", StringComparison.Ordinal)), Is.Empty,
                $"{module.Name}.Contracts references something beyond BuildingBlocks abstractions");
        }
    }

    [Test]
    public void HandlersAndValidators_AreNotPublic()
    {
        var handlerInterfaces = new[] { typeof(IRequestHandler<,>), typeof(ICommandHandler<,>), typeof(IQueryHandler<,>) };
        var handlers = Modules.SelectMany(m => TypesOf(m.Assembly))
            .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && handlerInterfaces.Contains(i.GetGenericTypeDefinition())))
            .ToList();
        var validators = Modules.SelectMany(m => TypesOf(m.Assembly)).Where(t => typeof(IValidator).IsAssignableFrom(t) && !t.IsAbstract).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(handlers, Is.Not.Empty, "a rule over nothing proves nothing");
            Assert.That(validators, Is.Not.Empty, "a rule over nothing proves nothing");
            Assert.That(handlers.Where(t => t.IsPublic).Select(t => t.FullName), Is.Empty);
            Assert.That(validators.Where(t => t.IsPublic).Select(t => t.FullName), Is.Empty);
        });
    }

    [Test]
    public void AModule_ExposesNothingPublicButItsRegistration()
    {
        foreach (var module in Modules)
        {
            var publicTypes = TypesOf(module.Assembly).Where(t => t.IsPublic).Select(t => t.Name).ToList();
            Assert.That(publicTypes, Is.EqualTo(new[] { $"{module.Name}Module" }), $"{module.Name} publishes more than its registration");
        }
    }

    [Test]
    public void ContractsHoldNoHandlers()
    {
        var handlerInterfaces = new[] { typeof(IRequestHandler<,>), typeof(ICommandHandler<,>), typeof(IQueryHandler<,>) };
        var contractTypes = Modules.SelectMany(m => TypesOf(m.ContractsAssembly)).ToList();
        Assert.That(contractTypes, Is.Not.Empty);
        Assert.That(contractTypes.Where(t => t.GetInterfaces().Any(i => i.IsGenericType && handlerInterfaces.Contains(i.GetGenericTypeDefinition()))), Is.Empty);
    }

    [Test]
    public void NoCodeReadsTheWallClockDirectly()
    {
        // TimeProvider is injected everywhere (tests use a fake clock); DateTime.Now/UtcNow in module code is a bug.
        var offenders = new List<string>();
        foreach (var module in Modules)
        {
            var dir = Path.Combine(RepoRoot(), "Modules", module.Name, $"Declaration.{module.Name}");
            foreach (var file in Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal)))
            {
                var text = File.ReadAllText(file);
                if (text.Contains("DateTime.Now", StringComparison.Ordinal) || text.Contains("DateTime.UtcNow", StringComparison.Ordinal) ||
                    text.Contains("DateTimeOffset.Now", StringComparison.Ordinal) || text.Contains("DateTimeOffset.UtcNow", StringComparison.Ordinal))
                    offenders.Add(Path.GetFileName(file));
            }
        }
        Assert.That(offenders, Is.Empty);
    }

    private static string ModuleOf(Type t) => t.Assembly.GetName().Name!["Declaration.".Length..];

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Declaration.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
