using System.Security.Cryptography;
using System.Text;
using Dapper;
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

/// <summary>
/// The single sign-on's account: an explicit binding, or at a first sign-in the only employer account of the unit whose credit code
/// the provider vouches for (created when the unit has none). Never by user name; never a staff account.
/// </summary>
internal sealed class ResolveSsoSignInHandler(IDbSession db, ICurrentUser user, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<ResolveSsoSignIn, SignInResult>
{
    public async ValueTask<SignInResult> Handle(ResolveSsoSignIn command, CancellationToken ct)
    {
        if (user.Role != Role.System) throw new ForbiddenException("仅系统可处理单点登录");
        var issuer = command.Issuer.Trim();
        var subject = command.Subject.Trim();
        if (issuer.Length == 0 || subject.Length == 0) return new SignInResult(null, "政务服务网未提供账号标识，无法登录");
        var bound = await db.QuerySingleOrDefaultAsync<AccountRow>($"""
            SELECT {AccountSql.Columns} FROM units.account WHERE id = (SELECT account_id FROM units.sso_binding WHERE issuer = @issuer AND subject = @subject)
            """, new { issuer, subject }, ct);
        if (bound is not null) return Result(bound);

        var code = Identifiers.NormalizeCreditCode(command.CreditCode ?? string.Empty);
        if (code.Length == 0) return new SignInResult(null, "该政务服务网账号尚未绑定本系统账号，请联系系统管理员绑定");
        var unit = await db.QuerySingleOrDefaultAsync<(Guid Id, string Name)>("SELECT id, name FROM units.unit WHERE credit_code = @code FOR UPDATE", new { code }, ct);
        if (unit == default) return new SignInResult(null, "该统一社会信用代码的单位未在本系统登记，请联系所属残联");
        var accounts = await db.QueryAsync<AccountRow>($"SELECT {AccountSql.Columns} FROM units.account WHERE unit_id = @Id AND role = 'Employer'", new { unit.Id }, ct);
        var active = accounts.Where(a => a.Active).ToList();
        if (active.Count > 1) return new SignInResult(null, "本单位有多个系统账号，请联系系统管理员绑定政务服务网账号");
        if (active.Count == 0 && accounts.Count > 0) return new SignInResult(null, "本单位的系统账号已停用，请联系系统管理员");
        var now = clock.GetUtcNow();
        var account = active.SingleOrDefault();
        if (account is null)
        {
            var userName = code;
            if (await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM units.account WHERE user_name = @userName)", new { userName }, ct))
                return new SignInResult(null, "无法为本单位开通账号（用户名已被占用），请联系系统管理员");
            var id = Guid.NewGuid();
            await db.ExecuteAsync("""
                INSERT INTO units.account (id, user_name, display_name, password_hash, role, unit_id, created_at, updated_at)
                VALUES (@id, @userName, @name, NULL, 'Employer', @unitId, @now, @now)
                """, new { id, userName, name = unit.Name + "（政务服务网）", unitId = unit.Id, now }, ct);
            await audit.RecordAsync("Units", "Account", id.ToString(), unit.Id, "政务服务网首次登录开通单位账号", null, new { userName, Role = "Employer" }, ct);
            account = await db.QuerySingleAsync<AccountRow>($"SELECT {AccountSql.Columns} FROM units.account WHERE id = @id", new { id }, ct);
        }
        await db.ExecuteAsync("""
            INSERT INTO units.sso_binding (issuer, subject, account_id, created_at, created_by) VALUES (@issuer, @subject, @Id, @now, '首次单点登录（统一社会信用代码一致）')
            """, new { issuer, subject, account.Id, now }, ct);
        await audit.RecordAsync("Units", "SsoBinding", account.Id.ToString(), unit.Id, "绑定政务服务网账号（首次登录）", null, new { issuer, subject, account.UserName }, ct);
        return Result(account);
    }

    private static SignInResult Result(AccountRow account)
    {
        if (account.Role != nameof(Role.Employer)) return new SignInResult(null, "审核人员和管理员不能使用政务服务网登录");
        if (!account.Active) return new SignInResult(null, "该账号已停用，请联系系统管理员");
        return new SignInResult(account.ToDto(), null) { SecurityStamp = account.SecurityStamp, MustChangePassword = false };
    }
}

internal sealed class BindSsoSubjectValidator : AbstractValidator<BindSsoSubject>
{
    public BindSsoSubjectValidator()
    {
        RuleFor(x => x.Issuer).NotEmpty().WithMessage("请填写身份提供方").MaximumLength(300).WithMessage("身份提供方过长");
        RuleFor(x => x.Subject).NotEmpty().WithMessage("请填写政务服务网账号标识（sub）").MaximumLength(200).WithMessage("账号标识过长");
    }
}

internal sealed class SsoBindingHandlers(IDbSession db, AccountStore store, ICurrentUser user, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<BindSsoSubject, bool>, ICommandHandler<UnbindSsoSubject, bool>
{
    public async ValueTask<bool> Handle(BindSsoSubject command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var account = await store.LoadForUpdateAsync(command.AccountId, ct);
        if (account.Role != nameof(Role.Employer)) throw new BusinessRuleException("SsoEmployerOnly", "只有单位账号可以绑定政务服务网账号");
        var values = new { issuer = command.Issuer.Trim(), subject = command.Subject.Trim(), account.Id, now = clock.GetUtcNow(), by = user.UserName };
        var other = await db.ExecuteScalarAsync<Guid?>("SELECT account_id FROM units.sso_binding WHERE issuer = @issuer AND subject = @subject", values, ct);
        if (other == account.Id) return false;
        if (other is not null) throw new ConflictException("该政务服务网账号已绑定其他账号，请先解除原绑定");
        await db.ExecuteAsync("INSERT INTO units.sso_binding (issuer, subject, account_id, created_at, created_by) VALUES (@issuer, @subject, @Id, @now, @by)", values, ct);
        await audit.RecordAsync("Units", "SsoBinding", account.Id.ToString(), account.UnitId, "绑定政务服务网账号", null,
            new { values.issuer, values.subject, account.UserName }, ct);
        return true;
    }

    public async ValueTask<bool> Handle(UnbindSsoSubject command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var account = await store.LoadForUpdateAsync(command.AccountId, ct);
        var removed = await db.ExecuteAsync("DELETE FROM units.sso_binding WHERE issuer = @Issuer AND subject = @Subject AND account_id = @AccountId", command, ct);
        if (removed == 0) return false;
        // The binding was a way in: whoever came in by it leaves.
        await db.ExecuteAsync("UPDATE units.account SET security_stamp = gen_random_uuid() WHERE id = @AccountId", command, ct);
        await audit.RecordAsync("Units", "SsoBinding", account.Id.ToString(), account.UnitId, "解除政务服务网账号绑定",
            new { command.Issuer, command.Subject, account.UserName }, null, ct);
        return true;
    }
}

/// <summary>API keys: <c>decl_&lt;id, 32 hex&gt;.&lt;secret, 43 base64url&gt;</c>; the SHA-256 of the 256-bit secret is stored.</summary>
internal static class ApiKeyFormat
{
    public const string Prefix = "decl_";

    public static string Compose(Guid id, byte[] secret) => $"{Prefix}{id:N}.{Base64Url(secret)}";

    public static bool TryParse(string? key, out Guid id, out byte[] secret)
    {
        id = Guid.Empty;
        secret = [];
        if (key is null || !key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length > 120) return false;
        var dot = key.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0 || !Guid.TryParseExact(key.AsSpan(Prefix.Length, dot - Prefix.Length), "N", out id)) return false;
        try
        {
            var text = key[(dot + 1)..].Replace('-', '+').Replace('_', '/');
            secret = Convert.FromBase64String(text.PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
            return secret.Length == 32;
        }
        catch (FormatException) { return false; }
    }

    public static byte[] Hash(byte[] secret) => SHA256.HashData(secret);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal sealed class CreateApiKeyValidator : AbstractValidator<CreateApiKey>
{
    public CreateApiKeyValidator(TimeProvider clock)
    {
        RuleFor(x => x.Name).NotEmpty().WithMessage("请填写密钥用途（如“某某人事系统”）").MaximumLength(100).WithMessage("用途不能超过100字");
        RuleFor(x => x.ExpiresOn).Must(d => d is null || d > ChinaTime.Today(clock)).WithMessage("到期日应晚于今天");
    }
}

internal sealed class ApiKeyHandlers(IDbSession db, AccountStore store, ICurrentUser user, IAuditLog audit, AccountSessions sessions, TimeProvider clock)
    : ICommandHandler<CreateApiKey, ApiKeyCreated>, ICommandHandler<RevokeApiKey, bool>, IQueryHandler<AuthenticateApiKey, ApiKeyIdentity?>
{
    public async ValueTask<ApiKeyCreated> Handle(CreateApiKey command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var account = await store.LoadForUpdateAsync(command.AccountId, ct);
        var id = Guid.NewGuid();
        var secret = RandomNumberGenerator.GetBytes(32);
        var expires = command.ExpiresOn is { } d ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).AddDays(1).ToUniversalTime() : (DateTimeOffset?)null;
        await db.ExecuteAsync("""
            INSERT INTO units.api_key (id, account_id, name, secret_sha256, created_at, created_by, expires_at)
            VALUES (@id, @AccountId, @Name, @hash, @now, @by, @expires)
            """, new { id, command.AccountId, Name = command.Name.Trim(), hash = ApiKeyFormat.Hash(secret), now = clock.GetUtcNow(), by = user.UserName, expires }, ct);
        await audit.RecordAsync("Units", "ApiKey", id.ToString(), account.UnitId, "创建接口密钥", null,
            new { account.UserName, Name = command.Name.Trim(), command.ExpiresOn }, ct);
        return new ApiKeyCreated(id, ApiKeyFormat.Compose(id, secret));
    }

    public async ValueTask<bool> Handle(RevokeApiKey command, CancellationToken ct)
    {
        AccountRules.EnsureAdmin(user);
        var account = await store.LoadForUpdateAsync(command.AccountId, ct);
        var name = await db.ExecuteScalarAsync<string?>("""
            UPDATE units.api_key SET revoked_at = @now WHERE id = @KeyId AND account_id = @AccountId AND revoked_at IS NULL RETURNING name
            """, new { command.KeyId, command.AccountId, now = clock.GetUtcNow() }, ct);
        if (name is null) return false;
        // Refused on this host once the revocation commits (a read before then, still finding the key valid, is not remembered).
        db.AfterCommit(() => sessions.ForgetKey(command.KeyId));
        await audit.RecordAsync("Units", "ApiKey", command.KeyId.ToString(), account.UnitId, "吊销接口密钥", new { account.UserName, name }, null, ct);
        return true;
    }

    public async ValueTask<ApiKeyIdentity?> Handle(AuthenticateApiKey query, CancellationToken ct)
    {
        if (user.Role != Role.System) throw new ForbiddenException("仅系统可校验接口密钥");
        if (!ApiKeyFormat.TryParse(query.Key, out var id, out var secret)) return null;
        var now = clock.GetUtcNow();
        // A key in use is remembered for a few seconds (see AccountSessions): no connection, no round trip for an integrator's call.
        if (sessions.GetKey(id, now) is { } known)
        {
            if (!CryptographicOperations.FixedTimeEquals(known.SecretSha256, ApiKeyFormat.Hash(secret))) return null;
            if (known.KeyExpiresAt <= now) return null;
            if (known.LastUsedAt is null || known.LastUsedAt < now.AddMinutes(-1))
            {
                await db.ExecuteAsync("UPDATE units.api_key SET last_used_at = @now WHERE id = @id", new { id, now }, ct);
                sessions.KeyUsed(id, now);
            }
            return known.Identity;
        }
        var generation = sessions.KeyGeneration;
        // The key, its account and the account's unit in one statement (every API request asks; the request's own first read of the
        // unit takes it from there), with its generic plan (planning it took longer than running it).
        var connection = await db.ConnectionAsync(ct);
        var found = (await connection.QueryAsync<KeyRow, AccountRow, UnitDto?, (KeyRow Key, AccountRow Account, UnitDto? Unit)>(new CommandDefinition(GenericPlan.Wrap($"""
            SELECT k.name AS KeyName, k.secret_sha256 AS SecretSha256, k.expires_at AS ExpiresAt, k.revoked_at AS RevokedAt, k.last_used_at AS LastUsedAt,
                   k.account_id AS AccountId, a.*, u.*
            FROM units.api_key k CROSS JOIN LATERAL (SELECT {AccountSql.Columns} FROM units.account WHERE id = k.account_id) a
            LEFT JOIN LATERAL (SELECT {UnitSql.UnitColumns} FROM units.unit WHERE id = a.unitid) u ON true
            WHERE k.id = @id
            """, db), new { id }, db.Transaction, cancellationToken: ct), (k, a, u) => (k, a, u), splitOn: "id,id")).SingleOrDefault();
        var (row, account, unit) = found;
        if (row is null || !CryptographicOperations.FixedTimeEquals(row.SecretSha256, ApiKeyFormat.Hash(secret))) return null;
        if (row.RevokedAt is not null || row.ExpiresAt <= now) return null;
        if (!account.Active) return null;
        var lastUsed = row.LastUsedAt;
        if (lastUsed is null || lastUsed < now.AddMinutes(-1))
        {
            await db.ExecuteAsync("UPDATE units.api_key SET last_used_at = @now WHERE id = @id", new { id, now }, ct);
            lastUsed = now;
        }
        var identity = new ApiKeyIdentity(id, row.KeyName, account.ToDto(), unit);
        sessions.SetKey(id, row.SecretSha256, row.ExpiresAt, lastUsed, identity, now, generation);
        return identity;
    }

    private sealed record KeyRow(string KeyName, byte[] SecretSha256, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, DateTimeOffset? LastUsedAt, Guid AccountId);
}
