using Declaration.BuildingBlocks.Messaging;
using Mediator;

namespace Declaration.Notices.Contracts;

/// <summary>Names this Contracts assembly for registration and architecture tests.</summary>
public sealed class NoticesContractsMarker;

public sealed record NoticeHeadlineDto(Guid Id, string Title, DateTimeOffset PublishedAt, bool Pinned, bool Read);

/// <summary>The latest notices visible to the caller's unit (its federation's region and above), pinned first.</summary>
public sealed record GetLatestNotices(int Count = 5) : IQuery<IReadOnlyList<NoticeHeadlineDto>>;

public sealed record NoticePublished(Guid NoticeId, string Title, string TargetRegionPrefix) : IntegrationEvent;
