using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Placement.Contracts;
using Declaration.TestSupport;
using static Declaration.Placement.Tests.PlacementFixture;

namespace Declaration.Placement.Tests;

/// <summary>Certificate-expiry alerts: the unit's list, and one SMS per person and expiry date however often the job runs.</summary>
public sealed class CertificateExpiryTests
{
    private const string Header = "credit_code,business_year,id_number,name,certificate_type,certificate_number,employment_start,employment_end,contract_type,contract_start,contract_end,monthly_wage,retirement_base,phone";

    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task ExpiringCertificates_AreListedForTheUnit_AndTextedOncePerPersonAndDate()
    {
        var (a, b) = await Seed.UnitsAsync(App);   // today (test clock) is 2026-03-15: business year 2025's window runs to 2026-05-14
        var soon = LinkageData.IdNumber("19850505", 11);
        var lapsed = LinkageData.IdNumber("19860606", 13);
        var later = LinkageData.IdNumber("19870707", 15);
        await LinkageData.CertificateAsync(soon, 4, 2, validUntil: "2026-04-30");
        await LinkageData.CertificateAsync(lapsed, 4, 2, validUntil: "2025-06-30");
        await LinkageData.CertificateAsync(later, 4, 2, validUntil: "2026-09-30");
        string Row(string unit, string id, string name) => $"{unit},2025,{id},{name},disability,{id}42,2024-01-01,,open_ended,2024-01-01,,5000,,";
        await App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(Header, Row(Seed.UnitA, Seed.Man, "张三"), Row(Seed.UnitA, soon, "王五"),
            Row(Seed.UnitA, lapsed, "赵六"), Row(Seed.UnitA, later, "钱七"), Row(Seed.UnitB, soon, "王五"))));

        var list = await App.SendAsync(TestUsers.Employer(a.Id), new GetCertificateExpiries(a.Id, Seed.Year));
        var first = await App.SendAsync(TestUsers.System, new SendCertificateExpiryAlerts());
        var again = await App.SendAsync(TestUsers.System, new SendCertificateExpiryAlerts());
        await LinkageData.DeliverAsync();
        await App.SendAsync(TestUsers.System, new SendCertificateExpiryAlerts());
        await LinkageData.DeliverAsync();
        var texts = await LinkageData.ScalarAsync<long>("SELECT count(*) FROM notices.sms_message WHERE kind = 'certificate_expiring'");
        var toA = await LinkageData.ScalarAsync<string>("SELECT string_agg(content, '|' ORDER BY content) FROM notices.sms_message WHERE kind = 'certificate_expiring' AND unit_id = @id", new { id = a.Id });

        // A renewed certificate ends the alert for that person; a new expiry date would be texted anew.
        await LinkageData.CertificateAsync(soon, 4, 2, issued: "2026-03-01", validUntil: "2036-02-28");
        var renewed = await App.SendAsync(TestUsers.Employer(a.Id), new GetCertificateExpiries(a.Id, Seed.Year));
        Assert.Multiple(async () =>
        {
            Assert.That(list.Select(e => (e.MaskedName, e.ValidUntil, e.Expired)), Is.EqualTo(new[]
            {
                ("赵*", new DateOnly(2025, 6, 30), true),
                ("王*", new DateOnly(2026, 4, 30), false),
            }));
            Assert.That(first, Is.EqualTo(3), "A: 王五 and 赵六; B: 王五");
            Assert.That(again, Is.Zero);
            Assert.That(texts, Is.EqualTo(3));
            Assert.That(toA, Does.Contain("王*").And.Contain("2026年4月30日").And.Contain("赵*"));
            Assert.That(renewed.Select(e => e.MaskedName), Is.EqualTo(new[] { "赵*" }));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), new GetCertificateExpiries(a.Id, Seed.Year)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new SendCertificateExpiryAlerts()));
        });
    }
    /// <summary>
    /// The list follows the certificate registry whichever comes first: a certificate imported after the declaration, its revocation,
    /// and a later certificate of the same person (the end of each person's cover is kept on the placement by the database).
    /// </summary>
    [Test]
    public async Task TheList_FollowsCertificatesImportedAfterTheDeclaration_AndTheirRevocation()
    {
        var (a, _) = await Seed.UnitsAsync(App);
        var person = LinkageData.IdNumber("19880808", 17);
        await App.SendAsync(TestUsers.Admin, new ImportPlacements(Seed.Csv(Header,
            $"{Seed.UnitA},2025,{person},孙八,disability,{person}42,2024-01-01,,open_ended,2024-01-01,,5000,,")));
        async Task<IReadOnlyList<DateOnly>> ListAsync() =>
            (await App.SendAsync(TestUsers.Employer(a.Id), new GetCertificateExpiries(a.Id, Seed.Year))).Select(e => e.ValidUntil).ToList();
        var none = await ListAsync();
        await LinkageData.CertificateAsync(person, 4, 2, validUntil: "2026-04-30");
        var imported = await ListAsync();
        await LinkageData.CertificateAsync(person, 4, 2, validUntil: "2026-04-30", revoked: "2026-01-31");
        var revoked = await ListAsync();
        await LinkageData.CertificateAsync(person, 4, 2, issued: "2025-06-01", validUntil: "2026-05-10");
        var later = await ListAsync();
        Assert.Multiple(() =>
        {
            Assert.That(none, Is.Empty);
            Assert.That(imported, Is.EqualTo(new[] { new DateOnly(2026, 4, 30) }));
            Assert.That(revoked, Is.Empty);
            Assert.That(later, Is.EqualTo(new[] { new DateOnly(2026, 5, 10) }));
        });
    }
}
