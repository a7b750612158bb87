using Declaration.AnnualReview.Contracts;
using Declaration.BuildingBlocks.Data;
using Declaration.BuildingBlocks.Domain;
using Microsoft.Extensions.Options;

namespace Declaration.AnnualReview.Domain;

internal sealed record UnitYearRow(Guid UnitId, int BusinessYear, AnnualReviewState State, Guid? CurrentCertificateId, int Version);

internal sealed record StateRow(string State, Guid? CurrentCertificateId, int Version);

internal sealed record WindowRow(DateOnly OpensOn, DateOnly ClosesOn);

internal sealed record PlacementCounts(int Total, int Confirmed, long PersonMonths)
{
    public bool AllConfirmed => Total == Confirmed;
}

/// <summary>The unit-year rows and the placement projection they are derived from.</summary>
internal sealed class UnitYearStore(IDbSession db, TimeProvider clock)
{
    public async Task<UnitYearRow> GetAsync(Guid unitId, int year, CancellationToken ct, bool forUpdate = false)
    {
        if (forUpdate)
        {
            // Make sure the row exists so that it can be locked: concurrent certifications of one unit-year serialise here.
            await db.ExecuteAsync("""
                INSERT INTO annual_review.unit_year (unit_id, business_year, state, updated_at) VALUES (@unitId, @year, 'NotStarted', @now)
                ON CONFLICT DO NOTHING
                """, new { unitId, year, now = clock.GetUtcNow() }, ct);
        }
        var row = await db.QuerySingleOrDefaultAsync<StateRow>(
            $"SELECT state AS State, current_certificate_id AS CurrentCertificateId, version AS Version FROM annual_review.unit_year WHERE unit_id = @unitId AND business_year = @year{(forUpdate ? " FOR UPDATE" : string.Empty)}",
            new { unitId, year }, ct);
        return row is { } r
            ? new UnitYearRow(unitId, year, Enum.Parse<AnnualReviewState>(r.State), r.CurrentCertificateId, r.Version)
            : new UnitYearRow(unitId, year, AnnualReviewState.NotStarted, null, 0);
    }

    /// <summary>Active (not withdrawn) placements of the unit-year in our projection.</summary>
    public async Task<PlacementCounts> CountsAsync(Guid unitId, int year, CancellationToken ct) =>
        await db.QuerySingleAsync<PlacementCounts>("""
            SELECT count(*)::int AS total, (count(*) FILTER (WHERE state = 'Confirmed'))::int AS confirmed,
                   coalesce(sum(person_months) FILTER (WHERE state = 'Confirmed'), 0)::bigint AS PersonMonths
            FROM annual_review.placement_state
            WHERE unit_id = @unitId AND business_year = @year AND state <> 'Withdrawn'
            """, new { unitId, year }, ct);

    public async Task SetStateAsync(Guid unitId, int year, AnnualReviewState state, CancellationToken ct, Guid? certificateId = null, bool setCertificate = false) =>
        await db.ExecuteAsync($"""
            INSERT INTO annual_review.unit_year (unit_id, business_year, state, current_certificate_id, updated_at)
            VALUES (@unitId, @year, @state, @certificateId, @now)
            ON CONFLICT (unit_id, business_year) DO UPDATE SET state = excluded.state,
                {(setCertificate ? "current_certificate_id = excluded.current_certificate_id," : string.Empty)}
                version = annual_review.unit_year.version + 1, updated_at = excluded.updated_at
            """, new { unitId, year, state = state.ToString(), certificateId, now = clock.GetUtcNow() }, ct);
}

/// <summary>
/// The declaration window of a business year: the admins' override if any, else the configured default. Read once per scope for
/// the queries of one request (outside a transaction; a command that may set a window always reads afresh).
/// </summary>
internal sealed class DeclarationWindows(IDbSession db, IOptions<AnnualReviewOptions> options, TimeProvider clock)
{
    private readonly Dictionary<int, (DateOnly Opens, DateOnly Closes, bool Overridden)> _read = [];

    public async Task<(DateOnly Opens, DateOnly Closes, bool Overridden)> ForYearAsync(int year, CancellationToken ct) =>
        (await ForYearsAsync([year], ct))[year];

    /// <summary>Several years' windows in one query.</summary>
    public async Task<IReadOnlyDictionary<int, (DateOnly Opens, DateOnly Closes, bool Overridden)>> ForYearsAsync(IReadOnlyCollection<int> years, CancellationToken ct)
    {
        var reuse = db.Transaction is null;
        if (!reuse) _read.Clear();
        var result = new Dictionary<int, (DateOnly, DateOnly, bool)>();
        var missing = years.Distinct().Where(y => !reuse || !_read.ContainsKey(y)).ToArray();
        if (missing.Length > 0)
        {
            var rows = (await db.QueryAsync<(int Year, DateOnly OpensOn, DateOnly ClosesOn)>(
                "SELECT business_year, opens_on, closes_on FROM annual_review.declaration_window WHERE business_year = ANY(@missing)", new { missing }, ct))
                .ToDictionary(r => r.Year);
            foreach (var year in missing)
            {
                (DateOnly, DateOnly, bool) window;
                if (rows.TryGetValue(year, out var row)) window = (row.OpensOn, row.ClosesOn, true);
                else
                {
                    var (opens, closes) = Default(year);
                    window = (opens, closes, false);
                }
                result[year] = window;
                if (reuse) _read[year] = window;
            }
        }
        foreach (var year in years) if (!result.ContainsKey(year)) result[year] = _read[year];
        return result;
    }

    /// <summary>The window of a year nobody has set (the configured default).</summary>
    public (DateOnly Opens, DateOnly Closes) Default(int year) => options.Value.DefaultWindow(year);

    public bool IsOpen(DateOnly opens, DateOnly closes)
    {
        var today = ChinaTime.Today(clock);
        return today >= opens && today <= closes;
    }

    public async Task<bool> IsOpenAsync(int year, CancellationToken ct)
    {
        var (opens, closes, _) = await ForYearAsync(year, ct);
        return IsOpen(opens, closes);
    }
}
