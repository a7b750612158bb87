using System.Text;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Files;
using Declaration.BuildingBlocks.Security;
using Microsoft.Extensions.Options;

namespace Declaration.BuildingBlocks.Tests;

public sealed class PlatformTests
{
    private static PersonalDataProtector Protector() => new(Options.Create(new PersonalDataOptions
    {
        EncryptionKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray()),
        BlindIndexKey = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)(i + 7)).ToArray()),
    }));

    [Test]
    public void PersonalData_RoundTrips_AndCiphertextHidesThePlaintext()
    {
        var p = Protector();
        var c1 = p.Encrypt("330102199003072516");
        var c2 = p.Encrypt("330102199003072516");
        Assert.Multiple(() =>
        {
            Assert.That(p.Decrypt(c1), Is.EqualTo("330102199003072516"));
            Assert.That(c1, Is.Not.EqualTo(c2), "a fresh nonce each time");
            Assert.That(Encoding.UTF8.GetString(c1), Does.Not.Contain("330102199003072516"));
            Assert.That(p.BlindIndex("330102199003072516"), Is.EqualTo(p.BlindIndex("330102199003072516")));
            Assert.That(p.BlindIndex("330102199003072516"), Is.Not.EqualTo(p.BlindIndex("440304199001011233")));
        });
    }

    [Test]
    public void PersonalData_RefusesAMissingKey() =>
        Assert.Throws<InvalidOperationException>(() => _ = new PersonalDataProtector(Options.Create(new PersonalDataOptions())));

    [Test]
    public void FileContent_IsJudgedByBytesNotName()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FileContent.Sniff("%PDF-1.7\n"u8), Is.EqualTo("application/pdf"));
            Assert.That(FileContent.Sniff(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }), Is.EqualTo("image/jpeg"));
            Assert.That(FileContent.Sniff(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), Is.EqualTo("image/png"));
            Assert.That(FileContent.Sniff("MZ\x90\0"u8), Is.Null);
            Assert.That(FileContent.Sniff("<html>"u8), Is.Null);
        });
    }

    [Test]
    public void Csv_UnknownAndMissingColumns_RejectTheFileAtTheHeader()
    {
        var errors = new ImportErrors();
        var ex = Assert.Throws<ImportRejectedException>(() =>
            TabularFile.ReadCsv(Stream("a,zzz\n1,2\n"), ["a", "b"], [], errors, _ => Assert.Fail("no row may be read"), CancellationToken.None));
        Assert.That(ex!.Errors.Select(e => e.ToString()), Has.Some.Contains("zzz").And.Some.Contains("缺少必需的列"));
    }

    [Test]
    public void Csv_RowsCarryTheirLineNumbers_WithQuotedNewlinesAndBom()
    {
        var lines = new List<(long, string?)>();
        var errors = new ImportErrors();
        TabularFile.ReadCsv(Stream("\uFEFFa,b\n1,\"x\ny\"\n2,z\n"), ["a", "b"], [], errors, row => lines.Add((row.Line, row.Get("a"))), CancellationToken.None);
        Assert.That(lines, Is.EqualTo(new[] { (2L, (string?)"1"), (4L, "2") }));
    }

    [Test]
    public void Csv_TypedCells_RecordLineNumberedErrors()
    {
        var errors = new ImportErrors();
        TabularFile.ReadCsv(Stream("d,n\n2024-13-01,-1\n2024-01-01,5\n"), ["d", "n"], [], errors, row =>
        {
            row.Date("d", true);
            row.Decimal("n", true);
        }, CancellationToken.None);
        Assert.That(errors.Kept.Select(e => (e.Line, e.Column)), Is.EqualTo(new[] { (2L, "d"), (2L, "n") }));
    }

    [Test]
    public async Task CsvDownloads_HaveABom_AndNeutraliseEveryFormulaLead_WhileMachineFilesStayExact()
    {
        string[] cells = ["=1+1", "+86", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "a,b"];
        using var forPeople = new MemoryStream();
        await using (var w = new CsvWriter(forPeople, forSpreadsheet: true)) await w.WriteRowAsync(cells);
        using var forMachines = new MemoryStream();
        await using (var w = new CsvWriter(forMachines, forSpreadsheet: false)) await w.WriteRowAsync(cells);
        var people = forPeople.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(people.Take(3), Is.EqualTo(new byte[] { 0xEF, 0xBB, 0xBF }));
            Assert.That(System.Text.Encoding.UTF8.GetString(people, 3, people.Length - 3), Is.EqualTo("'=1+1,'+86,'-2,'@SUM(A1),'\tx,\"'\rx\",plain,\"a,b\"\n"));
            Assert.That(System.Text.Encoding.UTF8.GetString(forMachines.ToArray()), Is.EqualTo("=1+1,+86,-2,@SUM(A1),\tx,\"\rx\",plain,\"a,b\"\n"));
        });
    }

    [Test]
    public void ImportErrors_KeepTheFirstHundred_AndCountAll()
    {
        var errors = new ImportErrors();
        for (var i = 0; i < 250; i++) errors.Add(i + 2, "x", "bad");
        var ex = Assert.Throws<ImportRejectedException>(errors.ThrowIfAny);
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Total, Is.EqualTo(250));
            Assert.That(ex.Errors, Has.Count.EqualTo(100));
        });
    }

    [Test]
    public void HashingStream_HashesTheWholeFile()
    {
        var bytes = Encoding.UTF8.GetBytes("a,b\n1,2\n");
        using var h = new HashingStream(new MemoryStream(bytes));
        var buffer = new byte[3];
        _ = h.Read(buffer, 0, 3);
        Assert.That(h.HexDigest(), Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))));
    }

    private static MemoryStream Stream(string s) => new(Encoding.UTF8.GetBytes(s));
}
