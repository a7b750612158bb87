using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Declaration.Units.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Units.Features.Accounts;

internal sealed record AccountRow(Guid Id, string UserName, string DisplayName, string PasswordHash, string Role, Guid? UnitId, string? Jurisdiction,
    int FailedCount, DateTimeOffset? LockedUntil)
{
    public AccountDto ToDto() => new(Id, UserName, DisplayName, Enum.Parse<Role>(Role), UnitId, Jurisdiction);
}

internal static class AccountSql
{
    public const string Columns = "id, user_name AS UserName, display_name AS DisplayName, password_hash AS PasswordHash, role, unit_id AS UnitId, jurisdiction, failed_count AS FailedCount, locked_until AS LockedUntil";
}

/// <summary>Five failures in a row lock the account for 15 minutes; the message never says whether the user name exists.</summary>
internal sealed class SignInHandler(IDbSession db, TimeProvider clock) : ICommandHandler<SignIn, SignInResult>
{
    internal const int MaxFailures = 5;
    internal static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(15);

    public async ValueTask<SignInResult> Handle(SignIn command, CancellationToken ct)
    {
        const string invalid = "用户名或密码错误";
        var now = clock.GetUtcNow();
        var account = await db.QuerySingleOrDefaultAsync<AccountRow>(
            $"SELECT {AccountSql.Columns} FROM units.account WHERE user_name = @name FOR UPDATE", new { name = command.UserName.Trim() }, ct);
        if (account is null) return new SignInResult(null, invalid);
        if (account.LockedUntil is { } until && until > now)
            return new SignInResult(null, $"连续登录失败次数过多，账号已锁定，请于{Declaration.BuildingBlocks.Domain.ChinaTime.Local(until):HH:mm}后再试");
        if (!PasswordHasher.Verify(command.Password, account.PasswordHash))
        {
            var failed = account.FailedCount + 1;
            await db.ExecuteAsync("UPDATE units.account SET failed_count = @failed, locked_until = @locked WHERE id = @Id",
                new { account.Id, failed = failed >= MaxFailures ? 0 : failed, locked = failed >= MaxFailures ? now + LockoutTime : (DateTimeOffset?)null }, ct);
            return new SignInResult(null, failed >= MaxFailures ? "连续登录失败次数过多，账号已锁定15分钟" : invalid);
        }
        await db.ExecuteAsync("UPDATE units.account SET failed_count = 0, locked_until = NULL WHERE id = @Id", new { account.Id }, ct);
        return new SignInResult(account.ToDto(), null);
    }
}

internal sealed class FindAccountHandler(IDbSession db) : IQueryHandler<FindAccount, AccountDto?>
{
    public async ValueTask<AccountDto?> Handle(FindAccount query, CancellationToken ct) =>
        (await db.QuerySingleOrDefaultAsync<AccountRow>($"SELECT {AccountSql.Columns} FROM units.account WHERE user_name = @UserName", query, ct))?.ToDto();
}

internal sealed class CreateAccountValidator : AbstractValidator<CreateAccount>
{
    public CreateAccountValidator()
    {
        RuleFor(x => x.UserName).NotEmpty().WithMessage("请填写用户名").MaximumLength(64);
        RuleFor(x => x.DisplayName).NotEmpty().WithMessage("请填写姓名");
        RuleFor(x => x.Password).MinimumLength(8).WithMessage("密码至少8位");
        RuleFor(x => x.CreditCode).NotEmpty().When(x => x.Role == Role.Employer).WithMessage("单位账号须绑定单位");
        RuleFor(x => x.Jurisdiction).NotEmpty().Matches("^[0-9]{2,6}$").When(x => x.Role == Role.Reviewer).WithMessage("审核人员须有管辖区划前缀（2–6位数字）");
    }
}

internal sealed class CreateAccountHandler(IDbSession db, ICurrentUser user, IAuditLog audit, TimeProvider clock) : ICommandHandler<CreateAccount, Guid>
{
    public async ValueTask<Guid> Handle(CreateAccount command, CancellationToken ct)
    {
        if (user.Role is not (Role.Admin or Role.System)) throw new ForbiddenException("仅管理员可创建账号");
        Guid? unitId = null;
        if (command.Role == Role.Employer)
            unitId = await db.QuerySingleOrDefaultAsync<Guid?>("SELECT id FROM units.unit WHERE credit_code = @c", new { c = command.CreditCode!.Trim().ToUpperInvariant() }, ct)
                ?? throw new InputException("CreditCode", "该统一社会信用代码的单位不存在");
        var existing = await db.QuerySingleOrDefaultAsync<Guid?>("SELECT id FROM units.account WHERE user_name = @u", new { u = command.UserName }, ct);
        if (existing is not null && !command.UpdateIfExists) throw new ConflictException("用户名已存在");
        var id = existing ?? Guid.NewGuid();
        await db.ExecuteAsync("""
            INSERT INTO units.account (id, user_name, display_name, password_hash, role, unit_id, jurisdiction, created_at)
            VALUES (@id, @UserName, @DisplayName, @hash, @role, @unitId, @Jurisdiction, @now)
            ON CONFLICT (user_name) DO UPDATE SET display_name = EXCLUDED.display_name, password_hash = EXCLUDED.password_hash, role = EXCLUDED.role,
                unit_id = EXCLUDED.unit_id, jurisdiction = EXCLUDED.jurisdiction, failed_count = 0, locked_until = NULL
            """, new { id, command.UserName, command.DisplayName, hash = PasswordHasher.Hash(command.Password), role = command.Role.ToString(), unitId, command.Jurisdiction, now = clock.GetUtcNow() }, ct);
        await audit.RecordAsync("Units", "Account", id.ToString(), unitId, existing is null ? "创建账号" : "重置账号", null,
            new { command.UserName, command.DisplayName, Role = command.Role.ToString(), command.Jurisdiction }, ct);
        return id;
    }
}
