using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;

namespace Declaration.Notices.Domain;

internal sealed record NoticeRow(
    Guid Id, string Title, string BodyMarkdown, string BodyHtml, string TargetRegionPrefix, DateTimeOffset PublishAt, DateTimeOffset? ExpiresAt,
    bool Pinned, DateTimeOffset? WithdrawnAt, DateTimeOffset? AnnouncedAt, string AuthorName, int Version);

/// <summary>Loads notices with the caller's rights: readable (published, not expired, in the audience) or managed (staff, jurisdiction).</summary>
internal sealed class NoticeStore(IDbSession db, ICurrentUser user, NoticeAudienceResolver resolver, TimeProvider clock)
{
    public const string Columns = """
        n.id, n.title, n.body_markdown AS BodyMarkdown, n.body_html AS BodyHtml, n.target_region_prefix AS TargetRegionPrefix, n.publish_at AS PublishAt,
        n.expires_at AS ExpiresAt, n.pinned, n.withdrawn_at AS WithdrawnAt, n.announced_at AS AnnouncedAt, n.author_name AS AuthorName, n.version
        """;

    private async Task<NoticeRow> LoadAsync(Guid id, bool forUpdate, CancellationToken ct) =>
        await db.QuerySingleOrDefaultAsync<NoticeRow>($"SELECT {Columns} FROM notices.notice n WHERE n.id = @id{(forUpdate ? " FOR UPDATE" : "")}", new { id }, ct)
        ?? throw new NotFoundException("未找到该通知公告");

    /// <summary>A notice the caller manages: staff whose jurisdiction covers its target (admins all).</summary>
    public async Task<NoticeRow> LoadManagedAsync(Guid id, bool forUpdate, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可管理通知公告");
        var notice = await LoadAsync(id, forUpdate, ct);
        if (!Manages(notice.TargetRegionPrefix)) throw new ForbiddenException("该通知公告不在您的管辖范围内");
        return notice;
    }

    public bool Manages(string target) =>
        user.Role is Role.Admin or Role.System ||
        (user.Role == Role.Reviewer && user.Jurisdiction is { Length: > 0 } j && target.StartsWith(j, StringComparison.Ordinal));

    /// <summary>A notice the caller may read: published and in its audience; staff also the ones they manage in any state.</summary>
    public async Task<NoticeRow> LoadReadableAsync(Guid id, CancellationToken ct)
    {
        var notice = await LoadAsync(id, false, ct);
        if (user.IsStaff() && Manages(notice.TargetRegionPrefix)) return notice;
        var now = clock.GetUtcNow();
        var published = notice.WithdrawnAt is null && notice.PublishAt <= now && (notice.ExpiresAt is null || notice.ExpiresAt > now);
        var audience = await resolver.ResolveAsync(ct);
        if (!published || !audience.Covers(notice.TargetRegionPrefix)) throw new NotFoundException("未找到该通知公告");
        return notice;
    }
}
