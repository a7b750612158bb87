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
