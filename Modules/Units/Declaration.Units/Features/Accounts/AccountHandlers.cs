using System.Security.Cryptography;
using System.Text;
using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Units.Features.Accounts;

internal sealed record AccountRow(Guid Id, string UserName, string DisplayName, string? PasswordHash, string Role, Guid? UnitId, string? Jurisdiction,
    string Status, Guid SecurityStamp, bool MustChangePassword, int Version)
{
    public AccountDto ToDto() => new(Id, UserName, DisplayName, Enum.Parse<Role>(Role), UnitId, Jurisdiction);
    public bool Active => Status == nameof(AccountStatus.Active);
}

internal static class AccountSql
{
    public const string Columns = """
        id, user_name AS UserName, display_name AS DisplayName, password_hash AS PasswordHash, role, unit_id AS UnitId, jurisdiction,
        status, security_stamp AS SecurityStamp, must_change_password AS MustChangePassword, version
        """;

    /// <summary>What the audit log keeps of an account (no password hash, no stamp).</summary>
    public static object AuditView(AccountRow a) => new { a.UserName, a.DisplayName, a.Role, a.UnitId, a.Jurisdiction, a.Status };

    /// <summary>The lockout key of a typed user name: SHA-256 of its trimmed lower-case form (nothing typed is kept in clear).</summary>
    public static string NameKey(string userName) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(userName.Trim().ToLowerInvariant())));
}

internal static class AccountRules
{
    public static void EnsureAdmin(ICurrentUser user)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅系统管理员可管理账号");
    }

    /// <summary>Only employers, reviewers and administrators are accounts; the system is nobody's account.</summary>
    public static bool IsAccountRole(Role role) => role is Role.Employer or Role.Reviewer or Role.Admin;
}

/// <summary>
/// Sign-in with throttling that answers the same whether the user name exists or not (see <see cref="SignIn"/>), PBKDF2 re-hash on
/// success, and the session's security stamp.
/// </summary>
internal sealed class SignInHandler(IDbSession db, ICurrentUser caller, TimeProvider clock) : ICommandHandler<SignIn, SignInResult>
{
    internal const int MaxFailuresPerClient = 5;
    internal const int MaxFailuresPerName = 20;
    internal static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    internal static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(15);
    private const string Invalid = "用户名或密码错误";

    public async ValueTask<SignInResult> Handle(SignIn command, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var name = (command.UserName ?? string.Empty).Trim();
        var key = AccountSql.NameKey(name);
        var client = string.IsNullOrEmpty(caller.IpAddress) ? "unknown" : caller.IpAddress;
        var locked = await db.ExecuteScalarAsync<DateTimeOffset?>("""
            SELECT max(locked_until) FROM units.sign_in_failure WHERE name_key = @key AND client IN (@client, '*') AND locked_until > @now
            """, new { key, client, now }, ct);
        if (locked is { } until) return new SignInResult(null, LockedMessage(until));

        var account = name.Length == 0 ? null : await db.QuerySingleOrDefaultAsync<AccountRow>(
            $"SELECT {AccountSql.Columns} FROM units.account WHERE user_name = @name", new { name }, ct);
        // Always one PBKDF2 run, whether the account (or its password) exists.
        var valid = PasswordHasher.Verify(command.Password ?? string.Empty, account?.PasswordHash);
        if (!valid || account is null)
        {
            var lockedNow = await CountFailureAsync(key, client, now, ct);
            return new SignInResult(null, lockedNow is { } l ? LockedMessage(l) : Invalid);
        }
        if (!account.Active) return new SignInResult(null, "该账号已停用，请联系系统管理员");
        // This address's count starts again; the name's count over all addresses runs on (a distributed guesser is not reset by the owner).
        await db.ExecuteAsync("DELETE FROM units.sign_in_failure WHERE name_key = @key AND client = @client", new { key, client }, ct);
        if (PasswordHasher.NeedsRehash(account.PasswordHash))
            await db.ExecuteAsync("UPDATE units.account SET password_hash = @hash WHERE id = @Id",
                new { account.Id, hash = PasswordHasher.Hash(command.Password!) }, ct);
        return new SignInResult(account.ToDto(), null) { SecurityStamp = account.SecurityStamp, MustChangePassword = account.MustChangePassword };
    }

    private static string LockedMessage(DateTimeOffset until) =>
        $"登录失败次数过多，该用户名已暂时锁定，请于{ChinaTime.Local(until):HH:mm}后再试（如忘记密码请联系系统管理员重置）";

    /// <summary>Counts a failure for the (name, client) pair and for the name; returns the end of a lock this failure started.</summary>
    private async Task<DateTimeOffset?> CountFailureAsync(string key, string client, DateTimeOffset now, CancellationToken ct)
    {
        // Old rows go now and then (rows of names typed once by anybody must not pile up).
        if (Random.Shared.Next(50) == 0)
            await db.ExecuteAsync("DELETE FROM units.sign_in_failure WHERE first_failed_at < @old AND (locked_until IS NULL OR locked_until < @now)",
                new { old = now - TimeSpan.FromDays(1), now }, ct);
        DateTimeOffset? lockedUntil = null;
        foreach (var (c, limit) in new[] { (client, MaxFailuresPerClient), ("*", MaxFailuresPerName) })
        {
            var until = await db.ExecuteScalarAsync<DateTimeOffset?>("""
                INSERT INTO units.sign_in_failure AS f (name_key, client, failures, first_failed_at, locked_until)
                VALUES (@key, @c, 1, @now, CASE WHEN @limit <= 1 THEN @lockUntil END)
                ON CONFLICT (name_key, client) DO UPDATE SET
                    failures = CASE WHEN f.first_failed_at < @windowStart THEN 1 ELSE f.failures + 1 END,
                    first_failed_at = CASE WHEN f.first_failed_at < @windowStart THEN @now ELSE f.first_failed_at END,
                    locked_until = CASE WHEN (CASE WHEN f.first_failed_at < @windowStart THEN 1 ELSE f.failures + 1 END) >= @limit
                                        THEN @lockUntil ELSE f.locked_until END
                RETURNING locked_until
                """, new { key, c, now, limit, lockUntil = now + LockoutTime, windowStart = now - Window }, ct);
            if (until > now) lockedUntil = until;
        }
        if (lockedUntil is not null)
            // The window starts again after a lock: five more failures from here lock again.
            await db.ExecuteAsync("UPDATE units.sign_in_failure SET failures = 0, first_failed_at = @now WHERE name_key = @key AND locked_until > @now",
                new { key, now }, ct);
        return lockedUntil;
    }
}

internal sealed class FindAccountHandler(IDbSession db, ICurrentUser user) : IQueryHandler<FindAccount, AccountDto?>
{
    public async ValueTask<AccountDto?> Handle(FindAccount query, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        return (await db.QuerySingleOrDefaultAsync<AccountRow>($"SELECT {AccountSql.Columns} FROM units.account WHERE user_name = @UserName", query, ct))?.ToDto();
    }
}

/// <summary>Whether a session is still valid, from this host's short cache or the database (see <see cref="AccountSessions"/>).</summary>
internal sealed class ValidateSessionHandler(IDbSession db, ICurrentUser user, AccountSessions sessions, TimeProvider clock)
    : IQueryHandler<ValidateSession, SessionState>
{
    public async ValueTask<SessionState> Handle(ValidateSession query, CancellationToken ct)
    {
        if (user.Role != Role.System) throw new ForbiddenException("仅系统可校验会话");
        var now = clock.GetUtcNow();
        var entry = sessions.Get(query.AccountId, now);
        // Only a positive answer is taken from the cache: a refusal is always re-read (a session just opened never waits for an entry).
        if (entry is null || entry.Stamp != query.SecurityStamp || !entry.Active)
        {
            var row = await db.QuerySingleOrDefaultAsync<(Guid Stamp, string Status, bool MustChange)>(
                "SELECT security_stamp, status, must_change_password FROM units.account WHERE id = @AccountId", query, ct);
            if (row == default) return new SessionState(false, false);
            sessions.Set(query.AccountId, row.Stamp, row.Status == nameof(AccountStatus.Active), row.MustChange, now);
            entry = sessions.Get(query.AccountId, now) ?? new AccountSessions.Entry(row.Stamp, row.Status == nameof(AccountStatus.Active), row.MustChange, now);
        }
        return new SessionState(entry.Active && entry.Stamp == query.SecurityStamp, entry.MustChangePassword);
    }
}

internal sealed class ChangeOwnPasswordValidator : AbstractValidator<ChangeOwnPassword>
{
    public ChangeOwnPasswordValidator()
    {
        RuleFor(x => x.CurrentPassword).NotEmpty().WithMessage("请填写当前密码");
        RuleFor(x => x.NewPassword).Custom((p, context) =>
        {
            if (PasswordPolicy.Check(p, null) is { } error) context.AddFailure("NewPassword", error);
        });
        RuleFor(x => x.NewPassword).NotEqual(x => x.CurrentPassword).WithMessage("新密码不能与当前密码相同");
    }
}

internal sealed class ChangeOwnPasswordHandler(IDbSession db, ICurrentUser user, IAuditLog audit, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<ChangeOwnPassword, PasswordChanged>
{
    public async ValueTask<PasswordChanged> Handle(ChangeOwnPassword command, CancellationToken ct)
    {
        if (!AccountRules.IsAccountRole(user.Role) || !Guid.TryParse(user.UserId, out var id)) throw new ForbiddenException("请先登录");
        var account = await db.QuerySingleOrDefaultAsync<AccountRow>($"SELECT {AccountSql.Columns} FROM units.account WHERE id = @id FOR UPDATE", new { id }, ct)
            ?? throw new ForbiddenException("请先登录");
        if (!PasswordHasher.Verify(command.CurrentPassword, account.PasswordHash)) throw new InputException("CurrentPassword", "当前密码不正确");
        if (PasswordPolicy.Check(command.NewPassword, account.UserName) is { } error) throw new InputException("NewPassword", error);
        var stamp = Guid.NewGuid();
        await db.ExecuteAsync("""
            UPDATE units.account SET password_hash = @hash, must_change_password = false, password_changed_at = @now, security_stamp = @stamp,
                version = version + 1, updated_at = @now
            WHERE id = @id
            """, new { id, hash = PasswordHasher.Hash(command.NewPassword), now = clock.GetUtcNow(), stamp }, ct);
        db.AfterCommit(() => sessions.Forget(id));
        await audit.RecordAsync("Units", "Account", id.ToString(), account.UnitId, "修改本人密码", null, new { account.UserName }, ct);
        return new PasswordChanged(stamp);
    }
}
