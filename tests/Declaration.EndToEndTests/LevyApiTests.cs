using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Declaration.BuildingBlocks.Application;
using Declaration.LevyCalculator.Contracts;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.EndToEndTests;

/// <summary><c>POST /api/levy</c> over HTTP: RULES.md §7's worked examples (2024, Zhejiang, L = 100,000) and refusals.</summary>
public sealed class LevyApiTests
{
    private static readonly string[] Fields =
    [
        "exempt", "quota", "actual", "gap", "wageBase", "capApplied", "baseAmount", "ratio", "payableShare", "levy",
        "levyWithoutPlacement", "saving", "extraPlacementsForHalfTier", "extraPlacementsForZero",
    ];

    // (case, unitType, headcount, averageAnnualWage, personMonths, severePersonMonths, levy)
    private static readonly object[] WorkedExamples =
    [
        new object[] { "exempt", "enterprise", 30m, 80_000m, 0m, 0m, "0.00" },
        new object[] { "90% tier", "enterprise", 31m, 80_000m, 0m, 0m, "33480.00" },
        new object[] { "50% tier", "enterprise", 150m, 90_000m, 24m, 0m, "11250.00" },
        new object[] { "cap", "enterprise", 100m, 260_000m, 0m, 0m, "270000.00" },
        new object[] { "exactly 1%", "enterprise", 200m, 100_000m, 0m, 12m, "50000.00" },
    ];

    [TestCaseSource(nameof(WorkedExamples))]
    public async Task WorkedExample_ThroughTheApi(string name, string unitType, decimal headcount, decimal wage, decimal plain, decimal severe, string levy)
    {
        using var session = await HttpSession.SignInAsync("demo");
        var response = await session.Client.PostAsJsonAsync("/api/levy", new
        {
            year = 2024, region = "330000", unitType, headcount, averageAnnualWage = wage, personMonths = plain, severePersonMonths = severe,
            localAverageWage = 100_000m,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;

        await using var scope = E2E.Services.CreateSystemScope();
        var expected = await scope.ServiceProvider.GetRequiredService<ISender>()
            .Send(new CalculateLevy(2024, "330000", unitType, headcount, wage, plain, severe, 100_000m));
        Assert.Multiple(() =>
        {
            Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(Fields), name);
            Assert.That(root.GetProperty("levy").GetRawText(), Is.EqualTo(levy));
            Assert.That(root.GetProperty("saving").GetRawText(), Is.EqualTo(expected.Saving.ToString("0.00", CultureInfo.InvariantCulture)));
            Assert.That(root.GetProperty("baseAmount").GetRawText(), Does.Match(@"^\d+\.\d{2}$"));
            Assert.That(root.GetProperty("wageBase").GetDecimal(), Is.EqualTo(expected.WageBase));
            Assert.That(root.GetProperty("exempt").GetBoolean(), Is.EqualTo(expected.Exempt));
            Assert.That(root.GetProperty("payableShare").GetDecimal(), Is.EqualTo(expected.PayableShare));
        });
    }

    [Test]
    public async Task BadInput_Is400_WithErrorsUnderTheApisFieldNames()
    {
        using var session = await HttpSession.SignInAsync("demo");
        var negative = await session.Client.PostAsJsonAsync("/api/levy", new
        {
            year = 2024, region = "330000", unitType = "enterprise", headcount = -1, averageAnnualWage = 80_000, personMonths = 0,
        });
        var missing = await session.Client.PostAsJsonAsync("/api/levy", new { year = 2024, region = "330000" });
        var zeroWithPlacements = await session.Client.PostAsJsonAsync("/api/levy", new
        {
            year = 2024, region = "330000", unitType = "enterprise", headcount = 0, averageAnnualWage = 80_000, personMonths = 12,
        });
        using var negativeJson = JsonDocument.Parse(await negative.Content.ReadAsStringAsync());
        using var missingJson = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
        using var zeroJson = JsonDocument.Parse(await zeroWithPlacements.Content.ReadAsStringAsync());
        Assert.Multiple(() =>
        {
            Assert.That(negative.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(negativeJson.RootElement.GetProperty("errors").GetProperty("headcount")[0].GetString(), Does.Contain("不能为负数"));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(missingJson.RootElement.GetProperty("errors").TryGetProperty("unitType", out _), Is.True);
            Assert.That(missingJson.RootElement.GetProperty("errors").TryGetProperty("headcount", out _), Is.True);
            Assert.That(zeroWithPlacements.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
            Assert.That(zeroJson.RootElement.GetProperty("errors").GetProperty("headcount")[0].GetString(), Does.Contain("安置人月数"));
        });
    }

    [Test]
    public async Task UnknownRegion_AndYearWithoutParameters_Are422()
    {
        using var session = await HttpSession.SignInAsync("demo");
        var region = await session.Client.PostAsJsonAsync("/api/levy", new
        {
            year = 2024, region = "110105", unitType = "enterprise", headcount = 31, averageAnnualWage = 80_000, personMonths = 0,
        });
        var year = await session.Client.PostAsJsonAsync("/api/levy", new
        {
            year = 2009, region = "330106", unitType = "enterprise", headcount = 31, averageAnnualWage = 80_000, personMonths = 0,
        });
        using var regionJson = JsonDocument.Parse(await region.Content.ReadAsStringAsync());
        using var yearJson = JsonDocument.Parse(await year.Content.ReadAsStringAsync());
        Assert.Multiple(() =>
        {
            Assert.That(region.StatusCode, Is.EqualTo((HttpStatusCode)422));
            Assert.That(regionJson.RootElement.GetProperty("rule").GetString(), Is.EqualTo("LEVY_REGION_UNKNOWN"));
            Assert.That(year.StatusCode, Is.EqualTo((HttpStatusCode)422));
            Assert.That(yearJson.RootElement.GetProperty("detail").GetString(), Does.Contain("2009年度"));
        });
    }

    [Test]
    public async Task Anonymous_Is401()
    {
        using var anonymous = new HttpSession();
        var response = await anonymous.Client.PostAsJsonAsync("/api/levy", new { year = 2024 });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
