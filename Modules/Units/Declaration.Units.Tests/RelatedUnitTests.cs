using System.Text;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

public sealed class RelatedUnitTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    // The fake clock stands at 2026-03-15: a relation from 2026-06-01 has no history yet, one from 2025-01-01 has.
    private static AddRelatedUnit Future(Guid unitId) => new(unitId, Seed.Dispatch, "派遣公司", "labor_dispatch", new DateOnly(2026, 6, 1), null, "330108", null, null);
    private static AddRelatedUnit Past(Guid unitId) => new(unitId, Seed.Dispatch, "派遣公司", "labor_dispatch", new DateOnly(2025, 1, 1), null, "330108", null, null);

    private static async Task<RelatedUnitDto> Load(Guid unitId, Guid id) =>
        (await App.SendAsync(TestUsers.Employer(unitId), new GetRelatedUnits(unitId, new DateOnly(1900, 1, 1), new DateOnly(2999, 1, 1)))).Single(r => r.Id == id);

    [Test]
    public async Task AddEditDelete_WithoutHistory_Works_AndIsAudited()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var user = TestUsers.Employer(a.Id);
        var id = await App.SendAsync(user, Future(a.Id));
        var added = await Load(a.Id, id);
        await App.SendAsync(user, new EditRelatedUnit(a.Id, id, added.Version, "91330106MA2CDE0E56", "代发公司", "payroll_agent", new DateOnly(2026, 7, 1), new DateOnly(2026, 12, 31), null, "地址", "13800001111"));
        var edited = await Load(a.Id, id);
        await App.SendAsync(user, new DeleteRelatedUnit(a.Id, id, edited.Version));
        var left = await App.SendAsync(user, new GetRelatedUnits(a.Id, new DateOnly(1900, 1, 1), new DateOnly(2999, 1, 1)));
        var history = await App.SendAsync(user, new GetUnitHistory(a.Id));
        Assert.Multiple(async () =>
        {
            Assert.That(added.HasHistory, Is.False);
            Assert.That(edited.RelationType, Is.EqualTo("payroll_agent"));
            Assert.That(edited.ValidTo, Is.EqualTo(new DateOnly(2026, 12, 31)));
            Assert.That(left, Is.Empty);
            Assert.That(history.Select(h => h.Action), Is.SupersetOf(new[] { "添加关联单位", "修改关联单位", "删除关联单位" }));
        });
    }

    [Test]
    public async Task RelatedUnits_AreFilteredByPeriod()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        await App.SendAsync(TestUsers.Employer(a.Id), Past(a.Id) with { ValidTo = new DateOnly(2025, 6, 30) });
        var in2025 = await App.SendAsync(TestUsers.Employer(a.Id), new GetRelatedUnits(a.Id, new DateOnly(2025, 6, 1), new DateOnly(2025, 6, 30)));
        var in2026 = await App.SendAsync(TestUsers.Employer(a.Id), new GetRelatedUnits(a.Id, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)));
        Assert.Multiple(async () =>
        {
            Assert.That(in2025, Has.Count.EqualTo(1));
            Assert.That(in2026, Is.Empty);
        });
    }

    [Test]
    public async Task WithHistory_CreditCodeAndRegionAreFrozen_ButNameAddressPhoneMayChange()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var user = TestUsers.Employer(a.Id);
        var id = await App.SendAsync(user, Past(a.Id));
        var r = await Load(a.Id, id);
        var ex = await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user,
            new EditRelatedUnit(a.Id, id, r.Version, "91330106MA2CDE0E56", r.RelatedName, r.RelationType, r.ValidFrom, r.ValidTo, r.RegionCode, null, null)));
        Assert.That(ex!.Rule, Is.EqualTo("RelatedUnitWithHistoryKeepsIdentityRule"));
        await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user,
            new EditRelatedUnit(a.Id, id, r.Version, r.RelatedCreditCode, r.RelatedName, r.RelationType, r.ValidFrom, r.ValidTo, "330109", null, null)));
        await App.SendAsync(user, new EditRelatedUnit(a.Id, id, r.Version, r.RelatedCreditCode, "新名称", r.RelationType, r.ValidFrom, r.ValidTo, r.RegionCode, "新地址", "13800002222"));
        var after = await Load(a.Id, id);
        Assert.Multiple(async () =>
        {
            Assert.That(r.HasHistory, Is.True);
            Assert.That(after.RelatedName, Is.EqualTo("新名称"));
            Assert.That(after.Phone, Is.EqualTo("13800002222"));
        });
        await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, new DeleteRelatedUnit(a.Id, id, after.Version)));
    }

    [Test]
    public async Task Evidence_IsCheckedByContent_AndKeptOnceTheRelationHasHistory()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var user = TestUsers.Employer(a.Id);
        var future = await App.SendAsync(user, Future(a.Id));
        var past = await App.SendAsync(user, Past(a.Id) with { RelationType = "payroll_agent" });
        var fakePdf = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(user,
            new AddRelatedUnitEvidence(a.Id, future, new MemoryStream(Encoding.UTF8.GetBytes("MZ not a pdf")), "协议.pdf")));
        var tooBig = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(user,
            new AddRelatedUnitEvidence(a.Id, future, new MemoryStream(Seed.Pdf.Concat(new byte[10 * 1024 * 1024]).ToArray()), "大文件.pdf")));
        var f1 = await App.SendAsync(user, new AddRelatedUnitEvidence(a.Id, future, new MemoryStream(Seed.Pdf), "协议.pdf"));
        var f2 = await App.SendAsync(user, new AddRelatedUnitEvidence(a.Id, past, new MemoryStream(Seed.Pdf), "代发协议.pdf"));
        var download = await App.SendAsync(user, new GetRelatedUnitEvidence(a.Id, past, f2));
        using var copy = new MemoryStream();
        await download.Content.CopyToAsync(copy);
        await download.Content.DisposeAsync();
        Assert.Multiple(async () =>
        {
            Assert.That(fakePdf!.Errors["file"].Single(), Does.Contain("不是PDF"));
            Assert.That(tooBig!.Errors["file"].Single(), Does.Contain("10MB"));
            Assert.That(download.ContentType, Is.EqualTo("application/pdf"));
            Assert.That(copy.ToArray(), Is.EqualTo(Seed.Pdf));
        });
        await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, new DeleteRelatedUnitEvidence(a.Id, past, f2)));
        Assert.That(await App.SendAsync(user, new DeleteRelatedUnitEvidence(a.Id, future, f1)), Is.True);
    }

    [Test]
    public async Task AnotherUnitsRelatedUnitAndEvidence_AreNotFound()
    {
        var (a, b) = await Seed.TwoUnitsAsync(App);
        var id = await App.SendAsync(TestUsers.Employer(b.Id), Future(b.Id));
        var file = await App.SendAsync(TestUsers.Employer(b.Id), new AddRelatedUnitEvidence(b.Id, id, new MemoryStream(Seed.Pdf), "b.pdf"));
        var intruder = TestUsers.Employer(a.Id);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(intruder, new GetRelatedUnitEvidence(b.Id, id, file)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(intruder, new GetRelatedUnitEvidence(a.Id, id, file)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(intruder, new DeleteRelatedUnit(a.Id, id, 1)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(intruder, new DeleteRelatedUnit(b.Id, id, 1)));
        });
    }

    [Test]
    public async Task ARelation_ToItself_OrTwice_IsRefused()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var user = TestUsers.Employer(a.Id);
        await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(user, Future(a.Id) with { RelatedCreditCode = a.CreditCode }));
        await App.SendAsync(user, Future(a.Id));
        await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(user, Future(a.Id)));
    }
}
