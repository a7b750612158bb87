using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

/// <summary>Single sign-on by an explicit binding table (employer accounts only, never by name).</summary>
public sealed class SsoBindingTests
{
    private const string Issuer = "https://sso.zjzwfw.example";
    private const string Password = "Clerk@2026x";

    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static Task<SignInResult> SsoAsync(string subject, string? creditCode) =>
        App.SendAsync(TestUsers.System, new ResolveSsoSignIn(Issuer, subject, creditCode));

    [Test]
    public async Task AFirstSignIn_WithTheUnitsCreditCode_OpensAndBindsItsAccount_TheNextOneUsesTheBinding()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var first = await SsoAsync("zw-000123", Seed.UnitA.ToLowerInvariant());
        var second = await SsoAsync("zw-000123", null);
        var detail = await App.SendAsync(TestUsers.Admin, new GetAccount(first.Account!.Id));
        var history = await App.SendAsync(TestUsers.Admin, new GetUnitHistory(a.Id));
        Assert.Multiple(() =>
        {
            Assert.That(first.Account.UnitId, Is.EqualTo(a.Id));
            Assert.That(first.Account.Role, Is.EqualTo(Role.Employer));
            Assert.That(second.Account?.Id, Is.EqualTo(first.Account.Id), "bound: no claim needed the second time");
            Assert.That(detail.SsoBindings.Single().Subject, Is.EqualTo("zw-000123"));
            Assert.That(detail.Account.HasPassword, Is.False);
            Assert.That(history.Select(h => h.Action), Does.Contain("绑定政务服务网账号（首次登录）"));
        });
    }

    [Test]
    public async Task ASubjectEqualToAStaffUserName_NeverSignsInAsThatAccount()
    {
        await Seed.TwoUnitsAsync(App);
        await App.SendAsync(TestUsers.System, new CreateAccount("admin", "系统管理员", Password, Role.Admin, null, null));
        await App.SendAsync(TestUsers.System, new CreateAccount("reviewer", "审核员", Password, Role.Reviewer, null, "3301"));
        var asAdmin = await SsoAsync("admin", null);
        var asReviewer = await SsoAsync("reviewer", "reviewer");
        Assert.Multiple(async () =>
        {
            Assert.That(asAdmin.Account, Is.Null);
            Assert.That(asAdmin.Error, Does.Contain("尚未绑定"));
            Assert.That(asReviewer.Account, Is.Null);
            var reviewer = (await App.SendAsync(TestUsers.System, new FindAccount("reviewer")))!;
            await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(TestUsers.Admin, new BindSsoSubject(reviewer.Id, Issuer, "zw-staff")));
        });
    }

    [Test]
    public async Task AUnitWithSeveralAccounts_IsBoundByAnAdmin_AndUnbindingEndsTheSession()
    {
        await Seed.TwoUnitsAsync(App);
        var one = await App.SendAsync(TestUsers.System, new CreateAccount("a-one", "经办人一", Password, Role.Employer, Seed.UnitA, null));
        await App.SendAsync(TestUsers.System, new CreateAccount("a-two", "经办人二", Password, Role.Employer, Seed.UnitA, null));
        var refused = await SsoAsync("zw-9", Seed.UnitA);
        await App.SendAsync(TestUsers.Admin, new BindSsoSubject(one.Id, Issuer, "zw-9"));
        var bound = await SsoAsync("zw-9", Seed.UnitA);
        var two = (await App.SendAsync(TestUsers.System, new FindAccount("a-two")))!.Id;
        var taken = await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Admin, new BindSsoSubject(two, Issuer, "zw-9")));
        await App.SendAsync(TestUsers.Admin, new UnbindSsoSubject(one.Id, Issuer, "zw-9"));
        var session = await App.SendAsync(TestUsers.System, new ValidateSession(one.Id, bound.SecurityStamp));
        var afterUnbind = await SsoAsync("zw-9", null);
        Assert.Multiple(() =>
        {
            Assert.That(refused.Error, Does.Contain("多个系统账号"));
            Assert.That(bound.Account?.Id, Is.EqualTo(one.Id));
            Assert.That(taken!.StatusCode, Is.EqualTo(409));
            Assert.That(session.Valid, Is.False);
            Assert.That(afterUnbind.Account, Is.Null);
        });
    }

    [Test]
    public async Task ADisabledBoundAccount_OrAnUnknownUnit_DoesNotSignIn()
    {
        await Seed.TwoUnitsAsync(App);
        var first = await SsoAsync("zw-1", Seed.UnitB);
        await App.SendAsync(TestUsers.Admin, new SetAccountEnabled(first.Account!.Id, false));
        var disabled = await SsoAsync("zw-1", Seed.UnitB);
        var unknown = await SsoAsync("zw-2", "91330106MA2CDE9Z9Z");
        Assert.Multiple(() =>
        {
            Assert.That(disabled.Account, Is.Null);
            Assert.That(disabled.Error, Does.Contain("停用"));
            Assert.That(unknown.Error, Does.Contain("未在本系统登记"));
        });
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Admin, new ResolveSsoSignIn(Issuer, "zw-1", null)));
    }
}

/// <summary>Registry facts change only by the registry import or an approved request.</summary>
public sealed class RegistryChangeTests
{
    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static RequestRegistryChange MoveToBinjiang(UnitDto a) => new(a.Id, "330108", "330108", "13301080000", "税务关系已迁至滨江区");

    [Test]
    public async Task AUnitsRequest_ChangesNothing_UntilAReviewerOfItsJurisdictionApproves()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var id = await App.SendAsync(TestUsers.Employer(a.Id), MoveToBinjiang(a));
        var pending = await App.SendAsync(TestUsers.Employer(a.Id), new GetUnit(a.Id));
        var ningbo = await App.SendAsync(TestUsers.Reviewer("3302"), new GetPendingRegistryChanges());
        var hangzhou = await App.SendAsync(TestUsers.Reviewer("3301"), new GetPendingRegistryChanges());
        await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3302"), new DecideRegistryChange(id, true, null)));
        await App.SendAsync(TestUsers.Reviewer("3301"), new DecideRegistryChange(id, true, "核实无误"));
        var after = await App.SendAsync(TestUsers.Employer(a.Id), new GetUnit(a.Id));
        var requests = await App.SendAsync(TestUsers.Employer(a.Id), new GetRegistryChanges(a.Id));
        var history = await App.SendAsync(TestUsers.Employer(a.Id), new GetUnitHistory(a.Id));
        Assert.Multiple(() =>
        {
            Assert.That((pending.RegionCode, pending.FederationCode, pending.TaxAuthorityCode), Is.EqualTo((a.RegionCode, a.FederationCode, a.TaxAuthorityCode)));
            Assert.That(ningbo.Items, Is.Empty);
            Assert.That(hangzhou.Items.Single().Id, Is.EqualTo(id));
            Assert.That((after.RegionCode, after.FederationCode, after.TaxAuthorityCode), Is.EqualTo(("330108", "330108", "13301080000")));
            Assert.That(after.Version, Is.EqualTo(a.Version + 1));
            Assert.That(requests.Single().Status, Is.EqualTo(RegistryChangeStatus.Approved));
            Assert.That(requests.Single().DecisionComment, Is.EqualTo("核实无误"));
            Assert.That(history.Select(h => h.Action), Does.Contain("申请变更登记信息").And.Contain("登记信息变更（经审核批准）").And.Contain("批准登记信息变更"));
        });
        var events = await App.InScopeAsync(TestUsers.System, sp => sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<long>("""
            SELECT count(*) FROM units.outbox WHERE type LIKE '%UnitProfileChanged' AND payload->>'unitId' = @id AND payload->>'regionCode' = '330108'
            """, new { id = a.Id.ToString() }, CancellationToken.None));
        Assert.That(events, Is.EqualTo(1), "the approval publishes the unit's new facts");
    }

    [Test]
    public async Task ARejection_NeedsAComment_AndTheUnitSeesIt()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var id = await App.SendAsync(TestUsers.Employer(a.Id), MoveToBinjiang(a));
        var noComment = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Reviewer("3301"), new DecideRegistryChange(id, false, " ")));
        await App.SendAsync(TestUsers.Admin, new DecideRegistryChange(id, false, "请提供税务迁移证明"));
        var twice = await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Reviewer("3301"), new DecideRegistryChange(id, true, null)));
        var request = (await App.SendAsync(TestUsers.Employer(a.Id), new GetRegistryChanges(a.Id))).Single();
        Assert.Multiple(async () =>
        {
            Assert.That(noComment!.Errors.Keys, Does.Contain("Comment"));
            Assert.That(twice!.StatusCode, Is.EqualTo(409));
            Assert.That(request.Status, Is.EqualTo(RegistryChangeStatus.Rejected));
            Assert.That(request.DecisionComment, Is.EqualTo("请提供税务迁移证明"));
            Assert.That((await App.SendAsync(TestUsers.Employer(a.Id), new GetUnit(a.Id))).RegionCode, Is.EqualTo("330106"));
        });
    }

    [Test]
    public async Task OnePendingRequestAUnit_OnlyItsOwnClerkAsks_AndMayWithdraw()
    {
        var (a, b) = await Seed.TwoUnitsAsync(App);
        var id = await App.SendAsync(TestUsers.Employer(a.Id), MoveToBinjiang(a));
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Employer(a.Id), MoveToBinjiang(a) with { RegionCode = "330110" }));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), MoveToBinjiang(a)));
            await Assert.ThrowsAsync<NotFoundException>(() => App.SendAsync(TestUsers.Employer(b.Id), new GetRegistryChanges(a.Id)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3301"), MoveToBinjiang(a)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new DecideRegistryChange(id, true, null)));
            var same = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Employer(b.Id),
                new RequestRegistryChange(b.Id, b.RegionCode, b.FederationCode, b.TaxAuthorityCode, "无变化")));
            Assert.That(same!.Message + string.Join("", same.Errors.SelectMany(e => e.Value)), Does.Contain("相同"));
            var invalid = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Employer(b.Id),
                new RequestRegistryChange(b.Id, "33A", "1", "", "")));
            Assert.That(invalid!.Errors.Keys, Is.SupersetOf(new[] { "RegionCode", "FederationCode", "TaxAuthorityCode", "Reason" }));
        });
        Assert.That(await App.SendAsync(TestUsers.Employer(a.Id), new WithdrawRegistryChange(a.Id, id)), Is.True);
        Assert.That((await App.SendAsync(TestUsers.Employer(a.Id), new GetRegistryChanges(a.Id))).Single().Status, Is.EqualTo(RegistryChangeStatus.Withdrawn));
        Assert.That(await App.SendAsync(TestUsers.Employer(a.Id), MoveToBinjiang(a)), Is.Not.EqualTo(id), "a new request after withdrawing");
    }

    [Test]
    public async Task ARequestOvertakenByTheRegistryImport_CannotBeApproved()
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var id = await App.SendAsync(TestUsers.Employer(a.Id), MoveToBinjiang(a));
        await App.SendAsync(TestUsers.System, new ImportUnits(Seed.Csv(Seed.Header, Seed.Row(Seed.UnitA, "甲公司", "330102"))));
        var ex = await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Reviewer("3301"), new DecideRegistryChange(id, true, null)));
        Assert.Multiple(async () =>
        {
            Assert.That(ex!.Message, Does.Contain("登记数据导入"));
            Assert.That((await App.SendAsync(TestUsers.Admin, new GetUnit(a.Id))).RegionCode, Is.EqualTo("330102"));
        });
    }
}
