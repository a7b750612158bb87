using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Messaging;
using Declaration.BuildingBlocks.Testing;
using Declaration.Notices.Contracts;
using Declaration.TestSupport;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.Notices.Tests;

[SetUpFixture]
public sealed class NoticesFixture
{
    public static TestApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => App = await ModuleTestApp.StartAsync("notices_tests");

    [OneTimeTearDown]
    public async Task StopAsync() => await App.DisposeAsync();
}

/// <summary>Test data: units A and C in Hangzhou 西湖 (330106), B in Ningbo 鄞州 (330212), D in Hangzhou 滨江 (330108).</summary>
internal static class Seed
{
    public const string UnitA = "91330106MA2CDE0A1M";
    public const string UnitB = "91330212MA2CDE0C3Q";
    public const string UnitC = "91330106MA2CDE0B2R";
    public const string UnitD = "91330108MA2CDE0D4Y";

    private const string Header = "credit_code,name,unit_type,region_code,federation_code,tax_authority_code,legal_representative,legal_phone,contact_name,contact_mobile,address";

    private static string Row(string code, string name, string region, string mobile) =>
        $"{code},{name},enterprise,{region},{region},TAX{region},法人,0571-87001234,经办人,{mobile},地址";

    public static ICurrentUser Admin => TestUsers.Admin;

    public sealed record Units(UnitDto A, UnitDto B, UnitDto C, UnitDto D);

    /// <summary>Imports the four units and delivers UnitProfileChanged, so Notices' contact projection holds them.</summary>
    public static async Task<Units> UnitsAsync(TestApp app)
    {
        var csv = string.Join("\n", Header, Row(UnitA, "甲公司", "330106", "13800000001"), Row(UnitB, "乙公司", "330212", "13800000002"),
            Row(UnitC, "丙中心", "330106", "13800000003"), Row(UnitD, "丁公司", "330108", "13800000004")) + "\n";
        await app.SendAsync(TestUsers.System, new ImportUnits(new MemoryStream(Encoding.UTF8.GetBytes(csv))));
        await DeliverAsync(app);
        await Poller.UntilAsync(() => CountAsync(app, "SELECT count(*) FROM notices.unit_contact"), n => n == 4);
        async Task<UnitDto> Get(string code) => (await app.SendAsync(TestUsers.System, new GetUnitByCreditCode(code)))!;
        return new Units(await Get(UnitA), await Get(UnitB), await Get(UnitC), await Get(UnitD));
    }

    public static Task DeliverAsync(TestApp app) => app.DeliverAsync();

    public static Task<long> CountAsync(TestApp app, string sql, object? param = null) => app.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<long>(sql, param, CancellationToken.None));

    public static Task<Guid> PublishAsync(TestApp app, string title, string body, string target, DateTimeOffset? publishAt = null, DateTimeOffset? expiresAt = null,
        bool pinned = false, ICurrentUser? by = null) =>
        app.SendAsync(by ?? Admin, new PublishNotice(title, body, target, publishAt, expiresAt, pinned));

    public static readonly byte[] Pdf = Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n");
}
