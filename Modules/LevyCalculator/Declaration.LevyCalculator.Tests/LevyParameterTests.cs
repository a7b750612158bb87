using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Host.Infrastructure;
using Declaration.LevyCalculator.Contracts;
using static Declaration.LevyCalculator.Tests.LevyFixture;

namespace Declaration.LevyCalculator.Tests;

public sealed class LevyParameterTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task Seed_IsZhejiang2015To2027_WithoutALocalAverageWage()
    {
        var rows = await App.SendAsync(TestUsers.Admin, new GetLevyParameters());
        var y2024 = rows.Single(r => r.BusinessYear == 2024);
        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(r => r.BusinessYear), Is.EquivalentTo(Enumerable.Range(2015, 13)));
            Assert.That(rows.Select(r => r.RegionCode).Distinct(), Is.EqualTo(new[] { "330000" }));
            Assert.That(rows.All(r => r.LocalAverageWage is null), Is.True);
            Assert.That((y2024.QuotaRatio, y2024.CapMultiple, y2024.CapFromYear), Is.EqualTo((0.015m, 2m, 2018)));
            Assert.That((y2024.ExemptionThreshold, y2024.ExemptionFromYear, y2024.ExemptionToYear), Is.EqualTo(((decimal?)30m, (int?)2017, (int?)null)));
            Assert.That((y2024.TierFromYear, y2024.TierToYear, y2024.TierRatioThreshold, y2024.TierShareAtOrAbove, y2024.TierShareBelow),
                Is.EqualTo(((int?)2020, (int?)2027, 0.01m, 0.5m, 0.9m)));
        });
    }

    [Test]
    public async Task Seed_IsIdempotent_AndKeepsAnAdministratorsEdit()
    {
        var row = await ProvinceRowAsync(2024);
        await App.SendAsync(TestUsers.Admin, Edit(row) with { LocalAverageWage = 100_000m });
        await Startup.MigrateAsync(App.Services, CancellationToken.None);
        await Startup.MigrateAsync(App.Services, CancellationToken.None);
        var after = await ProvinceRowAsync(2024);
        Assert.Multiple(async () =>
        {
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM levy.parameter"), Is.EqualTo(13));
            Assert.That(after.LocalAverageWage, Is.EqualTo(100_000m));
        });
    }

    [Test]
    public async Task Edit_SetsTheLocalAverageWage_SoTheCapApplies_AndIsAudited()
    {
        var row = await ProvinceRowAsync(2024);
        var request = new CalculateLevy(2024, "330106", "enterprise", 100, 260_000, 0);
        var before = await CalculateAsync(request);
        var saved = await App.SendAsync(TestUsers.Admin, Edit(row) with { LocalAverageWage = 100_000m });
        var after = await CalculateAsync(request);
        var history = await App.SendAsync(TestUsers.Admin, new GetLevyParameterHistory());
        Assert.Multiple(() =>
        {
            Assert.That(saved.Version, Is.EqualTo(row.Version + 1));
            Assert.That(before.CapApplied, Is.False);
            Assert.That(before.Levy, Is.EqualTo(351_000m));
            Assert.That(after.CapApplied, Is.True);
            Assert.That(after.Levy, Is.EqualTo(270_000m));
            var entry = history.Single();
            Assert.That(entry.Action, Is.EqualTo("修改残保金政策参数"));
            Assert.That(entry.ActorName, Is.EqualTo("管理员"));
            Assert.That(entry.EntityId, Is.EqualTo(row.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(entry.Before, Does.Contain("\"localAverageWage\": null").Or.Contain("\"localAverageWage\":null"));
            Assert.That(entry.After, Does.Contain("100000"));
        });
    }

    [Test]
    public async Task Edit_WithAStaleVersion_IsAConflict_AndKeepsTheFirstEdit()
    {
        var row = await ProvinceRowAsync(2024);
        await App.SendAsync(TestUsers.Admin, Edit(row) with { LocalAverageWage = 100_000m });
        var ex = await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Admin, Edit(row) with { LocalAverageWage = 999_999m }));
        var after = await ProvinceRowAsync(2024);
        Assert.Multiple(async () =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(409));
            Assert.That(ex.Message, Does.Contain("已被他人修改"));
            Assert.That(after.LocalAverageWage, Is.EqualTo(100_000m));
            Assert.That(await ScalarAsync<long>("SELECT count(*) FROM platform.audit_log WHERE module = 'LevyCalculator'"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Edit_InvalidValues_AreReportedPerField_AndNothingChanges()
    {
        var row = await ProvinceRowAsync(2024);
        var ex = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Admin, Edit(row) with
        {
            QuotaRatio = 1.5m, LocalAverageWage = -1m, CapMultiple = 0m, TierShareAtOrAbove = 0.95m, TierToYear = 2019, RegionCode = "3300",
        }));
        var after = await ProvinceRowAsync(2024);
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Errors.Keys, Is.SupersetOf(new[] { "QuotaRatio", "LocalAverageWage", "CapMultiple", "TierShareAtOrAbove", "TierToYear", "RegionCode" }));
            Assert.That(ex.Errors["QuotaRatio"], Has.Some.Contains("0.015"));
            Assert.That(after.Version, Is.EqualTo(row.Version));
        });
    }

    [Test]
    public async Task Add_ARowForAYearAndRegion_ThenTheSameAgainIsAConflict()
    {
        var template = await ProvinceRowAsync(2027);
        var created = await App.SendAsync(TestUsers.Admin, Edit(template) with { Id = null, Version = 0, BusinessYear = 2028, TierFromYear = null, TierToYear = null });
        var r = await CalculateAsync(new CalculateLevy(2028, "330000", "enterprise", 31, 80_000, 0));
        var again = await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Admin, Edit(template) with { Id = null, Version = 0, BusinessYear = 2028 }));
        var history = await App.SendAsync(TestUsers.Admin, new GetLevyParameterHistory());
        Assert.Multiple(() =>
        {
            Assert.That(created.Version, Is.EqualTo(1));
            Assert.That(r.PayableShare, Is.EqualTo(1m));
            Assert.That(r.Levy, Is.EqualTo(37_200m));
            Assert.That(again!.Message, Does.Contain("已存在"));
            Assert.That(history.Single().Action, Is.EqualTo("新增残保金政策参数"));
        });
    }

    [Test]
    public async Task OnlyAdministrators_SeeOrEditParameters()
    {
        var row = await ProvinceRowAsync(2024);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3301"), new GetLevyParameters()));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(Guid.NewGuid()), Edit(row) with { LocalAverageWage = 1m }));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("33"), new GetLevyParameterHistory()));
        });
        Assert.That((await ProvinceRowAsync(2024)).LocalAverageWage, Is.Null);
    }
}
