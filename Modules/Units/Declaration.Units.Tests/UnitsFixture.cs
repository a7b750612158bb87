using System.Text;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.TestSupport;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Units.Tests;

[SetUpFixture]
public sealed class UnitsFixture
{
    public static TestApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => App = await ModuleTestApp.StartAsync("units_tests",
        services => services.AddIntegrationEventHandler<UnitProfileChanged, CountingProfileHandler>("units")
            .AddIntegrationEventHandler<UnitProfileChanged, FlakyProfileHandler>("units"));

    [OneTimeTearDown]
    public async Task StopAsync() => await App.DisposeAsync();
}

/// <summary>
/// Counts deliveries of UnitProfileChanged (through the inbox) per unit that took effect: counted when the delivery's transaction
/// commits, as a handler's changes in the database would be (a batch rolled back and applied again counts once).
/// </summary>
internal sealed class CountingProfileHandler(IDbSession db) : IIntegrationEventHandler<UnitProfileChanged>
{
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, int> Handled = new();

    public Task HandleAsync(UnitProfileChanged @event, CancellationToken ct)
    {
        db.AfterCommit(() => Handled.AddOrUpdate(@event.UnitId, 1, (_, n) => n + 1));
        return Task.CompletedTask;
    }
}

/// <summary>Fails for the units listed in <see cref="Failing"/> (a handler with a bug, or a dependency down); counts the others (at commit).</summary>
internal sealed class FlakyProfileHandler(IDbSession db) : IIntegrationEventHandler<UnitProfileChanged>
{
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> Failing = new();
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, int> Handled = new();

    public Task HandleAsync(UnitProfileChanged @event, CancellationToken ct)
    {
        if (Failing.ContainsKey(@event.UnitId)) throw new InvalidOperationException($"模拟故障：单位 {@event.UnitId} 的处理失败");
        db.AfterCommit(() => Handled.AddOrUpdate(@event.UnitId, 1, (_, n) => n + 1));
        return Task.CompletedTask;
    }
}

/// <summary>Test data: two units in Hangzhou 西湖 (3301) and one in Ningbo (3302).</summary>
internal static class Seed
{
    public const string UnitA = "91330106MA2CDE0A1M";
    public const string UnitB = "91330212MA2CDE0C3Q";
    public const string UnitC = "91330106MA2CDE0B2R";
    public const string Dispatch = "91330108MA2CDE0D4Y";

    public const string Header = "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address";

    public static string Row(string code, string name, string region) =>
        $"{code},{name},enterprise,{region},{region},TAX{region},法人{name[..1]},0571-87001234,经办人,13800571234,地址";

    public static MemoryStream Csv(params string[] lines) => new(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));

    public static async Task<(UnitDto A, UnitDto B)> TwoUnitsAsync(TestApp app)
    {
        await app.SendAsync(TestUsers.System, new ImportUnits(Csv(Header, Row(UnitA, "甲公司", "330106"), Row(UnitB, "乙公司", "330212"), Row(UnitC, "丙中心", "330106"))));
        var a = await app.SendAsync(TestUsers.System, new GetUnitByCreditCode(UnitA));
        var b = await app.SendAsync(TestUsers.System, new GetUnitByCreditCode(UnitB));
        return (a!, b!);
    }

    public static UpdateUnitProfile Edit(UnitDto u) => new(u.Id, u.Version, u.Name, u.UnitType, u.LegalRepresentative, u.LegalPhone, u.ContactName,
        u.ContactMobile, u.Address);

    public static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
}
