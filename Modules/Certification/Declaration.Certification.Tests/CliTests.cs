using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using static Declaration.Certification.Tests.CertificationFixture;
using static Declaration.TestSupport.LinkageData;

namespace Declaration.Certification.Tests;

/// <summary>The verbs run as a real process (the built host) against the test database.</summary>
public sealed class CliTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task ImportCertify_AndExportCertificationResults_AsAProcess()
    {
        var units = await UnitsAsync();
        await StandardMinimumWagesAsync();
        var id = IdNumber("19900307", 251);
        var r = await DeclareAsync(units[A], id);
        var dir = Path.Combine(Path.GetTempPath(), $"cert-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var certificates = Path.Combine(dir, "certificates.csv");
        await File.WriteAllTextAsync(certificates,
            "id_number,name,certificate_type,certificate_number,category,level,issued_on,valid_until,revoked_on\n" +
            $"{id},某人,disability,{id}12,1,2,2015-01-01,,\n");
        var si = Path.Combine(dir, "si.csv");
        await File.WriteAllTextAsync(si, "id_number,payer_credit_code,month,insurance_type,paid\n" +
            string.Concat(Range(1, 6).Select(m => $"{id},{A},2025-{m:00},pension,1\n")));
        var out1 = Path.Combine(dir, "results.csv");

        var import1 = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "certificates", certificates);
        var import2 = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "social-insurance", si);
        var certify = await CliRunner.RunAsync(App.Server.ConnectionString, "certify", "--year", "2025", "--unit", A);
        var export = await CliRunner.RunAsync(App.Server.ConnectionString, "export", "certification-results", "--year", "2025", "--out", out1);
        var badYear = await CliRunner.RunAsync(App.Server.ConnectionString, "export", "certified-counts", "--year", "20x5", "--out", out1 + ".x");
        var lines = await File.ReadAllLinesAsync(out1);
        var result = await App.SendAsync(TestUsers.System, new GetCertificationResult(r.PlacementId));
        Assert.Multiple(() =>
        {
            Assert.That((import1.ExitCode, import2.ExitCode), Is.EqualTo((0, 0)), import1.StandardError + import2.StandardError);
            Assert.That(certify.ExitCode, Is.EqualTo(0), certify.StandardError);
            Assert.That(certify.StandardOutput, Does.Contain("certify 2025: 1 placements, 6 qualifying months, 1 changed"));
            Assert.That(export.ExitCode, Is.EqualTo(0), export.StandardError);
            Assert.That(lines[0], Is.EqualTo("credit_code,business_year,id_number,month,qualifies,weight,reasons,flags"));
            Assert.That(lines[1..], Is.EqualTo(Range(1, 12).Select(m => m <= 6 ? $"{A},2025,{id},{m},1,2,," : $"{A},2025,{id},{m},0,0,SI_NOT_PAID,")));
            Assert.That(result!.PersonMonths, Is.EqualTo(12));
            Assert.That(badYear.ExitCode, Is.Not.Zero);
        });
    }
}
