using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Audit;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Errors;
using Declaration.BuildingBlocks.Files;
using Declaration.BuildingBlocks.Messaging;
using Declaration.Notices.Contracts;
using Declaration.Notices.Domain;
using FluentValidation;
using Mediator;

namespace Declaration.Notices.Features.Notices;

internal static class NoticeRules
{
    public static void Apply<T>(AbstractValidator<T> v, Func<T, string> title, Func<T, string> body, Func<T, string> target,
        Func<T, DateTimeOffset?> publishAt, Func<T, DateTimeOffset?> expiresAt)
    {
        v.RuleFor(x => title(x)).NotEmpty().WithMessage("请填写标题").MaximumLength(200).WithMessage("标题不能超过200字").OverridePropertyName("Title");
        v.RuleFor(x => body(x)).NotEmpty().WithMessage("请填写正文").MaximumLength(50_000).WithMessage("正文不能超过50000字").OverridePropertyName("BodyMarkdown");
        v.RuleFor(x => target(x)).Matches("^[0-9]{2,6}$").WithMessage("发布范围应为2至6位行政区划代码前缀（如33为全省，3301为杭州市）")
            .OverridePropertyName("TargetRegionPrefix");
        v.RuleFor(x => expiresAt(x)).Must((x, e) => e is null || publishAt(x) is not { } p || e > p).WithMessage("失效时间应晚于发布时间")
            .OverridePropertyName("ExpiresAt");
    }
}

internal sealed class PublishNoticeValidator : AbstractValidator<PublishNotice>
{
    public PublishNoticeValidator() => NoticeRules.Apply(this, x => x.Title, x => x.BodyMarkdown, x => x.TargetRegionPrefix, x => x.PublishAt, x => x.ExpiresAt);
}

internal sealed class EditNoticeValidator : AbstractValidator<EditNotice>
{
    public EditNoticeValidator() => NoticeRules.Apply(this, x => x.Title, x => x.BodyMarkdown, x => x.TargetRegionPrefix, x => x.PublishAt, x => x.ExpiresAt);
}

internal sealed class PublishNoticeHandler(IDbSession db, NoticeAudienceResolver audience, NoticeAnnouncer announcer, IAuditLog audit, ICurrentUser user,
    TimeProvider clock) : ICommandHandler<PublishNotice, Guid>
{
    public async ValueTask<Guid> Handle(PublishNotice command, CancellationToken ct)
    {
        var target = command.TargetRegionPrefix.Trim();
        audience.EnsureMayTarget(target);
        var now = clock.GetUtcNow();
        var publishAt = command.PublishAt ?? now;
        if (command.ExpiresAt is { } e && e <= publishAt) throw new InputException("ExpiresAt", "失效时间应晚于发布时间");
        var id = Guid.NewGuid();
        var title = command.Title.Trim();
        await db.ExecuteAsync("""
            INSERT INTO notices.notice (id, title, body_markdown, body_html, search_text, search_bigrams, target_region_prefix, publish_at, expires_at,
                pinned, author_id, author_name, created_at, updated_at)
            VALUES (@id, @title, @body, @html, @search, @bigrams, @target, @publishAt, @ExpiresAt, @Pinned, @authorId, @authorName, @now, @now)
            """, new
        {
            id, title, body = command.BodyMarkdown, html = NoticeText.ToHtml(command.BodyMarkdown), search = NoticeText.SearchText(title, command.BodyMarkdown),
            bigrams = NoticeText.Bigrams(NoticeText.SearchText(title, command.BodyMarkdown)), target, publishAt, command.ExpiresAt, command.Pinned,
            authorId = user.UserId, authorName = user.UserName, now,
        }, ct);
        await audit.RecordAsync("Notices", "Notice", id.ToString(), null, "发布通知公告", null, new { title, target, publishAt, command.ExpiresAt, command.Pinned }, ct);
        await announcer.AnnounceDueAsync(id, ct);
        return id;
    }
}

internal sealed class EditNoticeHandler(IDbSession db, NoticeStore store, NoticeAudienceResolver audience, NoticeAnnouncer announcer, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<EditNotice, int>
{
    public async ValueTask<int> Handle(EditNotice command, CancellationToken ct)
    {
        var before = await store.LoadManagedAsync(command.NoticeId, forUpdate: true, ct);
        if (before.Version != command.Version) throw new ConflictException("该通知公告已被他人修改，请刷新页面后重新修改");
        var target = command.TargetRegionPrefix.Trim();
        audience.EnsureMayTarget(target);
        if (before.AnnouncedAt is not null && target != before.TargetRegionPrefix)
            throw new BusinessRuleException("NOTICE_TARGET_FROZEN", "通知公告已发布，不能再修改发布范围（如需发往其他地区，请撤回后重新发布）");
        var title = command.Title.Trim();
        var search = NoticeText.SearchText(title, command.BodyMarkdown);
        var version = await db.ExecuteScalarAsync<int>("""
            UPDATE notices.notice SET title = @title, body_markdown = @body, body_html = @html, search_text = @search, search_bigrams = @bigrams,
                target_region_prefix = @target, publish_at = @PublishAt, expires_at = @ExpiresAt, pinned = @Pinned, version = version + 1, updated_at = @now
            WHERE id = @NoticeId AND version = @Version RETURNING version
            """, new
        {
            command.NoticeId, command.Version, title, body = command.BodyMarkdown, html = NoticeText.ToHtml(command.BodyMarkdown), search,
            bigrams = NoticeText.Bigrams(search), target, command.PublishAt, command.ExpiresAt, command.Pinned, now = clock.GetUtcNow(),
        }, ct);
        if (version == 0) throw new ConflictException("该通知公告已被他人修改，请刷新页面后重新修改");
        await audit.RecordAsync("Notices", "Notice", command.NoticeId.ToString(), null, "修改通知公告",
            new { before.Title, before.TargetRegionPrefix, before.PublishAt, before.ExpiresAt, before.Pinned },
            new { Title = title, TargetRegionPrefix = target, command.PublishAt, command.ExpiresAt, command.Pinned }, ct);
        await announcer.AnnounceDueAsync(command.NoticeId, ct);
        return version;
    }
}

internal sealed class UnpublishNoticeHandler(IDbSession db, NoticeStore store, IAuditLog audit, TimeProvider clock) : ICommandHandler<UnpublishNotice, bool>
{
    public async ValueTask<bool> Handle(UnpublishNotice command, CancellationToken ct)
    {
        var notice = await store.LoadManagedAsync(command.NoticeId, forUpdate: true, ct);
        if (notice.WithdrawnAt is not null) return false;
        await db.ExecuteAsync("UPDATE notices.notice SET withdrawn_at = @now, version = version + 1, updated_at = @now WHERE id = @id",
            new { id = command.NoticeId, now = clock.GetUtcNow() }, ct);
        // Its texts not yet sent are cancelled: a withdrawn notice no longer reaches the units' phones.
        var cancelled = await db.ExecuteAsync("""
            UPDATE notices.sms_message SET status = 'cancelled', last_error = '通知公告已撤回'
            WHERE notice_id = @id AND status = 'pending'
            """, new { id = command.NoticeId }, ct);
        await audit.RecordAsync("Notices", "Notice", command.NoticeId.ToString(), null, "撤回通知公告", new { notice.Title },
            new { CancelledTexts = cancelled }, ct);
        return true;
    }
}

internal sealed class AddNoticeAttachmentHandler(IDbSession db, NoticeStore store, IFileStorage files, IAuditLog audit, TimeProvider clock)
    : ICommandHandler<AddNoticeAttachment, Guid>
{
    public async ValueTask<Guid> Handle(AddNoticeAttachment command, CancellationToken ct)
    {
        await store.LoadManagedAsync(command.NoticeId, forUpdate: true, ct);
        var count = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM notices.notice_attachment WHERE notice_id = @id", new { id = command.NoticeId }, ct);
        if (count >= 20) throw new BusinessRuleException("NOTICE_ATTACHMENTS_MAX", "每条通知公告最多20个附件");
        var file = await files.SaveEvidenceAsync(command.Content, command.FileName, ct);
        await db.ExecuteAsync("""
            INSERT INTO notices.notice_attachment (file_id, notice_id, file_name, content_type, size_bytes, uploaded_at)
            VALUES (@Id, @noticeId, @FileName, @ContentType, @SizeBytes, @now)
            """, new { file.Id, noticeId = command.NoticeId, file.FileName, file.ContentType, file.SizeBytes, now = clock.GetUtcNow() }, ct);
        await audit.RecordAsync("Notices", "NoticeAttachment", file.Id.ToString(), null, "上传通知公告附件", null, new { file.FileName, file.SizeBytes }, ct);
        return file.Id;
    }
}

internal sealed class RemoveNoticeAttachmentHandler(IDbSession db, NoticeStore store, IAuditLog audit) : ICommandHandler<RemoveNoticeAttachment, bool>
{
    public async ValueTask<bool> Handle(RemoveNoticeAttachment command, CancellationToken ct)
    {
        await store.LoadManagedAsync(command.NoticeId, forUpdate: true, ct);
        var removed = await db.ExecuteAsync("DELETE FROM notices.notice_attachment WHERE notice_id = @NoticeId AND file_id = @FileId", command, ct);
        if (removed == 0) throw new NotFoundException("未找到该附件");
        await audit.RecordAsync("Notices", "NoticeAttachment", command.FileId.ToString(), null, "删除通知公告附件", null, null, ct);
        return true;
    }
}

internal sealed class MarkNoticeReadHandler(IDbSession db, NoticeStore store, ICurrentUser user, TimeProvider clock) : ICommandHandler<MarkNoticeRead, bool>
{
    public async ValueTask<bool> Handle(MarkNoticeRead command, CancellationToken ct)
    {
        await store.LoadReadableAsync(command.NoticeId, ct);
        return await db.ExecuteAsync("""
            INSERT INTO notices.notice_read (notice_id, account_id, read_at) VALUES (@id, @account, @now) ON CONFLICT DO NOTHING
            """, new { id = command.NoticeId, account = user.UserId, now = clock.GetUtcNow() }, ct) == 1;
    }
}

/// <summary>
/// Writes NoticePublished once per notice, when its publish time has come (at once for an immediate notice; the
/// background sender calls <see cref="AnnounceAllDueAsync"/> for scheduled ones).
/// </summary>
internal sealed class NoticeAnnouncer(IDbSession db, IOutbox outbox, TimeProvider clock)
{
    public async Task AnnounceDueAsync(Guid? noticeId, CancellationToken ct)
    {
        var due = await db.QueryAsync<(Guid Id, string Title, string Target)>("""
            UPDATE notices.notice SET announced_at = @now
            WHERE id IN (SELECT id FROM notices.notice WHERE announced_at IS NULL AND withdrawn_at IS NULL AND publish_at <= @now
                           AND (expires_at IS NULL OR expires_at > @now) AND (@noticeId::uuid IS NULL OR id = @noticeId)
                         ORDER BY publish_at LIMIT 100 FOR UPDATE SKIP LOCKED)
            RETURNING id, title, target_region_prefix
            """, new { now = clock.GetUtcNow(), noticeId }, ct);
        foreach (var n in due) await outbox.AddAsync(new NoticePublished(n.Id, n.Title, n.Target), ct);
    }
}
