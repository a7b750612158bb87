using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

public sealed class UnitProfileTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    [Test]
    public async Task UpdateProfile_SavesAndBumpsVersion_AndIsAuditedWithoutPersonalDataInClear()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var saved = await App.SendAsync(TestUsers.Employer(a.Id), Seed.Edit(a) with { ContactMobile = "13911112222", ContactName = "王小明" });
        var after = await App.SendAsync(TestUsers.Employer(a.Id), new GetUnit(a.Id));
        var history = await App.SendAsync(TestUsers.Employer(a.Id), new GetUnitHistory(a.Id));
        var entry = history.Single(h => h.Action == "修改单位信息");
        Assert.Multiple(() =>
        {
            Assert.That(saved.Version, Is.EqualTo(a.Version + 1));
            Assert.That(after.ContactMobile, Is.EqualTo("13911112222"));
            Assert.That(after.ContactName, Is.EqualTo("王小明"));
            Assert.That(entry.Before, Does.Contain("138****1234").And.Not.Contain("13800571234"));
            Assert.That(entry.After, Does.Contain("139****2222").And.Not.Contain("13911112222"));
            Assert.That(entry.After, Does.Contain("王**").And.Not.Contain("王小明"));
        });
    }

    [Test]
    public async Task UpdateProfile_WithAStaleVersion_IsAConflict_AndKeepsTheFirstEdit()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        await App.SendAsync(TestUsers.Employer(a.Id), Seed.Edit(a) with { ContactName = "第一次" });
        var ex = await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Employer(a.Id), Seed.Edit(a) with { ContactName = "第二次" }));
        var after = await App.SendAsync(TestUsers.Employer(a.Id), new GetUnit(a.Id));
        Assert.Multiple(async () =>
        {
            Assert.That(ex!.StatusCode, Is.EqualTo(409));
            Assert.That(after.ContactName, Is.EqualTo("第一次"));
        });
    }

    [Test]
    public async Task UpdateProfile_InvalidFields_AreReportedPerField()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var ex = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Employer(a.Id),
            Seed.Edit(a) with { ContactMobile = "0571-8888", UnitType = "nonsense", Name = "" }));
        Assert.That(ex!.Errors.Keys, Is.SupersetOf(new[] { "ContactMobile", "UnitType", "Name" }));
    }

    [Test]
    public async Task UpdateProfile_ACreditCodeChecksumMismatch_WarnsButSaves()
    {
        await App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(Seed.Header, Seed.Row("91350100M000100Y44", "旧码公司", "330106"))));
        var unit = (await App.SendAsync(TestUsers.System, new GetUnitByCreditCode("91350100M000100Y44")))!;
        var saved = await App.SendAsync(TestUsers.Employer(unit.Id), Seed.Edit(unit) with { ContactName = "新经办人" });
        Assert.Multiple(async () =>
        {
            Assert.That(saved.Warning, Does.Contain("校验位"));
            Assert.That(saved.Version, Is.EqualTo(unit.Version + 1));
        });
    }

    [Test]
    public async Task FirstUseReminder_ShowsUntilConfirmed()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        Assert.That(a.ProfileConfirmed, Is.False);
        await App.SendAsync(TestUsers.Employer(a.Id), new ConfirmUnitProfile(a.Id));
        Assert.That((await App.SendAsync(TestUsers.Employer(a.Id), new GetUnit(a.Id))).ProfileConfirmed, Is.True);
    }

    [Test]
    public async Task Employer_OfAnotherUnit_GetsNotFound_ForProfileHistoryAndEdits()
    {
        var (a, b) = await Seed.TwoUnitsAsync(App);
        var other = TestUsers.Employer(a.Id);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, new GetUnit(b.Id)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, new GetUnitHistory(b.Id)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, Seed.Edit(b)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(other, new GetRelatedUnits(b.Id, new DateOnly(2000, 1, 1), new DateOnly(2100, 1, 1))));
        });
    }

    [Test]
    public async Task Reviewer_OutsideTheJurisdiction_IsForbidden_InsideMaySee()
    {
        var (a, b) = await Seed.TwoUnitsAsync(App);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3301"), new GetUnit(b.Id)));
            Assert.That((await App.SendAsync(TestUsers.Reviewer("3301"), new GetUnit(a.Id))).Id, Is.EqualTo(a.Id));
            Assert.That((await App.SendAsync(TestUsers.Reviewer("3302"), new GetUnit(b.Id))).Id, Is.EqualTo(b.Id));
        });
    }

    [Test]
    public async Task UnitsInJurisdiction_AreFilteredByPrefixAndSearch()
    {
        await Seed.TwoUnitsAsync(App);
        var hangzhou = await App.SendAsync(TestUsers.Reviewer("3301"), new GetUnitsInJurisdiction(null));
        var search = await App.SendAsync(TestUsers.Reviewer("3301"), new GetUnitsInJurisdiction("丙"));
        var all = await App.SendAsync(TestUsers.Admin, new GetUnitsInJurisdiction(null));
        Assert.Multiple(async () =>
        {
            Assert.That(hangzhou.Items.Select(u => u.CreditCode), Is.EquivalentTo(new[] { Seed.UnitA, Seed.UnitC }));
            Assert.That(search.Items.Select(u => u.CreditCode), Is.EqualTo(new[] { Seed.UnitC }));
            Assert.That(all.Total, Is.EqualTo(3));
        });
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(Guid.NewGuid()), new GetUnitsInJurisdiction(null)));
    }
}
