using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Csv;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Testing;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using static Declaration.Units.Tests.UnitsFixture;

namespace Declaration.Units.Tests;

/// <summary>Accounts: sign-in and its lockout, PBKDF2 re-hash, temporary passwords, the security stamp, the accounts import, API keys.</summary>
public sealed class AccountTests
{
    private const string Password = "Clerk@2026x";

    [SetUp]
    public Task ResetAsync() => App.ResetAsync();

    private static readonly ICurrentUser FromOffice = new AnonymousUser("10.0.0.1");
    private static readonly ICurrentUser FromElsewhere = new AnonymousUser("10.0.0.2");

    private static async Task<(UnitDto A, Guid Clerk)> ClerkAsync(string user = "clerk-a", string? password = Password)
    {
        var (a, _) = await Seed.TwoUnitsAsync(App);
        var created = await App.SendAsync(TestUsers.System, new CreateAccount(user, "甲公司经办人", password, Role.Employer, Seed.UnitA, null));
        return (a, created.Id);
    }

    private static Task<T> SqlAsync<T>(string sql, object? args = null) => App.InScopeAsync(TestUsers.System, sp =>
        sp.GetRequiredService<IDbSession>().ExecuteScalarAsync<T>(sql, args, CancellationToken.None))!;

    private static ICurrentUser AccountUser(Guid id, Role role = Role.Employer, Guid? unit = null) =>
        new ExplicitUser(id.ToString(), "经办人", role, unit);

    [Test]
    public async Task FiveFailures_LockTheName_AndANameWithoutAccountAnswersExactlyTheSame()
    {
        await ClerkAsync();
        var existing = new List<string?>();
        var missing = new List<string?>();
        for (var i = 0; i < 5; i++)
        {
            existing.Add((await App.SendAsync(FromOffice, new SignIn("clerk-a", "Wrong@2026x"))).Error);
            missing.Add((await App.SendAsync(FromOffice, new SignIn("nobody-here", "Wrong@2026x"))).Error);
        }
        var lockedWithTheRightPassword = await App.SendAsync(FromOffice, new SignIn("clerk-a", Password));
        Assert.Multiple(() =>
        {
            Assert.That(existing, Is.EqualTo(missing), "the answers never tell whether the account exists");
            Assert.That(existing.Take(4), Is.All.EqualTo("用户名或密码错误"));
            Assert.That(existing[4], Does.Contain("锁定"));
            Assert.That(lockedWithTheRightPassword.Account, Is.Null);
            Assert.That(lockedWithTheRightPassword.Error, Is.EqualTo(existing[4]));
        });
    }

    [Test]
    public async Task ALockFromOneAddress_DoesNotLockTheOwnerOut_ElsewhereOrLater()
    {
        await ClerkAsync();
        for (var i = 0; i < 5; i++) await App.SendAsync(FromElsewhere, new SignIn("clerk-a", "Wrong@2026x"));
        var fromOffice = await App.SendAsync(FromOffice, new SignIn("clerk-a", Password));
        var attacker = await App.SendAsync(FromElsewhere, new SignIn("clerk-a", Password));
        App.Clock.Now += TimeSpan.FromMinutes(16);
        var later = await App.SendAsync(FromElsewhere, new SignIn("clerk-a", Password));
        Assert.Multiple(() =>
        {
            Assert.That(fromOffice.Account?.UserName, Is.EqualTo("clerk-a"), "another address still signs in");
            Assert.That(attacker.Error, Does.Contain("锁定"));
            Assert.That(later.Account, Is.Not.Null, "the lock ends after 15 minutes");
        });
    }

    [Test]
    public async Task TwentyFailuresFromManyAddresses_LockTheNameEverywhere()
    {
        await ClerkAsync();
        for (var i = 0; i < 20; i++) await App.SendAsync(new AnonymousUser($"10.1.0.{i}"), new SignIn("clerk-a", "Wrong@2026x"));
        var result = await App.SendAsync(new AnonymousUser("10.9.9.9"), new SignIn("clerk-a", Password));
        Assert.That(result.Error, Does.Contain("锁定"));
    }

    [Test]
    public async Task AnOldHash_IsReHashedAtOwaspIterations_OnTheNextSignIn()
    {
        var (_, id) = await ClerkAsync();
        await SqlAsync<int>("UPDATE units.account SET password_hash = @hash WHERE id = @id", new { id, hash = PasswordHasher.Hash(Password, 210_000) });
        var stampBefore = await SqlAsync<Guid>("SELECT security_stamp FROM units.account WHERE id = @id", new { id });
        var first = await App.SendAsync(FromOffice, new SignIn("clerk-a", Password));
        var stored = await SqlAsync<string>("SELECT password_hash FROM units.account WHERE id = @id", new { id });
        var second = await App.SendAsync(FromOffice, new SignIn("clerk-a", Password));
        Assert.Multiple(() =>
        {
            Assert.That(first.Account, Is.Not.Null);
            Assert.That(PasswordHasher.IterationsOf(stored), Is.EqualTo(600_000));
            Assert.That(PasswordHasher.Iterations, Is.EqualTo(600_000), "OWASP's count for PBKDF2-HMAC-SHA256");
            Assert.That(second.Account, Is.Not.Null, "the new hash verifies");
            Assert.That(second.SecurityStamp, Is.EqualTo(stampBefore), "re-hashing the same password ends no session");
        });
    }

    [Test]
    public async Task ATemporaryPassword_MustBeChangedAtTheFirstSignIn_AndTheChangeEndsOtherSessions()
    {
        var (_, id) = await ClerkAsync(password: null);
        var temporary = await App.SendAsync(TestUsers.Admin, new ResetPassword(id));
        var first = await App.SendAsync(FromOffice, new SignIn("clerk-a", temporary));
        var weak = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(AccountUser(id), new ChangeOwnPassword(temporary, "short")));
        var wrongCurrent = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(AccountUser(id), new ChangeOwnPassword("Wrong@2026x", "Brand@New2026")));
        var changed = await App.SendAsync(AccountUser(id), new ChangeOwnPassword(temporary, "Brand@New2026"));
        var oldSession = await App.SendAsync(TestUsers.System, new ValidateSession(id, first.SecurityStamp));
        var newSession = await App.SendAsync(TestUsers.System, new ValidateSession(id, changed.SecurityStamp));
        var again = await App.SendAsync(FromOffice, new SignIn("clerk-a", "Brand@New2026"));
        var history = await App.SendAsync(TestUsers.Admin, new GetUnitHistory((await App.SendAsync(TestUsers.Admin, new GetAccount(id))).Account.UnitId!.Value));
        Assert.Multiple(() =>
        {
            Assert.That(temporary, Has.Length.EqualTo(14));
            Assert.That(first.MustChangePassword, Is.True);
            Assert.That(weak!.Errors.Keys, Does.Contain("NewPassword"));
            Assert.That(wrongCurrent!.Errors.Keys, Does.Contain("CurrentPassword"));
            Assert.That(oldSession.Valid, Is.False);
            Assert.That(newSession, Is.EqualTo(new SessionState(true, false)));
            Assert.That(again.MustChangePassword, Is.False);
            Assert.That(history.Select(h => h.Action), Does.Contain("重置密码（临时密码，首次登录须修改）").And.Contain("修改本人密码"));
        });
    }

    [Test]
    public async Task TheSecurityStamp_ChangesWithRoleUnitJurisdictionPasswordOrStatus_NotWithTheName()
    {
        var (_, id) = await ClerkAsync();
        async Task<Guid> StampAsync() => await SqlAsync<Guid>("SELECT security_stamp FROM units.account WHERE id = @id", new { id });
        async Task<int> VersionAsync() => await SqlAsync<int>("SELECT version FROM units.account WHERE id = @id", new { id });
        var s0 = await StampAsync();
        await App.SendAsync(TestUsers.Admin, new UpdateAccount(id, await VersionAsync(), "新名字", Role.Employer, Seed.UnitA, null));
        var s1 = await StampAsync();
        await App.SendAsync(TestUsers.Admin, new UpdateAccount(id, await VersionAsync(), "新名字", Role.Employer, Seed.UnitC, null));
        var s2 = await StampAsync();
        await App.SendAsync(TestUsers.Admin, new UpdateAccount(id, await VersionAsync(), "新名字", Role.Reviewer, null, "3301"));
        var s3 = await StampAsync();
        await App.SendAsync(TestUsers.Admin, new UpdateAccount(id, await VersionAsync(), "新名字", Role.Reviewer, null, "3302"));
        var s4 = await StampAsync();
        await App.SendAsync(TestUsers.Admin, new SetAccountEnabled(id, false));
        var s5 = await StampAsync();
        var disabled = await App.SendAsync(FromOffice, new SignIn("clerk-a", Password));
        await App.SendAsync(TestUsers.Admin, new SetAccountEnabled(id, true));
        var s6 = await StampAsync();
        await App.SendAsync(TestUsers.Admin, new ResetPassword(id));
        var s7 = await StampAsync();
        var stale = await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Admin, new UpdateAccount(id, 1, "x", Role.Admin, null, null)));
        Assert.Multiple(() =>
        {
            Assert.That(s1, Is.EqualTo(s0), "a new display name keeps sessions");
            Assert.That(new[] { s1, s2, s3, s4, s5, s6, s7 }.Distinct().Count(), Is.EqualTo(7), "unit, role, jurisdiction, status twice and password each end sessions");
            Assert.That(disabled.Account, Is.Null);
            Assert.That(disabled.Error, Does.Contain("停用"));
            Assert.That(stale!.StatusCode, Is.EqualTo(409));
        });
    }

    [Test]
    public async Task SessionChecks_AreCachedBriefly_AChangeOnThisHostCountsAtOnce_OneElsewhereWithinTheInterval()
    {
        var (_, id) = await ClerkAsync();
        var signedIn = await App.SendAsync(FromOffice, new SignIn("clerk-a", Password));
        Assert.That((await App.SendAsync(TestUsers.System, new ValidateSession(id, signedIn.SecurityStamp))).Valid, Is.True);

        // Another host disables the account (straight in the database: this host's cache does not hear of it).
        await SqlAsync<int>("UPDATE units.account SET status = 'Disabled', security_stamp = gen_random_uuid() WHERE id = @id", new { id });
        var cached = await App.SendAsync(TestUsers.System, new ValidateSession(id, signedIn.SecurityStamp));
        App.Clock.Now += TimeSpan.FromSeconds(11);
        var afterInterval = await App.SendAsync(TestUsers.System, new ValidateSession(id, signedIn.SecurityStamp));

        // On this host the handler forgets the entry: the next check already fails.
        await SqlAsync<int>("UPDATE units.account SET status = 'Active' WHERE id = @id", new { id });
        var again = await App.SendAsync(FromOffice, new SignIn("clerk-a", Password));
        Assert.That((await App.SendAsync(TestUsers.System, new ValidateSession(id, again.SecurityStamp))).Valid, Is.True);
        await App.SendAsync(TestUsers.Admin, new SetAccountEnabled(id, false));
        var immediately = await App.SendAsync(TestUsers.System, new ValidateSession(id, again.SecurityStamp));
        Assert.Multiple(() =>
        {
            Assert.That(cached.Valid, Is.True, "within the interval the cached answer stands");
            Assert.That(afterInterval.Valid, Is.False);
            Assert.That(immediately.Valid, Is.False);
        });
    }

    [Test]
    public async Task OnlyAdmins_ManageAccounts_AndNobodyDisablesOrDemotesThemselves()
    {
        var (a, id) = await ClerkAsync();
        var admin = await App.SendAsync(TestUsers.System, new CreateAccount("admin-x", "管理员", Password, Role.Admin, null, null));
        var asAdmin = new ExplicitUser(admin.Id.ToString(), "管理员", Role.Admin);
        Assert.Multiple(async () =>
        {
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new CreateAccount("x1", "x", Password, Role.Admin, null, null)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Reviewer("3301"), new ResetPassword(id)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new GetAccounts(null)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new FindAccount("clerk-a")));
            await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(asAdmin, new SetAccountEnabled(admin.Id, false)));
            await Assert.ThrowsAsync<BusinessRuleException>(() => App.SendAsync(asAdmin, new UpdateAccount(admin.Id, 1, "管理员", Role.Reviewer, null, "33")));
            await Assert.ThrowsAsync<ConflictException>(() => App.SendAsync(TestUsers.Admin, new CreateAccount("clerk-a", "重名", Password, Role.Admin, null, null)));
            var input = await Assert.ThrowsAsync<InputException>(() => App.SendAsync(TestUsers.Admin, new CreateAccount("bad name!", "", "weak", Role.System, null, null)));
            Assert.That(input!.Errors.Keys, Is.SupersetOf(new[] { "UserName", "DisplayName", "Role", "Password" }));
            var list = await App.SendAsync(TestUsers.Admin, new GetAccounts("甲公司"));
            Assert.That(list.Items.Select(i => i.UserName), Is.EqualTo(new[] { "clerk-a" }), "found by the bound unit's name");
        });
    }

    [Test]
    public async Task AMessageSentWithoutACaller_IsRefused()
    {
        await using var scope = App.Services.CreateAsyncScope();
        var ex = await Assert.ThrowsAsync<ForbiddenException>(async () =>
            await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetUnitByCreditCode(Seed.UnitA)));
        Assert.That(ex!.Message, Does.Contain("未设置调用者"));
    }

    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    [Test]
    public async Task TheAccountsImport_BindsEmployersToRegisteredUnits_AndEndsSessionsWhoseRightsChanged()
    {
        await Seed.TwoUnitsAsync(App);
        var bad = await Assert.ThrowsAsync<ImportRejectedException>(() => App.SendAsync(TestUsers.Admin, new ImportAccounts(Csv(
            "user_name,display_name,role,credit_code,jurisdiction\n" +
            "ok-1,甲,employer,91330106MA2CDE0A1M,\n" +
            "ok-2,未登记单位,employer,91330106MA2CDE9Z9Z,\n" +
            "ok-3,审核员,reviewer,,33A\n" +
            "ok-1,重复,admin,,\n"))));
        var first = await App.SendAsync(TestUsers.Admin, new ImportAccounts(Csv(
            "user_name,display_name,role,credit_code,jurisdiction\n" +
            "unit-a,甲公司经办人,employer,91330106ma2cde0a1m,\n" +
            "rev-hz,杭州审核员,reviewer,,3301\n")));
        var reviewerId = (await App.SendAsync(TestUsers.System, new FindAccount("rev-hz")))!.Id;
        var stamp = await SqlAsync<Guid>("SELECT security_stamp FROM units.account WHERE id = @reviewerId", new { reviewerId });
        var again = await App.SendAsync(TestUsers.Admin, new ImportAccounts(Csv(
            "user_name,display_name,role,credit_code,jurisdiction\n" +
            "unit-a,甲公司经办人,employer,91330106MA2CDE0A1M,\n" +
            "rev-hz,杭州审核员,reviewer,,3302\n")));
        var unitA = await App.SendAsync(TestUsers.System, new FindAccount("unit-a"));
        var noPassword = await App.SendAsync(FromOffice, new SignIn("unit-a", ""));
        Assert.Multiple(async () =>
        {
            Assert.That(bad!.Errors.Select(e => e.Line), Is.SupersetOf(new long[] { 3, 4, 5 }));
            Assert.That(await SqlAsync<long>("SELECT count(*) FROM units.account WHERE user_name LIKE 'ok-%'"), Is.Zero, "nothing from a rejected file");
            Assert.That((first.Inserted, first.Updated), Is.EqualTo((2L, 0L)));
            Assert.That((again.Inserted, again.Updated), Is.EqualTo((0L, 1L)), "an unchanged row changes nothing");
            Assert.That(unitA!.UnitId, Is.Not.Null);
            Assert.That(await SqlAsync<Guid>("SELECT security_stamp FROM units.account WHERE id = @reviewerId", new { reviewerId }), Is.Not.EqualTo(stamp));
            Assert.That(noPassword.Account, Is.Null, "an imported account has no password until one is reset");
        });
    }

    [Test]
    public async Task ApiKeys_ActAsTheirAccount_UntilRevokedExpiredOrTheAccountIsDisabled()
    {
        var (a, id) = await ClerkAsync();
        var key = await App.SendAsync(TestUsers.Admin, new CreateApiKey(id, "人事系统", null));
        var dated = await App.SendAsync(TestUsers.Admin, new CreateApiKey(id, "临时", DateOnly.FromDateTime(App.Clock.Now.UtcDateTime).AddDays(3)));
        var ok = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));
        var tampered = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key[..^2] + (key.Key[^2] == 'A' ? "BB" : "AA")));
        var stored = await SqlAsync<long>("SELECT count(*) FROM units.api_key k WHERE strpos(k::text, @secret) > 0",
            new { secret = key.Key[(key.Key.IndexOf('.', StringComparison.Ordinal) + 1)..] });
        App.Clock.Now += TimeSpan.FromDays(5);
        var expired = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(dated.Key));
        await App.SendAsync(TestUsers.Admin, new SetAccountEnabled(id, false));
        var whileDisabled = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));
        await App.SendAsync(TestUsers.Admin, new SetAccountEnabled(id, true));
        await App.SendAsync(TestUsers.Admin, new RevokeApiKey(id, key.Id));
        var revoked = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));
        Assert.Multiple(async () =>
        {
            Assert.That(key.Key, Does.StartWith("decl_"));
            Assert.That(ok?.Account.UnitId, Is.EqualTo(a.Id));
            Assert.That(tampered, Is.Null);
            Assert.That(stored, Is.Zero, "only a hash of the secret is kept");
            Assert.That(expired, Is.Null);
            Assert.That(whileDisabled, Is.Null);
            Assert.That(revoked, Is.Null);
            Assert.That(await App.SendAsync(TestUsers.System, new AuthenticateApiKey("decl_garbage")), Is.Null);
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new AuthenticateApiKey(key.Key)));
            await Assert.ThrowsAsync<ForbiddenException>(() => App.SendAsync(TestUsers.Employer(a.Id), new CreateApiKey(id, "自建", null)));
        });
    }

    /// <summary>
    /// A key in use is remembered by the host for SessionCheckInterval (10 s), as a session is: its next calls open no connection (the
    /// key's table locked by another transaction does not hold them up); a change made by another host (here: straight in the table)
    /// reaches them once the entry's time is up; a change made on this host (the unit's profile, the account disabled) at once.
    /// </summary>
    [Test]
    public async Task AKeyInUse_IsAnsweredWithoutTheDatabase_UntilItChangesHere_OrItsTimeIsUp()
    {
        var (a, id) = await ClerkAsync();
        var key = await App.SendAsync(TestUsers.Admin, new CreateApiKey(id, "人事系统", null));
        var first = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));

        // The table locked as a migration or a VACUUM FULL would: a read of it would wait for the lock.
        var blocker = new Npgsql.NpgsqlConnection(App.Server.ConnectionString);
        await blocker.OpenAsync();
        await using (var tx = await blocker.BeginTransactionAsync())
        {
            await using (var lockTable = new Npgsql.NpgsqlCommand("LOCK TABLE units.api_key IN ACCESS EXCLUSIVE MODE", blocker, tx))
                await lockTable.ExecuteNonQueryAsync();
            var whileLocked = App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));
            var answered = await Task.WhenAny(whileLocked, Task.Delay(TimeSpan.FromSeconds(5))) == whileLocked;
            await tx.RollbackAsync();
            Assert.That(answered, Is.True, "a remembered key is answered without reading its table");
            Assert.That((await whileLocked)?.KeyId, Is.EqualTo(key.Id));
        }
        await blocker.DisposeAsync();

        // Revoked by another host: remembered here until the entry's time is up.
        await SqlAsync<int>("UPDATE units.api_key SET revoked_at = now() WHERE id = @id", new { id = key.Id });
        var beforeTimeIsUp = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));
        App.Clock.Now += TimeSpan.FromSeconds(11);
        var afterTimeIsUp = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));

        // Changed on this host: the unit's profile (the key carries the unit), then the account disabled.
        var other = await App.SendAsync(TestUsers.Admin, new CreateApiKey(id, "工资系统", null));
        var carried = (await App.SendAsync(TestUsers.System, new AuthenticateApiKey(other.Key)))!.Unit!;
        await App.SendAsync(TestUsers.Employer(a.Id), new UpdateUnitProfile(a.Id, carried.Version, "甲公司（更名）", carried.UnitType,
            carried.LegalRepresentative, carried.LegalPhone, carried.ContactName, carried.ContactMobile, carried.Address));
        var renamed = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(other.Key));
        await App.SendAsync(TestUsers.Admin, new SetAccountEnabled(id, false));
        var disabled = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(other.Key));
        var wrongSecret = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(other.Key[..^2] + (other.Key[^2] == 'A' ? "BB" : "AA")));
        Assert.Multiple(() =>
        {
            Assert.That(first?.Unit?.Id, Is.EqualTo(a.Id));
            Assert.That(beforeTimeIsUp?.KeyId, Is.EqualTo(key.Id), "another host's revocation is seen within SessionCheckInterval, not before");
            Assert.That(afterTimeIsUp, Is.Null, "and then refused");
            Assert.That(renamed?.Unit?.Name, Is.EqualTo("甲公司（更名）"), "the unit changed here: read again at once");
            Assert.That(disabled, Is.Null, "the account disabled here: refused at once");
            Assert.That(wrongSecret, Is.Null);
        });
    }

    /// <summary>
    /// A key read from the table before a change made on this host (another request's revocation, a unit's new profile) is not
    /// remembered after the change forgot its entries: the read may be older than the change.
    /// </summary>
    [Test]
    public void AKeyReadBeforeAChangeOnThisHost_IsNotRememberedAfterIt()
    {
        var sessions = new AccountSessions(TimeSpan.FromSeconds(10));
        var now = DateTimeOffset.UtcNow;
        var account = new AccountDto(Guid.NewGuid(), "clerk", "经办人", Role.Employer, Guid.NewGuid(), null);
        var identity = new ApiKeyIdentity(Guid.NewGuid(), "人事系统", account);
        var readAt = sessions.KeyGeneration;
        sessions.ForgetUnit(account.UnitId!.Value);
        sessions.SetKey(identity.KeyId, [1, 2, 3], null, now, identity, now, readAt);
        var stale = sessions.GetKey(identity.KeyId, now);
        sessions.SetKey(identity.KeyId, [1, 2, 3], null, now, identity, now, sessions.KeyGeneration);
        var fresh = sessions.GetKey(identity.KeyId, now);
        Assert.Multiple(() =>
        {
            Assert.That(stale, Is.Null, "read before the change: not remembered");
            Assert.That(fresh?.Identity, Is.EqualTo(identity), "read after it: remembered");
        });
    }

    [Test]
    public async Task AnApiKeysUnit_ComesWithTheKey_AndAnswersTheRequestsFirstRead_OnlyForWhoMaySeeIt()
    {
        var (a, id) = await ClerkAsync();
        var key = await App.SendAsync(TestUsers.Admin, new CreateApiKey(id, "人事系统", null));
        var identity = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(key.Key));
        var unit = await App.SendAsync(TestUsers.Employer(a.Id), new GetUnit(a.Id));
        // One scope is one request: what the authentication read (marked here) answers its first read of the unit, once.
        var marked = identity!.Unit! with { Name = "认证时读取" };
        var (first, again) = await App.InScopeAsync(TestUsers.Employer(a.Id), async sp =>
        {
            sp.GetRequiredService<RequestPreloads>().Add(a.Id, marked);
            var sender = sp.GetRequiredService<ISender>();
            return (await sender.Send(new CheckUnitAccess(a.Id)), await sender.Send(new GetUnit(a.Id)));
        });
        var otherScope = await App.SendAsync(TestUsers.Employer(a.Id), new CheckUnitAccess(a.Id));
        // Staff have no unit: their key comes alone.
        var admin = await App.SendAsync(TestUsers.System, new CreateAccount("admin-key", "管理员", Password, Role.Admin, null, null));
        var adminKey = await App.SendAsync(TestUsers.Admin, new CreateApiKey(admin.Id, "运维脚本", null));
        var adminIdentity = await App.SendAsync(TestUsers.System, new AuthenticateApiKey(adminKey.Key));
        // The caller is still checked: another unit's clerk is refused, whatever was read for the request.
        var b = (await App.SendAsync(TestUsers.System, new GetUnitByCreditCode(Seed.UnitB)))!;
        var refused = await App.InScopeAsync(TestUsers.Employer(b.Id), async sp =>
        {
            sp.GetRequiredService<RequestPreloads>().Add(a.Id, marked);
            try { await sp.GetRequiredService<ISender>().Send(new CheckUnitAccess(a.Id)); return false; }
            catch (NotFoundException) { return true; }
        });
        Assert.Multiple(() =>
        {
            Assert.That(identity.Unit, Is.EqualTo(unit), "the key's account's unit, as Units has it");
            Assert.That(first.Name, Is.EqualTo("认证时读取"));
            Assert.That(again.Name, Is.EqualTo("认证时读取"), "kept for the rest of the request like a read");
            Assert.That(otherScope.Name, Is.EqualTo(unit.Name), "another request reads the table");
            Assert.That(refused, Is.True);
            Assert.That(adminIdentity?.Account.Role, Is.EqualTo(Role.Admin));
            Assert.That(adminIdentity?.Unit, Is.Null);
        });
    }
}
