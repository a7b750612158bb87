namespace Declaration.BuildingBlocks.Application;

public enum Role { Employer, Reviewer, Admin, System }

/// <summary>Who is asking. Every handler that touches a unit's data checks it.</summary>
public interface ICurrentUser
{
    string UserId { get; }
    string UserName { get; }
    Role Role { get; }
    /// <summary>The unit an employer account is bound to.</summary>
    Guid? UnitId { get; }
    /// <summary>A reviewer's jurisdiction: a region-code prefix (e.g. "3301"). Admins see everything.</summary>
    string? Jurisdiction { get; }
    string? IpAddress { get; }
}

/// <summary>The identity of nightly jobs, imports from the command line and seeding.</summary>
public sealed class SystemUser : ICurrentUser
{
    public string UserId => "system";
    public string UserName => "系统";
    public Role Role => Role.System;
    public Guid? UnitId => null;
    public string? Jurisdiction => null;
    public string? IpAddress => null;
}

/// <summary>
/// A caller who is not signed in (a web request without a session). Least privilege by construction: an employer role bound to no
/// unit passes no check of the solution (every unit check compares the caller's unit; every staff check asks for Reviewer/Admin/System).
/// </summary>
public sealed class AnonymousUser(string? ipAddress = null) : ICurrentUser
{
    public string UserId => "anonymous";
    public string UserName => "匿名访问";
    public Role Role => Role.Employer;
    public Guid? UnitId => null;
    public string? Jurisdiction => null;
    public string? IpAddress { get; } = ipAddress;
}

/// <summary>
/// The caller of a scope nobody set (fail closed): no rights, as <see cref="AnonymousUser"/>, and the mediator refuses every message sent
/// in its name (<see cref="CallerBehaviour{TMessage,TResponse}"/>), so a job, a consumer or a command-line verb that forgot to say who it
/// runs as fails loudly instead of running as the system.
/// </summary>
public sealed class UnsetUser : ICurrentUser
{
    public static readonly UnsetUser Instance = new();
    private UnsetUser() { }
    public string UserId => "unset";
    public string UserName => "未设置的调用者";
    public Role Role => Role.Employer;
    public Guid? UnitId => null;
    public string? Jurisdiction => null;
    public string? IpAddress => null;
}

/// <summary>A settable identity for background scopes and tests.</summary>
public sealed class ExplicitUser(string userId, string userName, Role role, Guid? unitId = null, string? jurisdiction = null) : ICurrentUser
{
    public string UserId { get; } = userId;
    public string UserName { get; } = userName;
    public Role Role { get; } = role;
    public Guid? UnitId { get; } = unitId;
    public string? Jurisdiction { get; } = jurisdiction;
    public string? IpAddress => "127.0.0.1";
}

public static class AccessExtensions
{
    public static bool IsStaff(this ICurrentUser user) => user.Role is Role.Reviewer or Role.Admin or Role.System;

    /// <summary>Whether a staff member's jurisdiction covers a federation/region code.</summary>
    public static bool Covers(this ICurrentUser user, string? regionCode) =>
        user.Role is Role.Admin or Role.System ||
        (user.Role == Role.Reviewer && user.Jurisdiction is { Length: > 0 } j && regionCode is not null && regionCode.StartsWith(j, StringComparison.Ordinal));
}
