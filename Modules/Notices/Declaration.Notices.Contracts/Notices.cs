using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Messaging;
using Mediator;

namespace Declaration.Notices.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class NoticesContractsMarker;

/// <summary>A notice's headline; <paramref name="ExpiresAt"/> is when it stops being shown (a page that keeps headlines keeps them no longer).</summary>
public sealed record NoticeHeadlineDto(Guid Id, string Title, DateTimeOffset PublishedAt, bool Pinned, bool Read, DateTimeOffset? ExpiresAt = null);

/// <summary>The latest notices visible to the caller's unit (its federation's region and above), pinned first.</summary>
public sealed record GetLatestNotices(int Count = 5) : IQuery<IReadOnlyList<NoticeHeadlineDto>>;

public sealed record NoticePublished(Guid NoticeId, string Title, string TargetRegionPrefix) : IntegrationEvent;

// Added by the Notices module (its own pages, API and tests).

public sealed record NoticeAttachmentDto(Guid Id, string FileName, string ContentType, long SizeBytes);

/// <summary>A notice as a reader sees it: the body is Markdown rendered to sanitised HTML (safe to emit raw).</summary>
public sealed record NoticeDto(
    Guid Id, string Title, string BodyMarkdown, string BodyHtml, string TargetRegionPrefix, DateTimeOffset PublishAt, DateTimeOffset? ExpiresAt,
    bool Pinned, bool Withdrawn, string AuthorName, bool Read, int Version, IReadOnlyList<NoticeAttachmentDto> Attachments)
{
    public bool IsPublished(DateTimeOffset now) => !Withdrawn && PublishAt <= now && (ExpiresAt is null || ExpiresAt > now);
}

public sealed record NoticeListItemDto(
    Guid Id, string Title, string TargetRegionPrefix, DateTimeOffset PublishAt, DateTimeOffset? ExpiresAt, bool Pinned, bool Withdrawn, bool Read,
    int AttachmentCount, string AuthorName);

/// <summary>
/// 通知公告 list: notices visible to the caller (a unit: its federation's region and above; published, not expired), pinned
/// first, newest first; the keyword matches any substring of the title or body (Chinese included).
/// </summary>
public sealed record SearchNotices(string? Keyword, int Page = 1, int PageSize = 20) : IQuery<PagedResult<NoticeListItemDto>>;

/// <summary>Staff: every notice they manage (their jurisdiction; admins all), scheduled, expired and withdrawn ones included.</summary>
public sealed record GetManagedNotices(string? Keyword, int Page = 1, int PageSize = 20) : IQuery<PagedResult<NoticeListItemDto>>;

/// <summary>One notice the caller may read (404 otherwise; staff may read the ones they manage in any state).</summary>
public sealed record GetNotice(Guid NoticeId) : IQuery<NoticeDto>;

/// <summary>Marks the notice read for the calling account; false when it was already read.</summary>
public sealed record MarkNoticeRead(Guid NoticeId) : ICommand<bool>;

/// <summary>
/// Reviewers (only within their jurisdiction) and admins publish a notice to a region prefix ("33" every Zhejiang unit,
/// "3301" Hangzhou). <paramref name="PublishAt"/> null = now; a later time schedules it.
/// </summary>
public sealed record PublishNotice(string Title, string BodyMarkdown, string TargetRegionPrefix, DateTimeOffset? PublishAt, DateTimeOffset? ExpiresAt, bool Pinned)
    : ICommand<Guid>;

public sealed record EditNotice(Guid NoticeId, int Version, string Title, string BodyMarkdown, string TargetRegionPrefix, DateTimeOffset PublishAt,
    DateTimeOffset? ExpiresAt, bool Pinned) : ICommand<int>;

/// <summary>Withdraws a notice (readers no longer see it); false when it was already withdrawn.</summary>
public sealed record UnpublishNotice(Guid NoticeId) : ICommand<bool>;

public sealed record AddNoticeAttachment(Guid NoticeId, Stream Content, string FileName) : ICommand<Guid>;

public sealed record RemoveNoticeAttachment(Guid NoticeId, Guid FileId) : ICommand<bool>;

public sealed record GetNoticeAttachment(Guid NoticeId, Guid FileId) : IQuery<FileDownload>;

// SMS notifications (短信通知).

public enum SmsStatus { Pending, Sent, Failed, Cancelled }

public sealed record SmsMessageDto(
    Guid Id, Guid UnitId, string UnitName, string Kind, string MaskedMobile, string Content, SmsStatus Status, int Attempts,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt, string? Gateway);

/// <summary>Admin: the SMS messages (newest first), optionally of one status.</summary>
public sealed record GetSmsMessages(SmsStatus? Status, int Page = 1, int PageSize = 20) : IQuery<PagedResult<SmsMessageDto>>;
