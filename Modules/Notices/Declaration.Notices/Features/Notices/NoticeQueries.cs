using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Declaration.Notices.Contracts;
using Declaration.Notices.Domain;
using Mediator;

namespace Declaration.Notices.Features.Notices;

/// <summary>The keyword condition: a substring of the title or plain body (case-insensitive).</summary>
internal sealed record KeywordFilter(string? Pattern, string[]? Bigrams)
{
    public static KeywordFilter Of(string? keyword)
    {
        if (string.IsNullOrWhiteSpace(keyword)) return new(null, null);
        var k = NoticeText.Normalize(keyword);
        if (k.Length > 100) k = k[..100];
        var pattern = "%" + k.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";
        // pg_trgm's GIN index serves keywords of 3+ characters; a 2-character keyword (a Chinese word) goes through the bigram index.
        return new(pattern, k.Length == 2 ? [k] : null);
    }

    public string Sql => Pattern is null ? "TRUE" : Bigrams is null
        ? "n.search_text LIKE @pattern"
        : "n.search_bigrams @> @bigrams AND n.search_text LIKE @pattern";
}

internal sealed class SearchNoticesHandler(IDbSession db, NoticeAudienceResolver resolver, ICurrentUser user, TimeProvider clock, NoticeListingCache cache)
    : IQueryHandler<SearchNotices, PagedResult<NoticeListItemDto>>, IQueryHandler<GetLatestNotices, IReadOnlyList<NoticeHeadlineDto>>
{
    private const string Published = "n.withdrawn_at IS NULL AND n.publish_at <= @now AND (n.expires_at IS NULL OR n.expires_at > @now)";

    public async ValueTask<PagedResult<NoticeListItemDto>> Handle(SearchNotices query, CancellationToken ct)
    {
        var audience = await resolver.ResolveAsync(ct);
        var keyword = KeywordFilter.Of(query.Keyword);
        var (page, size) = NoticeListing.Normalize(query.Page, query.PageSize);
        var key = $"search|{audience.Key}|{page}|{size}|{keyword.Pattern}";
        var (items, total) = await cache.GetAsync(db, key, user.UserId, async () =>
        {
            var r = await NoticeListing.PageAsync(db, $"{Published} AND {audience.Sql} AND {keyword.Sql}",
                new { now = clock.GetUtcNow(), prefixes = audience.Prefixes ?? [], within = audience.Within ?? string.Empty, pattern = keyword.Pattern ?? string.Empty, bigrams = keyword.Bigrams ?? [], account = user.UserId },
                page, size, ct);
            return (r.Items, r.Total);
        }, n => n.Id, (n, read) => n with { Read = read }, ct);
        return new PagedResult<NoticeListItemDto>(items, page, size, total);
    }

    public async ValueTask<IReadOnlyList<NoticeHeadlineDto>> Handle(GetLatestNotices query, CancellationToken ct)
    {
        var audience = await resolver.ResolveAsync(ct);
        var count = Math.Clamp(query.Count, 1, 50);
        var (items, _) = await cache.GetAsync(db, $"latest|{audience.Key}|{count}", user.UserId, async () =>
        {
            var rows = await db.QueryAsync<NoticeHeadlineDto>($"""
                SELECT n.id, n.title, n.publish_at AS PublishedAt, n.pinned,
                       EXISTS (SELECT 1 FROM notices.notice_read r WHERE r.notice_id = n.id AND r.account_id = @account) AS Read,
                       n.expires_at AS ExpiresAt
                FROM notices.notice n
                WHERE {Published} AND {audience.Sql}
                ORDER BY n.pinned DESC, n.publish_at DESC, n.id LIMIT @count
                """, new { now = clock.GetUtcNow(), prefixes = audience.Prefixes ?? [], within = audience.Within ?? string.Empty, account = user.UserId, count }, ct);
            return (rows, (long)rows.Count);
        }, n => n.Id, (n, read) => n with { Read = read }, ct);
        return items;
    }
}

internal sealed class GetManagedNoticesHandler(IDbSession db, ICurrentUser user) : IQueryHandler<GetManagedNotices, PagedResult<NoticeListItemDto>>
{
    public async ValueTask<PagedResult<NoticeListItemDto>> Handle(GetManagedNotices query, CancellationToken ct)
    {
        if (!user.IsStaff()) throw new ForbiddenException("仅残联业务人员可管理通知公告");
        var within = user.Role == Role.Reviewer ? user.Jurisdiction ?? "\u0000" : string.Empty;
        var keyword = KeywordFilter.Of(query.Keyword);
        return await NoticeListing.PageAsync(db, $"n.target_region_prefix LIKE @within || '%' AND {keyword.Sql}",
            new { within, pattern = keyword.Pattern ?? string.Empty, bigrams = keyword.Bigrams ?? [], account = user.UserId }, query.Page, query.PageSize, ct, pinnedFirst: false);
    }
}

internal static class NoticeListing
{
    public static (int Page, int Size) Normalize(int page, int pageSize) => (Math.Max(1, page), Math.Clamp(pageSize, 1, 100));

    public static async Task<PagedResult<NoticeListItemDto>> PageAsync(IDbSession db, string where, object param, int page, int pageSize, CancellationToken ct,
        bool pinnedFirst = true)
    {
        (page, var size) = Normalize(page, pageSize);
        var args = new Dapper.DynamicParameters(param);
        args.Add("size", size);
        args.Add("offset", (long)(page - 1) * size);
        var total = await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM notices.notice n WHERE {where}", args, ct);
        var items = await db.QueryAsync<NoticeListItemDto>($"""
            SELECT n.id, n.title, n.target_region_prefix AS TargetRegionPrefix, n.publish_at AS PublishAt, n.expires_at AS ExpiresAt, n.pinned,
                   n.withdrawn_at IS NOT NULL AS Withdrawn,
                   EXISTS (SELECT 1 FROM notices.notice_read r WHERE r.notice_id = n.id AND r.account_id = @account) AS Read,
                   (SELECT count(*)::int FROM notices.notice_attachment a WHERE a.notice_id = n.id) AS AttachmentCount, n.author_name AS AuthorName
            FROM notices.notice n WHERE {where}
            ORDER BY {(pinnedFirst ? "n.pinned DESC, " : "")}n.publish_at DESC, n.id LIMIT @size OFFSET @offset
            """, args, ct);
        return new PagedResult<NoticeListItemDto>(items, page, size, total);
    }
}

internal sealed class GetNoticeHandler(IDbSession db, NoticeStore store, ICurrentUser user) : IQueryHandler<GetNotice, NoticeDto>
{
    public async ValueTask<NoticeDto> Handle(GetNotice query, CancellationToken ct)
    {
        var n = await store.LoadReadableAsync(query.NoticeId, ct);
        var read = await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM notices.notice_read WHERE notice_id = @id AND account_id = @account)",
            new { id = n.Id, account = user.UserId }, ct);
        var attachments = await db.QueryAsync<NoticeAttachmentDto>("""
            SELECT file_id AS Id, file_name AS FileName, content_type AS ContentType, size_bytes AS SizeBytes
            FROM notices.notice_attachment WHERE notice_id = @id ORDER BY uploaded_at, file_name
            """, new { id = n.Id }, ct);
        return new NoticeDto(n.Id, n.Title, n.BodyMarkdown, n.BodyHtml, n.TargetRegionPrefix, n.PublishAt, n.ExpiresAt, n.Pinned, n.WithdrawnAt is not null,
            n.AuthorName, read, n.Version, attachments);
    }
}

internal sealed class GetNoticeAttachmentHandler(IDbSession db, NoticeStore store, IFileStorage files) : IQueryHandler<GetNoticeAttachment, FileDownload>
{
    public async ValueTask<FileDownload> Handle(GetNoticeAttachment query, CancellationToken ct)
    {
        await store.LoadReadableAsync(query.NoticeId, ct);
        var known = await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM notices.notice_attachment WHERE notice_id = @NoticeId AND file_id = @FileId)", query, ct);
        if (!known || await files.OpenAsync(query.FileId, ct) is not { } file) throw new NotFoundException("未找到该附件");
        return new FileDownload(file.File.FileName, file.File.ContentType, file.Content);
    }
}
