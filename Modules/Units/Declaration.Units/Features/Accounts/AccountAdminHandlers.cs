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

/// <summary>The rules of an account's identity and rights, shared by the form, the command line and the accounts import.</summary>
internal static class AccountFieldRules
{
    public const string UserNamePattern = "^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$";
    public const string JurisdictionPattern = "^[0-9]{2,6}$";

    public static void Apply<T>(AbstractValidator<T> v, Func<T, string> displayName, Func<T, Role> role, Func<T, string?> creditCode, Func<T, string?> jurisdiction)
    {
        v.RuleFor(x => displayName(x)).NotEmpty().WithMessage("请填写姓名或名称").MaximumLength(50).WithMessage("姓名或名称不能超过50个字").OverridePropertyName("DisplayName");
        v.RuleFor(x => role(x)).Must(AccountRules.IsAccountRole).WithMessage("角色应为单位经办人、审核人员或系统管理员").OverridePropertyName("Role");
        v.RuleFor(x => creditCode(x)).NotEmpty().When(x => role(x) == Role.Employer).WithMessage("单位账号须绑定单位（填写统一社会信用代码）").OverridePropertyName("CreditCode");
        const string jurisdictionMessage = "审核人员须有管辖区划前缀（2–6位数字，如 3301）";
        v.RuleFor(x => jurisdiction(x)).NotEmpty().WithMessage(jurisdictionMessage).Matches(JurisdictionPattern).WithMessage(jurisdictionMessage)
            .When(x => role(x) == Role.Reviewer).OverridePropertyName("Jurisdiction");
    }

    /// <summary>The unit of an employer account, by credit code; null for staff.</summary>
    public static async Task<Guid?> UnitOfAsync(IDbSession db, Role role, string? creditCode, CancellationToken ct)
    {
        if (role != Role.Employer) return null;
        return await db.QuerySingleOrDefaultAsync<Guid?>("SELECT id FROM units.unit WHERE credit_code = @c",
                   new { c = Identifiers.NormalizeCreditCode(creditCode ?? string.Empty) }, ct)
               ?? throw new InputException("CreditCode", "该统一社会信用代码的单位未在本系统登记");
    }

    public static string? JurisdictionOf(Role role, string? jurisdiction) => role == Role.Reviewer ? jurisdiction?.Trim() : null;
}

internal sealed class CreateAccountValidator : AbstractValidator<CreateAccount>
{
    public CreateAccountValidator()
    {
        RuleFor(x => x.UserName).NotEmpty().WithMessage("请填写用户名").Matches(AccountFieldRules.UserNamePattern)
            .WithMessage("用户名为2–64位字母、数字或 . _ @ -，以字母或数字开头");
        AccountFieldRules.Apply(this, x => x.DisplayName, x => x.Role, x => x.CreditCode, x => x.Jurisdiction);
        RuleFor(x => x.Password).Custom((p, context) =>
        {
            if (!string.IsNullOrEmpty(p) && PasswordPolicy.Check(p, context.InstanceToValidate.UserName) is { } error) context.AddFailure("Password", error);
        });
    }
}

internal sealed class CreateAccountHandler(IDbSession db, ICurrentUser user, IAuditLog audit, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<CreateAccount, AccountCreated>
{
    public async ValueTask<AccountCreated> Handle(CreateAccount command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var unitId = await AccountFieldRules.UnitOfAsync(db, command.Role, command.CreditCode, ct);
        var userName = command.UserName.Trim();
        var existing = await db.QuerySingleOrDefaultAsync<AccountRow>($"SELECT {AccountSql.Columns} FROM units.account WHERE user_name = @userName FOR UPDATE",
            new { userName }, ct);
        if (existing is not null && !command.UpdateIfExists) throw new ConflictException("用户名已存在");
        var temporary = string.IsNullOrEmpty(command.Password) ? PasswordPolicy.Temporary() : null;
        var values = new
        {
            id = existing?.Id ?? Guid.NewGuid(), userName, displayName = command.DisplayName.Trim(), hash = PasswordHasher.Hash(command.Password is { Length: > 0 } p ? p : temporary!),
            role = command.Role.ToString(), unitId, jurisdiction = AccountFieldRules.JurisdictionOf(command.Role, command.Jurisdiction),
            mustChange = temporary is not null, stamp = Guid.NewGuid(), now = clock.GetUtcNow(),
        };
        if (existing is null)
            await db.ExecuteAsync("""
                INSERT INTO units.account (id, user_name, display_name, password_hash, role, unit_id, jurisdiction, must_change_password,
                    security_stamp, password_changed_at, created_at, updated_at)
                VALUES (@id, @userName, @displayName, @hash, @role, @unitId, @jurisdiction, @mustChange, @stamp, @now, @now, @now)
                """, values, ct);
        else
        {
            await db.ExecuteAsync("""
                UPDATE units.account SET display_name = @displayName, password_hash = @hash, role = @role, unit_id = @unitId, jurisdiction = @jurisdiction,
                    status = 'Active', must_change_password = @mustChange, security_stamp = @stamp, password_changed_at = @now, version = version + 1, updated_at = @now
                WHERE id = @id
                """, values, ct);
            await db.ExecuteAsync("DELETE FROM units.sign_in_failure WHERE name_key = @key", new { key = AccountSql.NameKey(userName) }, ct);
            db.AfterCommit(() => sessions.Forget(existing.Id));
        }
        await audit.RecordAsync("Units", "Account", values.id.ToString(), unitId, existing is null ? "创建账号" : "重置账号",
            existing is null ? null : AccountSql.AuditView(existing),
            new { values.userName, values.displayName, values.role, values.unitId, values.jurisdiction, Status = nameof(AccountStatus.Active) }, ct);
        return new AccountCreated(values.id, temporary);
    }
}

internal sealed class UpdateAccountValidator : AbstractValidator<UpdateAccount>
{
    public UpdateAccountValidator() => AccountFieldRules.Apply(this, x => x.DisplayName, x => x.Role, x => x.CreditCode, x => x.Jurisdiction);
}

internal sealed class AccountStore(IDbSession db)
{
    public async Task<AccountRow> LoadForUpdateAsync(Guid id, CancellationToken ct) =>
        await db.QuerySingleOrDefaultAsync<AccountRow>($"SELECT {AccountSql.Columns} FROM units.account WHERE id = @id FOR UPDATE", new { id }, ct)
        ?? throw new NotFoundException("未找到该账号");
}

internal sealed class UpdateAccountHandler(IDbSession db, AccountStore store, ICurrentUser user, IAuditLog audit, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<UpdateAccount, int>
{
    public async ValueTask<int> Handle(UpdateAccount command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var before = await store.LoadForUpdateAsync(command.AccountId, ct);
        if (before.Version != command.Version) throw new ConflictException("该账号已被他人修改，请刷新页面后重新修改");
        if (before.Id.ToString() == user.UserId && command.Role != Role.Admin) throw new BusinessRuleException("OwnAdminRole", "不能取消自己的系统管理员角色");
        var unitId = await AccountFieldRules.UnitOfAsync(db, command.Role, command.CreditCode, ct);
        var jurisdiction = AccountFieldRules.JurisdictionOf(command.Role, command.Jurisdiction);
        var rightsChanged = before.Role != command.Role.ToString() || before.UnitId != unitId || before.Jurisdiction != jurisdiction;
        var version = await db.ExecuteScalarAsync<int>("""
            UPDATE units.account SET display_name = @displayName, role = @role, unit_id = @unitId, jurisdiction = @jurisdiction,
                security_stamp = CASE WHEN @rightsChanged THEN gen_random_uuid() ELSE security_stamp END, version = version + 1, updated_at = @now
            WHERE id = @id RETURNING version
            """, new { id = before.Id, displayName = command.DisplayName.Trim(), role = command.Role.ToString(), unitId, jurisdiction, rightsChanged, now = clock.GetUtcNow() }, ct);
        db.AfterCommit(() => { if (rightsChanged) sessions.Forget(before.Id); else sessions.ForgetKeysOf(before.Id); });
        var after = await store.LoadForUpdateAsync(before.Id, ct);
        await audit.RecordAsync("Units", "Account", before.Id.ToString(), unitId ?? before.UnitId, rightsChanged ? "修改账号权限" : "修改账号信息",
            AccountSql.AuditView(before), AccountSql.AuditView(after), ct);
        return version;
    }
}

internal sealed class SetAccountEnabledHandler(IDbSession db, AccountStore store, ICurrentUser user, IAuditLog audit, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<SetAccountEnabled, bool>
{
    public async ValueTask<bool> Handle(SetAccountEnabled command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var before = await store.LoadForUpdateAsync(command.AccountId, ct);
        if (before.Id.ToString() == user.UserId && !command.Enabled) throw new BusinessRuleException("OwnAccountEnabled", "不能停用自己的账号");
        var status = command.Enabled ? nameof(AccountStatus.Active) : nameof(AccountStatus.Disabled);
        if (before.Status == status) return false;
        await db.ExecuteAsync("""
            UPDATE units.account SET status = @status, security_stamp = gen_random_uuid(), version = version + 1, updated_at = @now WHERE id = @Id
            """, new { before.Id, status, now = clock.GetUtcNow() }, ct);
        db.AfterCommit(() => sessions.Forget(before.Id));
        await audit.RecordAsync("Units", "Account", before.Id.ToString(), before.UnitId, command.Enabled ? "启用账号" : "停用账号",
            AccountSql.AuditView(before), AccountSql.AuditView(before with { Status = status }), ct);
        return true;
    }
}

internal sealed class ResetPasswordHandler(IDbSession db, AccountStore store, ICurrentUser user, IAuditLog audit, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<ResetPassword, string>
{
    public async ValueTask<string> Handle(ResetPassword command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var account = await store.LoadForUpdateAsync(command.AccountId, ct);
        var temporary = PasswordPolicy.Temporary();
        await db.ExecuteAsync("""
            UPDATE units.account SET password_hash = @hash, must_change_password = true, password_changed_at = @now, security_stamp = gen_random_uuid(),
                version = version + 1, updated_at = @now
            WHERE id = @Id
            """, new { account.Id, hash = PasswordHasher.Hash(temporary), now = clock.GetUtcNow() }, ct);
        await db.ExecuteAsync("DELETE FROM units.sign_in_failure WHERE name_key = @key", new { key = AccountSql.NameKey(account.UserName) }, ct);
        db.AfterCommit(() => sessions.Forget(account.Id));
        await audit.RecordAsync("Units", "Account", account.Id.ToString(), account.UnitId, "重置密码（临时密码，首次登录须修改）", null, new { account.UserName }, ct);
        return temporary;
    }
}

internal sealed record AccountSummaryRow(Guid Id, string UserName, string DisplayName, string Role, string Status, Guid? UnitId, string? UnitCreditCode,
    string? UnitName, string? Jurisdiction, bool HasPassword, bool MustChangePassword, DateTimeOffset CreatedAt, int Version)
{
    public AccountSummaryDto ToDto() => new(Id, UserName, DisplayName, Enum.Parse<Role>(Role), Enum.Parse<AccountStatus>(Status), UnitId, UnitCreditCode,
        UnitName, Jurisdiction, HasPassword, MustChangePassword, CreatedAt, Version);
}

internal static class AccountSummarySql
{
    public const string Select = """
        SELECT a.id, a.user_name AS UserName, a.display_name AS DisplayName, a.role, a.status, a.unit_id AS UnitId, u.credit_code AS UnitCreditCode,
               u.name AS UnitName, a.jurisdiction, a.password_hash IS NOT NULL AS HasPassword, a.must_change_password AS MustChangePassword,
               a.created_at AS CreatedAt, a.version
        FROM units.account a LEFT JOIN units.unit u ON u.id = a.unit_id
        """;
}

internal sealed class GetAccountsHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetAccounts, PagedResult<AccountSummaryDto>>
{
    public async ValueTask<PagedResult<AccountSummaryDto>> Handle(GetAccounts query, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        var search = string.IsNullOrWhiteSpace(query.Search) ? null
            : "%" + query.Search.Trim().Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        const string where = "WHERE (@search::text IS NULL OR a.user_name ILIKE @search OR a.display_name LIKE @search OR u.credit_code LIKE upper(@search) OR u.name LIKE @search)";
        var total = await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM units.account a LEFT JOIN units.unit u ON u.id = a.unit_id {where}", new { search }, ct);
        var rows = await db.QueryAsync<AccountSummaryRow>($"{AccountSummarySql.Select} {where} ORDER BY a.role, a.user_name LIMIT @size OFFSET @offset",
            new { search, size, offset = (page - 1) * size }, ct);
        return new PagedResult<AccountSummaryDto>(rows.Select(r => r.ToDto()).ToList(), page, size, total);
    }
}

internal sealed class GetAccountHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetAccount, AccountDetailDto>
{
    public async ValueTask<AccountDetailDto> Handle(GetAccount query, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var row = await db.QuerySingleOrDefaultAsync<AccountSummaryRow>($"{AccountSummarySql.Select} WHERE a.id = @AccountId", query, ct)
            ?? throw new NotFoundException("未找到该账号");
        var bindings = await db.QueryAsync<SsoBindingDto>("""
            SELECT issuer, subject, created_at AS CreatedAt, created_by AS CreatedBy FROM units.sso_binding WHERE account_id = @AccountId ORDER BY created_at
            """, query, ct);
        var keys = await db.QueryAsync<ApiKeyDto>("""
            SELECT id, name, created_at AS CreatedAt, created_by AS CreatedBy, expires_at AS ExpiresAt, revoked_at AS RevokedAt, last_used_at AS LastUsedAt
            FROM units.api_key WHERE account_id = @AccountId ORDER BY created_at DESC
            """, query, ct);
        return new AccountDetailDto(row.ToDto(), bindings, keys);
    }
}
