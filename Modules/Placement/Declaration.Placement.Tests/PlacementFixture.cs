using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.Placement.Contracts;
using Declaration.TestSupport;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Placement.Tests;

[SetUpFixture]
public sealed class PlacementFixture
{
    public static TestApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => LinkageData.Current = App = await ModuleTestApp.StartAsync("placement_tests",
        services => services.AddIntegrationEventHandler<PlacementCertified, PlacementCertifiedSubscriber>("placement"));

    [OneTimeTearDown]
    public async Task StopAsync() => await App.DisposeAsync();
}

/// <summary>
/// Test data: unit A (杭州西湖, federation 330106), unit B (宁波鄞州, 330212); linkage data that makes a person qualify all of 2025
/// at A (certificate, pension and wages paid by A, minimum wages).
/// </summary>
internal static class Seed
{
    public const string UnitA = "91330106MA2CDE0A1M";
    public const string UnitB = "91330212MA2CDE0C3Q";
    public const int Year = 2025;

    /// <summary>A man born 1990-03-07 (RULES.md test vector) and his level-2 physical-disability certificate.</summary>
    public const string Man = "330102199003072516";
    public const string ManCertificate = "33010219900307251642";
    /// <summary>A woman born 1992-03-15.</summary>
    public const string Woman = "330106199203150027";
    public const string WomanCertificate = "33010619920315002743";

    public static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");

    public static MemoryStream Csv(params string[] lines) => new(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));

    public static async Task<(UnitDto A, UnitDto B)> UnitsAsync(TestApp app, bool linkage = true)
    {
        const string header = "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile";
        await app.SendAsync(TestUsers.System, new ImportUnits(Csv(header,
            $"{UnitA},甲公司,enterprise,330106,330106,T330106,法人甲,0571-87001234,经办人,13800571234",
            $"{UnitB},乙公司,enterprise,330212,330212,T330212,法人乙,0574-87001234,经办人,13800574321")));
        var a = await app.SendAsync(TestUsers.System, new GetUnitByCreditCode(UnitA));
        var b = await app.SendAsync(TestUsers.System, new GetUnitByCreditCode(UnitB));
        if (linkage) await LinkageAsync(app);
        return (a!, b!);
    }

    /// <summary>Both persons qualify every month of 2025 at unit A (certificates, pension and wages paid by A).</summary>
    public static async Task LinkageAsync(TestApp app)
    {
        await app.SendAsync(TestUsers.System, new ImportLinkageData("minimum-wages", Csv("region_code,effective_from,monthly_minimum",
            "330000,2024-01-01,2280", "330100,2025-01-01,2490", "330200,2025-01-01,2490")));
        await app.SendAsync(TestUsers.System, new ImportLinkageData("certificates", Csv(
            "id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on",
            $"{Man},张三,disability,{ManCertificate},4,2,2015-01-01,,",
            $"{Woman},李四,disability,{WomanCertificate},4,3,2015-01-01,,")));
        var si = new List<string> { "id_number,payer_credit_code,month,insurance_type,paid" };
        var wages = new List<string> { "id_number,payer_credit_code,month,gross_wage" };
        foreach (var id in new[] { Man, Woman })
            for (var m = 1; m <= 12; m++)
            {
                si.Add($"{id},{UnitA},{Year}-{m:00},pension,1");
                wages.Add($"{id},{UnitA},{Year}-{m:00},5000");
            }
        await app.SendAsync(TestUsers.System, new ImportLinkageData("social-insurance", Csv([.. si])));
        await app.SendAsync(TestUsers.System, new ImportLinkageData("wages", Csv([.. wages])));
    }

    public static DeclarePlacement Declare(Guid unitId, string id = Man, string certificate = ManCertificate, string name = "张三") =>
        new(unitId, Year, id, name, CertificateTypes.Disability, certificate, new DateOnly(2024, 1, 1), null, ContractTypes.OpenEnded,
            new DateOnly(2024, 1, 1), null, 5000m, false, "13800000000");

    public static EditPlacement Edit(PlacementSaved saved, DeclarePlacement d) =>
        new(saved.PlacementId, saved.Version, d.IdNumber, d.Name, d.CertificateType, d.CertificateNumber, d.EmploymentStart, d.EmploymentEnd,
            d.ContractType, d.ContractStart, d.ContractEnd, d.MonthlyWage, d.RetirementBase50, d.Phone);

    public static Task<T> DbAsync<T>(TestApp app, Func<IDbSession, Task<T>> work) =>
        app.InScopeAsync(TestUsers.System, sp => work(sp.GetRequiredService<IDbSession>()));

    public static Task<string?> StateAsync(TestApp app, Guid id) =>
        DbAsync(app, db => db.ExecuteScalarAsync<string>("SELECT state FROM placement.placement WHERE id = @id", new { id }, CancellationToken.None));

    /// <summary>Delivers every module's events, then reads the placement's state (expected: <paramref name="state"/>).</summary>
    public static async Task<string?> RelayUntilStateAsync(TestApp app, Guid id, string state)
    {
        await app.DeliverAsync();
        return await StateAsync(app, id);
    }

    public static Task RelayAsync(TestApp app) => app.DeliverAsync();

    public static ICurrentUser ReviewerHangzhou => TestUsers.Reviewer("3301");
    public static ICurrentUser ReviewerNingbo => TestUsers.Reviewer("3302");
}
