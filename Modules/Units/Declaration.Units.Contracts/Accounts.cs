using Declaration.BuildingBlocks.Application;
using Mediator;

namespace Declaration.Units.Contracts;

public enum AccountStatus { Active, Disabled }

public sealed record AccountDto(Guid Id, string UserName, string DisplayName, Role Role, Guid? UnitId, string? Jurisdiction);

/// <summary>
/// Checks a password. Failures count per (user name, client address) and per user name: five in a row from one address, or twenty
/// from all addresses within 15 minutes, lock the name for 15 minutes — whether an account of that name exists or not, with the same
/// message, so the answer never tells whether an account exists. A correct password re-hashes a hash of fewer PBKDF2 iterations.
/// </summary>
public sealed record SignIn(string UserName, string Password) : ICommand<SignInResult>;

/// <summary>The account and the security stamp its session carries, or a Chinese error.</summary>
public sealed record SignInResult(AccountDto? Account, string? Error)
{
    public Guid SecurityStamp { get; init; }
    public bool MustChangePassword { get; init; }
}

/// <summary>For the system: the account of this user name, or null.</summary>
public sealed record FindAccount(string UserName) : IQuery<AccountDto?>;

/// <summary>
/// Creates (or, when <paramref name="UpdateIfExists"/>, resets) a local account. Admin or system only. Without a
/// <paramref name="Password"/> a temporary one is generated, returned once and must be changed at the first sign-in.
/// </summary>
public sealed record CreateAccount(string UserName, string DisplayName, string? Password, Role Role, string? CreditCode, string? Jurisdiction,
    bool UpdateIfExists = false) : ICommand<AccountCreated>;

public sealed record AccountCreated(Guid Id, string? TemporaryPassword);

public sealed record AccountSummaryDto(Guid Id, string UserName, string DisplayName, Role Role, AccountStatus Status, Guid? UnitId,
    string? UnitCreditCode, string? UnitName, string? Jurisdiction, bool HasPassword, bool MustChangePassword, DateTimeOffset CreatedAt, int Version);

public sealed record SsoBindingDto(string Issuer, string Subject, DateTimeOffset CreatedAt, string CreatedBy);

public sealed record ApiKeyDto(Guid Id, string Name, DateTimeOffset CreatedAt, string CreatedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt,
    DateTimeOffset? LastUsedAt);

public sealed record AccountDetailDto(AccountSummaryDto Account, IReadOnlyList<SsoBindingDto> SsoBindings, IReadOnlyList<ApiKeyDto> ApiKeys);

/// <summary>Accounts by user name, display name or bound unit (admin only).</summary>
public sealed record GetAccounts(string? Search, int Page = 1, int PageSize = 20) : IQuery<PagedResult<AccountSummaryDto>>;

public sealed record GetAccount(Guid AccountId) : IQuery<AccountDetailDto>;

/// <summary>
/// Changes an account's name, role, unit (employers, by credit code) or jurisdiction (reviewers). A change of role, unit or jurisdiction
/// replaces the security stamp: every open session of the account ends on its next request. Admin only; audited.
/// </summary>
public sealed record UpdateAccount(Guid AccountId, int Version, string DisplayName, Role Role, string? CreditCode, string? Jurisdiction) : ICommand<int>;

/// <summary>Disables (every session ends, no sign-in, no API key) or enables an account. Admin only; audited.</summary>
public sealed record SetAccountEnabled(Guid AccountId, bool Enabled) : ICommand<bool>;

/// <summary>A new temporary password (returned once; the account must change it at its next sign-in); sessions end; the lockout clears.</summary>
public sealed record ResetPassword(Guid AccountId) : ICommand<string>;

/// <summary>The signed-in account changes its own password; its other sessions end and the new stamp is returned for its own.</summary>
public sealed record ChangeOwnPassword(string CurrentPassword, string NewPassword) : ICommand<PasswordChanged>;

public sealed record PasswordChanged(Guid SecurityStamp);

/// <summary>For the web host (as the system): whether a session of this account with this stamp is still valid (cached briefly per host).</summary>
public sealed record ValidateSession(Guid AccountId, Guid SecurityStamp) : IQuery<SessionState>;

public sealed record SessionState(bool Valid, bool MustChangePassword);

/// <summary>
/// <c>import accounts</c>: user_name, display_name, role (employer | reviewer | admin), credit_code (employers), jurisdiction (reviewers).
/// Upserts on user_name: new accounts have no password (an admin resets one, or the unit signs in by single sign-on); a changed role,
/// unit or jurisdiction ends the account's sessions. Whole file or nothing, line-numbered errors. Admin only; audited.
/// </summary>
public sealed record ImportAccounts(Stream Content) : ICommand<ImportResult>;

// Single sign-on (OpenID Connect): an explicit binding table, employer accounts only.

/// <summary>
/// For the web host (as the system) after the provider signed someone in: the bound account; or, at a first sign-in whose
/// <paramref name="CreditCode"/> claim names a registered unit, that unit's only employer account (created when it has none), now
/// bound. Never by user name; staff accounts never sign in this way.
/// </summary>
public sealed record ResolveSsoSignIn(string Issuer, string Subject, string? CreditCode) : ICommand<SignInResult>;

public sealed record BindSsoSubject(Guid AccountId, string Issuer, string Subject) : ICommand<bool>;

public sealed record UnbindSsoSubject(Guid AccountId, string Issuer, string Subject) : ICommand<bool>;

// API keys of integrators: `Authorization: Bearer decl_<id>.<secret>` on /api; a key acts as its account.

/// <summary>A new key for an account (admin only; audited). The key is returned once and never stored.</summary>
public sealed record CreateApiKey(Guid AccountId, string Name, DateOnly? ExpiresOn) : ICommand<ApiKeyCreated>;

public sealed record ApiKeyCreated(Guid Id, string Key);

public sealed record RevokeApiKey(Guid AccountId, Guid KeyId) : ICommand<bool>;

/// <summary>For the web host (as the system): the active account of a valid, unexpired, unrevoked key, or null.</summary>
public sealed record AuthenticateApiKey(string Key) : IQuery<ApiKeyIdentity?>;

/// <param name="Unit">The account's unit, read with the key (an employer's; null for staff): the request's first read of it may be this
/// one (<c>RequestPreloads</c>).</param>
public sealed record ApiKeyIdentity(Guid KeyId, string KeyName, AccountDto Account, UnitDto? Unit = null);
