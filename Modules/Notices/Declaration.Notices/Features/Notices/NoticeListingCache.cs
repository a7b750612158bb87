using System.Collections.Concurrent;
using Declaration.BuildingBlocks.Data;

namespace Declaration.Notices.Features.Notices;

/// <summary>
/// What a notice listing shows to every reader of one audience — the page's rows and the total, without anyone's read marks — kept
/// by this host while it is current: while <c>notices.listing_version</c> (moved by every statement that changes a listed notice or
/// its attachments, in that statement's transaction) is the version it was read at, and until the next instant a notice is due to
/// appear or expire. A request then costs one small query (the version and the reader's own read marks on the page) instead of the
/// search; several hosts each keep their own and check the same row, so none shows a listing older than the last committed change.
/// At most <see cref="MaxEntries"/> listings are kept (keywords are typed by users); beyond that the cache starts afresh.
/// </summary>
internal sealed class NoticeListingCache(TimeProvider clock)
{
    private const int MaxEntries = 5_000;
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A kept listing; <c>Rows</c> holds the listing's own row type (the key's first part names the listing).</summary>
    public sealed record Entry(long Version, DateTimeOffset ValidUntil, long Total, object Rows);

    private sealed class Check
    {
        public long? Version { get; init; }
        public Guid[]? Read { get; init; }
    }

    /// <summary>
    /// The listing under <paramref name="key"/>: from the cache when still current (the reader's read marks applied), else read by
    /// <paramref name="fill"/> (which returns the rows with this reader's marks) and kept without them.
    /// </summary>
    public async Task<(IReadOnlyList<T> Rows, long Total)> GetAsync<T>(IDbSession db, string key, string account, Func<Task<(IReadOnlyList<T> Rows, long Total)>> fill,
        Func<T, Guid> id, Func<T, bool, T> withRead, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var cached = _entries.TryGetValue(key, out var e) && now < e.ValidUntil ? e : null;
        var cachedRows = (IReadOnlyList<T>?)cached?.Rows;
        // The version first, then (on a miss) the data: data newer than its version is only read again, never kept as current.
        var check = (await db.QueryAsync<Check>("""
            SELECT (SELECT version FROM notices.listing_version) AS Version,
                   (SELECT array_agg(r.notice_id) FROM notices.notice_read r WHERE r.account_id = @account AND r.notice_id = ANY(@ids)) AS Read
            """, new { account, ids = cachedRows?.Select(id).ToArray() ?? [] }, ct)).Single();
        if (cached is not null && check.Version == cached.Version)
        {
            var read = check.Read?.ToHashSet() ?? [];
            return (cachedRows!.Select(r => withRead(r, read.Contains(id(r)))).ToList(), cached.Total);
        }
        var next = await db.ExecuteScalarAsync<DateTime?>("""
            SELECT least((SELECT min(publish_at) FROM notices.notice WHERE publish_at > @now),
                         (SELECT min(expires_at) FROM notices.notice WHERE expires_at > @now))
            """, new { now }, ct);
        var (rows, total) = await fill();
        if (check.Version is { } version)
        {
            if (_entries.Count >= MaxEntries) _entries.Clear();
            var until = now + MaxAge;
            if (next is { } n && new DateTimeOffset(DateTime.SpecifyKind(n, DateTimeKind.Utc)) is var due && due < until) until = due;
            _entries[key] = new Entry(version, until, total, rows.Select(r => withRead(r, false)).ToList());
        }
        return (rows, total);
    }
}
