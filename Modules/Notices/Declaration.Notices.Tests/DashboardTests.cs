using System.Text;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Certification.Contracts;
using Declaration.LevyCalculator.Contracts;
using Declaration.Notices.Contracts;
using Declaration.Notices.Features.Dashboard;
using Declaration.Placement.Contracts;
using Declaration.Units.Contracts;
using static Declaration.Notices.Tests.NoticesFixture;

namespace Declaration.Notices.Tests;

public sealed class DashboardTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [TestCase("2026-03-15", 2025)]
    [TestCase("2026-03-01", 2025)]
    [TestCase("2026-02-28", 2024)]
    [TestCase("2026-10-31", 2025)]
    [TestCase("2026-11-20", 2025)]
    [TestCase("2027-01-05", 2025)]
    public void TheCurrentBusinessYear_IsTheOneBeingDeclared_ElseTheLastOpened(string today, int expected) =>
        Assert.That(BusinessYears.Current(DateOnly.Parse(today, System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(expected));

    [Test]
    public async Task TheDashboard_OfAUnitWithNoPlacements_HasEmptyParts_TheWorkforceAndTheNotices()
    {
        var u = await Seed.UnitsAsync(App);
        await Seed.PublishAsync(App, "全省通知", "正文", "33", pinned: true);
        await Seed.PublishAsync(App, "宁波通知", "正文", "3302");
        var employer = TestUsers.Employer(u.A.Id);
        var before = await App.SendAsync(employer, new GetHomeDashboard(u.A.Id, null));
        await App.SendAsync(employer, new SaveUnitWorkforce(u.A.Id, 2025, 120.5m, 98_000m));
        var after = await App.SendAsync(employer, new GetHomeDashboard(u.A.Id, null));
        var otherYear = await App.SendAsync(employer, new GetHomeDashboard(u.A.Id, 2023));
        Assert.Multiple(() =>
        {
            Assert.That(before.BusinessYear, Is.EqualTo(2025), "the fake clock is 2026-03-15: year 2025 is being declared");
            Assert.That(before.SelectableYears, Is.EqualTo(new[] { 2025, 2024, 2023, 2022, 2021 }));
            Assert.That(before.Placements, Is.Null);
            Assert.That(before.Months, Is.Null);
            Assert.That(before.Levy, Is.Null);
            Assert.That(before.LevyUnavailableReason, Does.Contain("在职职工人数"));
            Assert.That(before.LatestNotices.Select(n => n.Title), Is.EqualTo(new[] { "全省通知" }));
            Assert.That(after.Headcount, Is.EqualTo(120.5m));
            Assert.That(after.AverageAnnualWage, Is.EqualTo(98_000m));
            Assert.That(otherYear.BusinessYear, Is.EqualTo(2023));
            Assert.That(otherYear.Headcount, Is.Null, "the workforce is per business year");
        });
    }

    [Test]
    public async Task TheEstimatedLevy_IsTheCalculatorsResult_ForTheUnitsWorkforce()
    {
        var u = await Seed.UnitsAsync(App);
        var employer = TestUsers.Employer(u.A.Id);
        await App.SendAsync(employer, new SaveUnitWorkforce(u.A.Id, 2025, 150m, 90_000m));
        var dashboard = await App.SendAsync(employer, new GetHomeDashboard(u.A.Id, 2025));
        LevyResultDto? expected;
        try { expected = await App.SendAsync(employer, new CalculateLevy(2025, u.A.RegionCode, u.A.UnitType, 150m, 90_000m, 0m, 0m)); }
        catch (Mediator.MissingMessageHandlerException) { expected = null; }
        if (expected is null)
        {
            Assert.That(dashboard.Levy, Is.Null);
            Assert.That(dashboard.LevyUnavailableReason, Does.Contain("暂不可用"));
            return;
        }
        Assert.Multiple(() =>
        {
            Assert.That(dashboard.Levy!.Levy, Is.EqualTo(expected.Levy));
            Assert.That(dashboard.Levy.LevyWithoutPlacement, Is.EqualTo(expected.LevyWithoutPlacement));
            Assert.That(dashboard.Levy.Saving, Is.Zero);
        });
    }

    [Test]
    public async Task TheDashboard_IsTheUnitsOwn_AndTheWorkforceIsValidated()
    {
        var u = await Seed.UnitsAsync(App);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(u.B.Id), new GetHomeDashboard(u.A.Id, null)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(u.B.Id), new SaveUnitWorkforce(u.A.Id, 2025, 10m, 50_000m)));
            var error = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Employer(u.A.Id), new SaveUnitWorkforce(u.A.Id, 2025, 0m, -1m)));
            Assert.That(error!.Errors.Keys, Is.EquivalentTo(new[] { "Headcount", "AverageAnnualWage" }));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3302"), new SaveUnitWorkforce(u.A.Id, 2025, 10m, 50_000m)));
        });
    }
}
