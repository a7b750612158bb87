using System.Globalization;
using System.Text.Json;
using Declaration.BuildingBlocks.Testing;
using static Declaration.LevyCalculator.Tests.LevyFixture;

namespace Declaration.LevyCalculator.Tests;

/// <summary>The <c>levy</c> verb: the built host run as a process on the test database (DECLARATION_DB, via CliRunner), its JSON parsed.</summary>
public sealed class LevyCliTests
{
    [OneTimeSetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static readonly string[] Fields =
    [
        "exempt", "quota", "actual", "gap", "wageBase", "capApplied", "baseAmount", "ratio", "payableShare", "levy",
        "levyWithoutPlacement", "saving", "extraPlacementsForHalfTier", "extraPlacementsForZero",
    ];

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var result = await CliRunner.RunAsync(App.Server.ConnectionString, args);
        return (result.ExitCode, result.StandardOutput, result.StandardError);
    }

    private static string[] Args(WorkedExample e) =>
    [
        "levy", "--year", WorkedExample.Year.ToString(CultureInfo.InvariantCulture), "--region", "330000", "--unit-type", e.UnitType,
        "--headcount", e.Headcount.ToString(CultureInfo.InvariantCulture), "--average-annual-wage", e.Wage.ToString(CultureInfo.InvariantCulture),
        "--person-months", e.Plain.ToString(CultureInfo.InvariantCulture), "--severe-person-months", e.Severe.ToString(CultureInfo.InvariantCulture),
        "--local-average-wage", WorkedExample.LocalAverageWage.ToString(CultureInfo.InvariantCulture),
    ];

    [TestCaseSource(typeof(WorkedExample), nameof(WorkedExample.All))]
    public async Task WorkedExample_ThroughTheCli_PrintsExactlyTheFormatsFields(WorkedExample example)
    {
        var (code, stdout, stderr) = await RunAsync(Args(example));
        Assert.That(code, Is.EqualTo(0), stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        var expected = await CalculateAsync(example.Request());
        Assert.Multiple(() =>
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(Fields));
            Assert.That(root.GetProperty("levy").ValueKind, Is.EqualTo(JsonValueKind.Number));
            Assert.That(root.GetProperty("levy").GetDecimal(), Is.EqualTo(example.Levy));
            Assert.That(root.GetProperty("levy").GetRawText(), Does.Match(@"^\d+\.\d{2}$"), "money with two decimals");
            Assert.That(root.GetProperty("wageBase").GetRawText(), Does.Match(@"^\d+\.\d{2}$"));
            Assert.That(root.GetProperty("saving").GetDecimal(), Is.EqualTo(expected.Saving));
            Assert.That(root.GetProperty("levyWithoutPlacement").GetDecimal(), Is.EqualTo(expected.LevyWithoutPlacement));
            Assert.That(root.GetProperty("exempt").GetBoolean(), Is.EqualTo(expected.Exempt));
            Assert.That(root.GetProperty("capApplied").GetBoolean(), Is.EqualTo(expected.CapApplied));
            Assert.That(root.GetProperty("quota").GetDecimal(), Is.EqualTo(expected.Quota));
            Assert.That(root.GetProperty("payableShare").GetDecimal(), Is.EqualTo(expected.PayableShare));
            Assert.That(root.GetProperty("actual").GetDecimal(), Is.EqualTo(expected.Actual));
        });
    }

    [Test]
    public async Task NinetyPercentTier_PrintsTheLevyAs33480_00()
    {
        var (code, stdout, stderr) = await RunAsync(Args(WorkedExample.All[1]));
        Assert.That(code, Is.EqualTo(0), stderr);
        Assert.Multiple(() =>
        {
            Assert.That(stdout, Does.Contain("\"levy\":33480.00"));
            Assert.That(stdout, Does.Contain("\"baseAmount\":37200.00"));
            Assert.That(stdout, Does.Contain("\"payableShare\":0.9"));
            Assert.That(stdout, Does.Contain("\"extraPlacementsForHalfTier\":1"));
        });
    }

    [Test]
    public async Task Exempt_PrintsNullWhatIfs()
    {
        var (code, stdout, stderr) = await RunAsync(Args(WorkedExample.All[0]));
        Assert.That(code, Is.EqualTo(0), stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Multiple(() =>
        {
            Assert.That(json.RootElement.GetProperty("exempt").GetBoolean(), Is.True);
            Assert.That(json.RootElement.GetProperty("extraPlacementsForZero").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(json.RootElement.GetProperty("levy").GetRawText(), Is.EqualTo("0.00"));
        });
    }

    [Test]
    public async Task BadInput_ExitsNonZero_WithAChineseMessage_AndNoOutput()
    {
        var negative = await RunAsync("levy", "--year", "2024", "--region", "330000", "--unit-type", "enterprise", "--headcount", "-3",
            "--average-annual-wage", "80000", "--person-months", "0");
        var unknownRegion = await RunAsync("levy", "--year", "2024", "--region", "110105", "--unit-type", "enterprise", "--headcount", "31",
            "--average-annual-wage", "80000", "--person-months", "0");
        var missing = await RunAsync("levy", "--year", "2024", "--region", "330000");
        Assert.Multiple(() =>
        {
            Assert.That(negative.Code, Is.Not.EqualTo(0));
            Assert.That(negative.Out, Is.Empty);
            Assert.That(negative.Err, Does.Contain("--headcount: 单位员工数不能为负数"));
            Assert.That(unknownRegion.Code, Is.Not.EqualTo(0));
            Assert.That(unknownRegion.Err, Does.Contain("没有残保金政策参数"));
            Assert.That(missing.Code, Is.Not.EqualTo(0));
            Assert.That(missing.Err, Does.Contain("缺少参数 --unit-type"));
        });
    }
}
