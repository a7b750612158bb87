using Declaration.BuildingBlocks.Application;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Security;
using Declaration.Placement.Contracts;
using Mediator;

namespace Declaration.Placement.Features.Review;

/// <summary>
/// The review queue of the caller's jurisdiction (disputed first, then by submission), filtered and searched (credit code, unit name,
/// masked name, or a full IdNumber by its blind index), paginated. Counts and flags come from our projection of the automatic result.
/// </summary>
internal sealed class GetReviewQueueHandler(IDbSession db, ReviewAccess access, ICurrentUser user, IPersonalDataProtector protector, ReviewQueueCache cache)
    : IQueryHandler<GetReviewQueue, PagedResult<ReviewQueueItemDto>>
{
    public async ValueTask<PagedResult<ReviewQueueItemDto>> Handle(GetReviewQueue query, CancellationToken ct)
    {
        access.RequireStaffReader();
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 200);
        var prefix = user.Role == Role.Reviewer ? user.Jurisdiction ?? "\u0000" : string.Empty;
        var search = string.IsNullOrWhiteSpace(query.Search) ? null : query.Search.Trim();
        var idHash = search is { Length: 18 } ? protector.BlindIndex(search.ToUpperInvariant()) : null;
        var like = search is null ? null : "%" + search.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";
        var args = new { prefix, year = query.BusinessYear, kind = query.Kind.ToString(), search, like, idHash, offset = (page - 1) * size, size };
        // Without a search, the page may come from this host's cache (checked against the federations' queue stamps).
        var key = search is null ? (prefix, query.BusinessYear, query.Kind, page, size) : ((string, int?, ReviewQueueKind, int, int)?)null;
        var stamp = key is null ? 0m : await ReviewQueueCache.StampAsync(db, prefix, ct);
        if (key is not null && cache.Get(key, stamp) is { } held) return held;
        const string where = """
            FROM placement.placement p
            JOIN placement.unit u ON u.id = p.unit_id
            WHERE p.state IN ('AwaitingReview', 'Disputed')
              AND u.federation_code LIKE @prefix || '%'
              AND (@year::int IS NULL OR p.business_year = @year)
              AND (@kind = 'All' OR (@kind = 'Disputed' AND p.state = 'Disputed') OR (@kind = 'AwaitingReview' AND p.state = 'AwaitingReview')
                   OR (@kind = 'Flagged' AND p.has_flags))
              AND (@search::text IS NULL OR u.credit_code = upper(@search) OR u.name LIKE @like OR p.name_masked LIKE @like OR p.id_number_index = @idHash)
            """;
        // Without a search the total comes from the counts the placements' own statements keep (migration 0005); a search counts its matches.
        var total = search is null
            ? await db.ExecuteScalarAsync<long>("""
                SELECT coalesce(sum(c.n), 0)::bigint FROM placement.queue_count c
                WHERE c.federation_code LIKE @prefix || '%'
                  AND (@year::int IS NULL OR c.business_year = @year)
                  AND (@kind = 'All' OR (@kind = 'Disputed' AND c.state = 'Disputed') OR (@kind = 'AwaitingReview' AND c.state = 'AwaitingReview')
                       OR (@kind = 'Flagged' AND c.has_flags))
                """, args, ct)
            : await db.ExecuteScalarAsync<long>("SELECT count(*) " + where, args, ct);
        var items = await db.QueryAsync<QueueRow>($"""
            SELECT p.id, p.unit_id AS UnitId, u.credit_code AS CreditCode, u.name, p.business_year AS BusinessYear, p.id_number_masked AS MaskedId,
                   p.name_masked AS MaskedName, p.state, p.qualifying_months AS Qualifying, p.has_flags AS HasFlags,
                   p.disputed_months AS DisputedMonths, coalesce(p.submitted_at, p.updated_at) AS SubmittedAt
            {where}
            ORDER BY (p.state = 'Disputed') DESC, coalesce(p.submitted_at, p.updated_at), p.id
            OFFSET @offset LIMIT @size
            """, args, ct);
        var result = new PagedResult<ReviewQueueItemDto>(items.Select(i => new ReviewQueueItemDto(i.Id, i.UnitId, i.CreditCode, i.Name, i.BusinessYear,
            i.MaskedId, i.MaskedName, i.State, i.Qualifying, i.HasFlags, i.DisputedMonths, i.SubmittedAt)).ToList(), page, size, total);
        if (key is not null) cache.Set(key, stamp, result);
        return result;
    }

    private sealed record QueueRow
    {
        public Guid Id { get; init; }
        public Guid UnitId { get; init; }
        public string CreditCode { get; init; } = null!;
        public string Name { get; init; } = null!;
        public int BusinessYear { get; init; }
        public string MaskedId { get; init; } = null!;
        public string MaskedName { get; init; } = null!;
        public string State { get; init; } = null!;
        public int Qualifying { get; init; }
        public bool HasFlags { get; init; }
        public int[] DisputedMonths { get; init; } = null!;
        public DateTimeOffset SubmittedAt { get; init; }
    }
}
