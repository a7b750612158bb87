using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Testing;
using static Declaration.AnnualReview.Tests.AnnualFixture;

namespace Declaration.AnnualReview.Tests;

/// <summary>`export tax --year Y --out file` (FORMATS.md), run as a process.</summary>
public sealed class CliTests
{
    [SetUp]
    public async Task ResetAsync()
    {
        await App.ResetAsync();
        Seed.Stated.Clear();
    }

    [Test]
    public async Task ExportTax_WritesTheCertifiedUnits_ToTheOutFile()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        App.Clock.Now = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var path = Path.Combine(Path.GetTempPath(), $"tax-{Guid.NewGuid():N}.csv");
        var result = await CliRunner.RunAsync(App.Server.ConnectionString, "export", "tax", "--year", "2025", "--out", path);
        var missingYear = await CliRunner.RunAsync(App.Server.ConnectionString, "export", "tax", "--out", path + ".x");
        Assert.Multiple(async () =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(await File.ReadAllTextAsync(path), Is.EqualTo(
                "credit_code,unit_name,tax_authority_code,business_year,certified_count,certificate_number,certified_at\n" +
                $"91330106MA2CDE0A1M,杭州西湖明远科技有限公司,13301060000,2025,2.83,{issued.CertificateNumber},2026-05-06T15:08:09+08:00\n"));
            Assert.That(missingYear.ExitCode, Is.Not.Zero);
            Assert.That(missingYear.StandardError, Does.Contain("--year"));
        });
        File.Delete(path);
    }
}
