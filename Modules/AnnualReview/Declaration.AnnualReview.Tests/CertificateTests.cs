using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using static Declaration.AnnualReview.Tests.AnnualFixture;

namespace Declaration.AnnualReview.Tests;

public sealed class CertificateTests
{
    private string _dir = null!;

    [SetUp]
    public async Task ResetAsync()
    {
        await App.ResetAsync();
        Seed.Stated.Clear();
        _dir = Directory.CreateTempSubdirectory("annual-pdf-").FullName;
    }

    [TearDown]
    public void CleanUp() => Directory.Delete(_dir, true);

    private static async Task<byte[]> DownloadAsync(Guid asUnit, Guid unitId)
    {
        var file = await App.SendAsync(TestUsers.Employer(asUnit), new DownloadAnnualCertificate(unitId, Seed.Year));
        using var buffer = new MemoryStream();
        await file.Content.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Test]
    public async Task ThePdf_RendersNonBlank_ItsTextNamesTheUnitAndCount_AndItsQrCodeOpensTheVerificationPage()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var pdf = await DownloadAsync(a.Id, a.Id);
        var path = Path.Combine(_dir, "certificate.pdf");
        await File.WriteAllBytesAsync(path, pdf);
        if (Environment.GetEnvironmentVariable("ANNUAL_KEEP_PDF") is { Length: > 0 } keep) File.Copy(path, keep, overwrite: true);

        var text = await RunAsync("pdftotext", "-layout", path, "-");
        await RunAsync("pdftoppm", "-r", "50", "-gray", "-singlefile", "-f", "1", "-l", "1", path, Path.Combine(_dir, "page"));
        var dark = DarkPixelShare(await File.ReadAllBytesAsync(Path.Combine(_dir, "page.pgm")));
        await RunAsync("pdftoppm", "-r", "200", "-png", "-singlefile", "-f", "1", "-l", "1", path, Path.Combine(_dir, "qr"));
        var decoded = (await RunAsync("zbarimg", "--raw", "-q", Path.Combine(_dir, "qr.png"))).Trim();

        Assert.Multiple(() =>
        {
            Assert.That(Encoding.ASCII.GetString(pdf, 0, 5), Is.EqualTo("%PDF-"));
            Assert.That(dark, Is.GreaterThan(0.01).And.LessThan(0.5), "the first page should carry visible text, table and QR code");
            Assert.That(text, Does.Contain("杭州西湖明远科技有限公司"));
            Assert.That(text, Does.Contain("2.83"));
            Assert.That(text, Does.Contain(issued.CertificateNumber));
            Assert.That(text, Does.Contain(issued.ShortCode));
            Assert.That(text, Does.Contain("330106********0015").And.Contain("肢体残疾").And.Contain("二级"));
            Assert.That(text, Does.Not.Contain("330106198506120015"));
            Assert.That(decoded, Is.EqualTo($"http://verify.example.test:5080/Verify?code={issued.ShortCode}"));
        });
    }

    [Test]
    public async Task DownloadingTwice_ReturnsIdenticalBytes_MatchingTheStoredHash()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var first = await DownloadAsync(a.Id, a.Id);
        App.Clock.Advance(TimeSpan.FromDays(3));
        var second = await DownloadAsync(a.Id, a.Id);
        var byReviewer = await App.SendAsync(TestUsers.Reviewer("3301"), new DownloadAnnualCertificate(a.Id, Seed.Year));
        var stored = (await App.SendAsync(TestUsers.Employer(a.Id), new GetAnnualCertificates(a.Id, Seed.Year))).Single().Sha256;
        Assert.Multiple(() =>
        {
            Assert.That(second, Is.EqualTo(first));
            Assert.That(Convert.ToHexStringLower(SHA256.HashData(first)), Is.EqualTo(stored));
            Assert.That(stored, Is.EqualTo(issued.Sha256));
            Assert.That(byReviewer.FileName, Is.EqualTo($"年审认证确认书-{issued.CertificateNumber}.pdf"));
            Assert.That(byReviewer.ContentType, Is.EqualTo("application/pdf"));
        });
    }

    [Test]
    public async Task AnotherUnit_CannotDownload_TheCertificate_NotFound()
    {
        var (a, _, c) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        Assert.Multiple(async () =>
        {
            var ex = await Assert.ThrowsAsync<NotFoundException>(() => DownloadAsync(c.Id, a.Id));
            Assert.That(ex!.StatusCode, Is.EqualTo(404));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(c.Id), new DownloadAnnualCertificate(c.Id, Seed.Year, issued.CertificateNumber)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3302"), new DownloadAnnualCertificate(a.Id, Seed.Year)));
        });
    }

    [Test]
    public async Task Verification_ByTheRandomShortCode_SaysValid_WithoutPersonalData_AndNumbersOrForgedCodesAreNotFound()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var byCode = await App.SendAsync(TestUsers.System, new VerifyCertificate(issued.ShortCode.ToLowerInvariant()));
        var byNumber = await App.SendAsync(TestUsers.System, new VerifyCertificate(" " + issued.CertificateNumber + " "));
        var forged = await App.SendAsync(TestUsers.System, new VerifyCertificate(issued.ShortCode[..9] + (issued.ShortCode[9] == 'A' ? 'B' : 'A')));
        var unknown = await App.SendAsync(TestUsers.System, new VerifyCertificate("ZJ2025330106999999"));
        var empty = await App.SendAsync(TestUsers.System, new VerifyCertificate(""));
        var injected = await App.SendAsync(TestUsers.System, new VerifyCertificate("' OR '1'='1"));
        Assert.Multiple(() =>
        {
            Assert.That(byCode, Is.EqualTo(new CertificateVerificationDto(true, true, issued.CertificateNumber, "杭州西湖明远科技有限公司", 2025, 2.83m,
                issued.AcceptedAt, null)));
            Assert.That(byNumber.Found, Is.False, "the sequential certificate number does not verify (the list of certified units cannot be walked)");
            Assert.That(byNumber.UnitName, Is.Null);
            Assert.That(forged.Found, Is.False);
            Assert.That(forged.UnitName, Is.Null);
            Assert.That(unknown.Found, Is.False);
            Assert.That(empty.Found, Is.False);
            Assert.That(injected.Found, Is.False);
        });
    }

    [Test]
    public async Task TheCertificateOfManyPersons_SpansPages_AndListsEveryone()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        var persons = Enumerable.Range(1, 45).Select(i => (Guid.NewGuid(), $"330106********{i:D4}", "王*", 4, 3, 12, 12)).ToArray();
        foreach (var (id, _, _, _, _, _, _) in persons)
            await Seed.DeliverAsync(Seed.Confirmed(id, a, 12));
        Seed.StateCount(a, persons);
        var issued = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        var path = Path.Combine(_dir, "many.pdf");
        await File.WriteAllBytesAsync(path, await DownloadAsync(a.Id, a.Id));
        var text = await RunAsync("pdftotext", path, "-");
        var info = await RunAsync("pdfinfo", path);
        Assert.Multiple(() =>
        {
            Assert.That(issued.CertifiedCount, Is.EqualTo(45.00m));
            Assert.That(text, Does.Contain("330106********0001").And.Contain("330106********0045"));
            Assert.That(info, Does.Match(@"Pages:\s+[2-9]"));
        });
    }

    /// <summary>Share of dark pixels in a binary PGM (P5) image.</summary>
    private static double DarkPixelShare(byte[] pgm)
    {
        var header = Encoding.ASCII.GetString(pgm, 0, 64).Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        Assert.That(header[0], Is.EqualTo("P5"));
        var (width, height) = (int.Parse(header[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(header[2], System.Globalization.CultureInfo.InvariantCulture));
        var pixels = pgm.AsSpan(pgm.Length - width * height);
        var dark = 0;
        foreach (var p in pixels) if (p < 128) dark++;
        return dark / (double)(width * height);
    }

    internal static async Task<string> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.That(process.ExitCode, Is.EqualTo(0), $"{program} failed: {await error}");
        return await output;
    }
}

public sealed class ReviewAndExportTests
{
    [SetUp]
    public async Task ResetAsync()
    {
        await App.ResetAsync();
        Seed.Stated.Clear();
    }

    [Test]
    public async Task TaxExport_ListsCertifiedUnitsOnly_InTheExactFormat()
    {
        var (a, b, c) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        App.Clock.Now = new DateTimeOffset(2026, 4, 1, 1, 2, 3, TimeSpan.Zero);
        var ia = await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        Seed.StateCount(b, (Guid.NewGuid(), "330212********0330", "陈*", 4, 3, 7, 7));
        App.Clock.Now = new DateTimeOffset(2026, 4, 2, 16, 30, 0, TimeSpan.Zero);
        var ib = await App.SendAsync(TestUsers.Employer(b.Id), new CertifyAnnualReview(b.Id, Seed.Year));
        // C certifies and asks to reopen: ReopenRequested is not Certified, so it is not exported.
        Seed.StateCount(c);
        await App.SendAsync(TestUsers.Employer(c.Id), new CertifyAnnualReview(c.Id, Seed.Year));
        await App.SendAsync(TestUsers.Employer(c.Id), new RequestReopen(c.Id, Seed.Year, "原因"));

        var all = await ExportAsync(TestUsers.Admin);
        var hangzhou = await ExportAsync(TestUsers.Reviewer("3301"));
        var otherYear = await ExportAsync(TestUsers.Admin, 2024);
        Assert.Multiple(async () =>
        {
            Assert.That(all, Is.EqualTo(
                "credit_code,unit_name,tax_authority_code,business_year,certified_count,certificate_number,certified_at\n" +
                $"91330106MA2CDE0A1M,杭州西湖明远科技有限公司,13301060000,2025,2.83,{ia.CertificateNumber},2026-04-01T09:02:03+08:00\n" +
                $"91330212MA2CDE0C3Q,\"宁波鄞州海晨制造有限公司,鄞州分部\",13302120000,2025,0.58,{ib.CertificateNumber},2026-04-03T00:30:00+08:00\n"));
            Assert.That(hangzhou.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));
            Assert.That(hangzhou, Does.Contain("91330106MA2CDE0A1M").And.Not.Contain("91330212MA2CDE0C3Q"));
            Assert.That(otherYear, Is.EqualTo("credit_code,unit_name,tax_authority_code,business_year,certified_count,certificate_number,certified_at\n"));
            await Assert.ThrowsAsync<ForbiddenException>(() => ExportAsync(TestUsers.Employer(a.Id)));
        });
    }

    [Test]
    public async Task CertifiedCount_IsRoundedHalfUp_ToTwoDecimals()
    {
        // 7 person-months = 0.58333 → 0.58; 30 = 2.5 → 2.50; 1 = 0.0833 → 0.08; 3 = 0.25 → 0.25 (exact); 42 = 3.5
        Assert.Multiple(() =>
        {
            Assert.That(Features.Certify.CertifiedCounts.Rounded(7), Is.EqualTo(0.58m));
            Assert.That(Features.Certify.CertifiedCounts.Rounded(1), Is.EqualTo(0.08m));
            Assert.That(Features.Certify.CertifiedCounts.Rounded(11), Is.EqualTo(0.92m));
            Assert.That(Features.Certify.CertifiedCounts.Format(Features.Certify.CertifiedCounts.Rounded(30)), Is.EqualTo("2.50"));
            // x.xx5 cases: 12 × 0.005 is not a whole number of person-months, so check the rounding mode directly too.
            Assert.That(Math.Round(0.125m, 2, MidpointRounding.AwayFromZero), Is.EqualTo(0.13m));
        });
        await Task.CompletedTask;
    }

    [Test]
    public async Task Progress_CountsTheJurisdictionsUnitsPerState()
    {
        var (a, b, c) = await Seed.UnitsAsync();
        await Seed.DeliverAsync(new Declaration.Placement.Contracts.PlacementSubmitted(Guid.NewGuid(), a.Id, Seed.Year, "张*", 2));
        await Seed.DeliverAsync(new Declaration.Placement.Contracts.PlacementSubmitted(Guid.NewGuid(), b.Id, Seed.Year, "陈*", 2));
        Seed.StateCount(c);
        await App.SendAsync(TestUsers.Employer(c.Id), new CertifyAnnualReview(c.Id, Seed.Year));

        var hangzhou = await App.SendAsync(TestUsers.Reviewer("3301"), new GetAnnualProgress(Seed.Year));
        var admin = await App.SendAsync(TestUsers.Admin, new GetAnnualProgress(Seed.Year));
        var earlier = await App.SendAsync(TestUsers.Admin, new GetAnnualProgress(2024));
        Assert.Multiple(async () =>
        {
            Assert.That(hangzhou.Units, Is.EqualTo(2));
            Assert.That(hangzhou.ByState[AnnualReviewState.InProgress], Is.EqualTo(1));
            Assert.That(hangzhou.ByState[AnnualReviewState.Certified], Is.EqualTo(1));
            Assert.That(hangzhou.ByState[AnnualReviewState.NotStarted], Is.EqualTo(0));
            Assert.That(admin.Units, Is.EqualTo(3));
            Assert.That(admin.ByState[AnnualReviewState.InProgress], Is.EqualTo(2));
            Assert.That(earlier.ByState[AnnualReviewState.NotStarted], Is.EqualTo(3));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new GetAnnualProgress(Seed.Year)));
        });
    }

    [Test]
    public async Task TheTaxDownload_StartsWithABom_AndNeutralisesFormulaCells_WhileTheCliFileStaysExact()
    {
        var (a, _, _) = await Seed.UnitsAsync();
        await Seed.TwoConfirmedAsync(a);
        await App.SendAsync(TestUsers.Employer(a.Id), new CertifyAnnualReview(a.Id, Seed.Year));
        const string hostile = "=HYPERLINK(\"http://evil.example\",\"点此\")";
        await App.SendAsync(TestUsers.System, new ImportUnits(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", Seed.Header,
            $"{Seed.UnitA},\"{hostile.Replace("\"", "\"\"", StringComparison.Ordinal)}\",enterprise,330106,330106,13301060000,王明远,0571-87001234,李晓红,13800571234,地址") + "\n"))));

        using var download = new MemoryStream();
        await App.SendAsync(TestUsers.Admin, new ExportTax(Seed.Year, download, ForSpreadsheet: true));
        var bytes = download.ToArray();
        var text = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        var file = await ExportAsync(TestUsers.Admin);
        var audited = await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<Declaration.BuildingBlocks.Data.IDbSession>()
            .ExecuteScalarAsync<long>("SELECT count(*) FROM platform.audit_log WHERE module = 'Export' AND entity_id = @e", new { e = $"tax/{Seed.Year}" }, CancellationToken.None));
        Assert.Multiple(() =>
        {
            Assert.That(bytes.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }), "UTF-8 BOM");
            Assert.That(text.Split('\n')[0], Is.EqualTo("credit_code,unit_name,tax_authority_code,business_year,certified_count,certificate_number,certified_at"));
            Assert.That(text.Split('\n')[1], Does.StartWith("91330106MA2CDE0A1M,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"点此\"\")\","));
            Assert.That(file[0], Is.EqualTo('c'), "the FORMATS.md file has no BOM");
            Assert.That(file.Split('\n')[1], Does.StartWith("91330106MA2CDE0A1M,\"=HYPERLINK("), "the machine file keeps the value exactly");
            Assert.That(audited, Is.EqualTo(2), "the download and the file are both audited");
        });
    }

    private static async Task<string> ExportAsync(Declaration.BuildingBlocks.Application.ICurrentUser user, int year = Seed.Year)
    {
        using var output = new MemoryStream();
        await App.SendAsync(user, new ExportTax(year, output));
        return Encoding.UTF8.GetString(output.ToArray());
    }
}
