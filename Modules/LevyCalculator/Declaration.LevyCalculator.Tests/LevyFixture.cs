using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Testing;
using Declaration.LevyCalculator.Contracts;
using Declaration.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Declaration.LevyCalculator.Tests;

[SetUpFixture]
public sealed class LevyFixture
{
    public static TestApp App { get; private set; } = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => App = await ModuleTestApp.StartAsync("levy_tests");

    [OneTimeTearDown]
    public async Task StopAsync() => await App.DisposeAsync();

    public static Task<LevyResultDto> CalculateAsync(CalculateLevy request) => App.SendAsync(TestUsers.System, request);

    public static Task<T?> ScalarAsync<T>(string sql, object? param = null) => App.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<T>(sql, param, CancellationToken.None));

    /// <summary>The seeded province row of a year.</summary>
    public static async Task<LevyParameterDto> ProvinceRowAsync(int year) =>
        (await App.SendAsync(TestUsers.Admin, new GetLevyParameters(year))).Single(r => r.RegionCode == "330000");

    public static SaveLevyParameter Edit(LevyParameterDto p) => new(p.Id, p.Version, p.BusinessYear, p.RegionCode, p.QuotaRatio, p.LocalAverageWage,
        p.CapMultiple, p.CapFromYear, p.ExemptionThreshold, p.ExemptionFromYear, p.ExemptionToYear, p.TierFromYear, p.TierToYear,
        p.TierRatioThreshold, p.TierShareAtOrAbove, p.TierShareBelow);
}

/// <summary>RULES.md §7's worked examples (business year 2024, Zhejiang, L = 100,000). P is split into plain and severe months as the CLI takes it.</summary>
public sealed record WorkedExample(string Name, string UnitType, decimal Headcount, decimal Wage, decimal Plain, decimal Severe, decimal Levy)
{
    public const int Year = 2024;
    public const decimal LocalAverageWage = 100_000m;

    public static readonly WorkedExample[] All =
    [
        new("exempt", "enterprise", 30, 80_000, 0, 0, 0.00m),
        new("90% tier", "enterprise", 31, 80_000, 0, 0, 33_480.00m),
        new("50% tier", "enterprise", 150, 90_000, 24, 0, 11_250.00m),
        new("cap", "enterprise", 100, 260_000, 0, 0, 270_000.00m),
        new("exactly 1%", "enterprise", 200, 100_000, 0, 12, 50_000.00m),
    ];

    public CalculateLevy Request() => new(Year, "330000", UnitType, Headcount, Wage, Plain, Severe, LocalAverageWage);

    public override string ToString() => Name;
}
