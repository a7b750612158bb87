using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

public sealed class WorkforceTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task TheWorkforce_IsSavedPerYear_Overwritten_AndAudited()
    {
        var (a, b) = await Seed.TwoUnitsAsync(App);
        var clerk = TestUsers.Employer(a.Id);
        await App.SendAsync(clerk, new SaveUnitWorkforce(a.Id, 2025, 30.25m, 60_000m));
        await App.SendAsync(clerk, new SaveUnitWorkforce(a.Id, 2025, 31m, 61_000.5m));
        var w2025 = await App.SendAsync(clerk, new GetUnitWorkforce(a.Id, 2025));
        var w2024 = await App.SendAsync(clerk, new GetUnitWorkforce(a.Id, 2024));
        var history = await App.SendAsync(clerk, new GetUnitHistory(a.Id));
        Assert.Multiple(async () =>
        {
            Assert.That((w2025!.Headcount, w2025.AverageAnnualWage), Is.EqualTo((31m, 61_000.5m)));
            Assert.That(w2024, Is.Null);
            Assert.That(history.Count(h => h.EntityType == "UnitWorkforce"), Is.EqualTo(2));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), new GetUnitWorkforce(a.Id, 2025)));
            await Assert.ThrowsAsync<InputException>(() => App.SendAsync(clerk, new SaveUnitWorkforce(a.Id, 2025, 10.123m, 50_000m)));
        });
    }
}
