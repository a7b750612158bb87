using Declaration.BuildingBlocks.Application;
using Mediator;

namespace Declaration.Units.Contracts;

public sealed record AccountDto(Guid Id, string UserName, string DisplayName, Role Role, Guid? UnitId, string? Jurisdiction);

/// <summary>Checks a password; counts failures and locks the account after five in a row for 15 minutes.</summary>
public sealed record SignIn(string UserName, string Password) : ICommand<SignInResult>;

public sealed record SignInResult(AccountDto? Account, string? Error);

public sealed record FindAccount(string UserName) : IQuery<AccountDto?>;

/// <summary>Creates (or, when <paramref name="UpdateIfExists"/>, resets) a local account. Admin or system only.</summary>
public sealed record CreateAccount(string UserName, string DisplayName, string Password, Role Role, string? CreditCode, string? Jurisdiction, bool UpdateIfExists = false) : ICommand<Guid>;
