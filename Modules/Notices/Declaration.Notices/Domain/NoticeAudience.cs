using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Errors;
using Declaration.Units.Contracts;
using Mediator;

namespace Declaration.Notices.Domain;

/// <summary>
/// Which notices a caller reads. A unit reads the notices targeted at its supervising federation's region or above
/// (prefix "33" reaches every Zhejiang unit, "3301" only Hangzhou's): the target must be one of the federation code's
/// prefixes. A reviewer reads those above and within its jurisdiction; an admin every notice.
/// </summary>
internal sealed record NoticeAudience(string[]? Prefixes, string? Within)
{
    /// <summary>No restriction (admin, system).</summary>
    public static readonly NoticeAudience Everyone = new(null, null);

    public static string[] PrefixesOf(string code) =>
        Enumerable.Range(2, Math.Max(0, Math.Min(6, code.Length) - 1)).Select(n => code[..n]).ToArray();

    public bool Unrestricted => Prefixes is null && Within is null;

    /// <summary>Names the audience in cache keys: two callers with the same key read the same notices.</summary>
    public string Key => Unrestricted ? "*" : $"{string.Join(',', Prefixes ?? [])}/{Within}";

    /// <summary>SQL condition on notices.notice aliased n, using @prefixes and @within.</summary>
    public string Sql => Unrestricted ? "TRUE" : Within is null
        ? "n.target_region_prefix = ANY(@prefixes)"
        : "(n.target_region_prefix = ANY(@prefixes) OR n.target_region_prefix LIKE @within || '%')";

    public bool Covers(string target) =>
        Unrestricted || (Prefixes?.Contains(target, StringComparer.Ordinal) ?? false) || (Within is not null && target.StartsWith(Within, StringComparison.Ordinal));
}

internal sealed class NoticeAudienceResolver(ICurrentUser user, ISender sender)
{
    public async Task<NoticeAudience> ResolveAsync(CancellationToken ct)
    {
        switch (user.Role)
        {
            case Role.Admin or Role.System:
                return NoticeAudience.Everyone;
            case Role.Reviewer:
                var j = user.Jurisdiction ?? throw new ForbiddenException("审核员账号未设置管辖范围");
                return new NoticeAudience(NoticeAudience.PrefixesOf(j), j);
            default:
                if (user.UnitId is not { } unitId) throw new ForbiddenException("当前账号未绑定单位");
                var unit = await sender.Send(new GetUnit(unitId), ct);
                return new NoticeAudience(NoticeAudience.PrefixesOf(unit.FederationCode), null);
        }
    }

    /// <summary>Staff may publish only within their jurisdiction (admins anywhere).</summary>
    public void EnsureMayTarget(string targetPrefix)
    {
        if (user.Role is Role.Admin or Role.System) return;
        if (user.Role != Role.Reviewer) throw new ForbiddenException("仅残联业务人员可发布通知公告");
        if (user.Jurisdiction is not { Length: > 0 } j || !targetPrefix.StartsWith(j, StringComparison.Ordinal))
            throw new ForbiddenException($"只能向您的管辖范围（{user.Jurisdiction}）内发布通知公告");
    }
}
