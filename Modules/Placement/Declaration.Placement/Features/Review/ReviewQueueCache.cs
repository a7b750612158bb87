using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.Placement.Contracts;

namespace Declaration.Placement.Features.Review;

/// <summary>
/// Pages of the review queue (without a search: a search may hold a full ID number), kept by this host per jurisdiction, filter and
/// page, and served again while the sum of the queue stamps of the federations the jurisdiction covers (<c>placement.queue_stamp</c>,
/// migration 0007: every statement that changes a queued placement or a unit moves them, and a stamp only grows) is the one they were
/// read under (<see cref="StampedCache{TStamp}"/>) — one small read per view, correct on every host.
/// Bounded: at most <see cref="Capacity"/> rows in all (a page weighs its rows), each page dropped after <see cref="Idle"/> unused.
/// </summary>
internal sealed class ReviewQueueCache : IDisposable
{
    public const int Capacity = 50_000;
    public static readonly TimeSpan Idle = TimeSpan.FromMinutes(10);

    private readonly StampedCache<decimal> _pages = new(Capacity, Idle);

    public static Task<decimal> StampAsync(IDbSession db, string prefix, CancellationToken ct) =>
        db.ExecuteScalarAsync<decimal>("SELECT coalesce(sum(stamp), 0) FROM placement.queue_stamp WHERE federation_code LIKE @prefix || '%'",
            new { prefix }, ct);

    public PagedResult<ReviewQueueItemDto>? Get(object key, decimal stamp) => _pages.Get<PagedResult<ReviewQueueItemDto>>(key, stamp);

    public void Set(object key, decimal stamp, PagedResult<ReviewQueueItemDto> page) => _pages.Set(key, stamp, page, 1 + page.Items.Count);

    public void Dispose() => _pages.Dispose();
}
