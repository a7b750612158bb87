using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

/// <summary>The `import units` and `import related-units` verbs of FORMATS.md, run as a process.</summary>
public sealed class UnitCliTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static string TempCsv(params string[] lines)
    {
        var path = Path.Combine(Path.GetTempPath(), $"units-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, "\uFEFF" + string.Join("\r\n", lines) + "\r\n");
        return path;
    }

    [Test]
    public async Task ImportUnits_AGoodFile_ExitsZero_AndPrintsTheCounts()
    {
        var file = TempCsv(Seed.Header, Seed.Row(Seed.UnitA, "甲公司", "330106"), Seed.Row(Seed.UnitB, "乙公司", "330212"));
        var result = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "units", file);
        var related = TempCsv("credit_code,related_credit_code,related_name,relation_type,valid_from", $"{Seed.UnitA},{Seed.Dispatch},派遣公司,labor_dispatch,2025-01-01");
        var relatedResult = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "related-units", related);
        var unit = await App.SendAsync(TestUsers.System, new GetUnitByCreditCode(Seed.UnitB));
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(result.StandardOutput, Does.Contain("units: 2 rows, 2 inserted, 0 updated"));
            Assert.That(relatedResult.ExitCode, Is.Zero, relatedResult.StandardError);
            Assert.That(unit!.Name, Is.EqualTo("乙公司"));
        });
    }

    [Test]
    public async Task ImportUnits_ABadFile_ExitsNonZero_WithLineNumbersOnStandardError_AndWritesNothing()
    {
        var file = TempCsv(Seed.Header, Seed.Row(Seed.UnitA, "甲公司", "330106"), Seed.Row(Seed.UnitB, "乙公司", "3302X2"));
        var result = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "units", file);
        Assert.Multiple(async () =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.StandardError, Does.Contain("第3行"));
            Assert.That(result.StandardOutput, Is.Empty);
            Assert.That(await App.SendAsync(TestUsers.System, new GetUnitByCreditCode(Seed.UnitA)), Is.Null);
        });
    }

    [Test]
    public async Task AnUnknownKind_IsAUsageError()
    {
        var result = await CliRunner.RunAsync(App.Server.ConnectionString, "import", "nonsense", "/dev/null");
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(result.StandardError, Does.Contain("未知的导入类型"));
        });
    }
}
