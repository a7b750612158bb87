using Declaration.BuildingBlocks.Data;

namespace Declaration.Certification.Engine;

/// <summary>What one engine run did.</summary>
internal sealed record EngineRun(long Placements, long QualifyingMonths, long ChangedCount, IReadOnlyList<ChangedPlacement> Changed, IReadOnlyList<BlockedUnit> Blocked);

internal sealed record ChangedPlacement(Guid PlacementId, Guid UnitId, int BusinessYear, int OldQualifyingMonths, int NewQualifyingMonths, string MaskedName);

/// <summary>A unit whose region has no minimum wage for some month (or is unknown): a configuration error, never a silent pass or fail.</summary>
internal sealed record BlockedUnit(Guid UnitId, string CreditCode, string? RegionCode, string Reason);

/// <summary>
/// The month-by-month engine of RULES.md §3–4, set-based: the placements named in the temp table <c>cert_target(id uuid)</c>
/// and every other placement of the same persons in the same years (the duplicate rule needs them, and they may change too)
/// are certified by a handful of statements over all rows. Results are written for every placement of that group that is
/// not Confirmed and whose unit is not blocked by a missing minimum wage. Must run inside a transaction.
/// <para>
/// Every check is computed as a 12-bit month mask (bit m−1 = month m) of a placement, so the work is one row a placement rather
/// than one a placement and month: date intervals become bit ranges by arithmetic, and the linkage rows (paid pensions, wages)
/// are read in one hash-joined pass, each setting its month's bit. Only placements of units with related units are grouped
/// per month (their wages are summed over payers); only persons with several placements get the §4 per-month count.
/// </para>
/// </summary>
internal sealed class CertificationEngine(IDbSession db)
{
    public const string CreateTarget = "CREATE TEMP TABLE IF NOT EXISTS cert_target (id uuid PRIMARY KEY) ON COMMIT DROP; TRUNCATE cert_target;";

    /// <summary>The reason-code masks of <c>placement_months</c>, in report order.</summary>
    private static readonly string[] MaskColumns =
    [
        "qualifies", "covered", "severe", "age_retired", "age_under_16", "cert_invalid", "cert_none", "contract_too_short",
        "duplicate_declaration", "not_employed", "si_not_paid", "wage_below_minimum", "via_related_unit",
    ];

    private const int AllMonths = 4095;

    /// <summary>From this many placements in a group on, the statements are planned for whole-table passes (hash joins and aggregates).</summary>
    private const long LargeGroup = 20_000;

    /// <summary>Month index of <paramref name="date"/> in business year <paramref name="year"/>: 0 = January, may fall outside 0..11.</summary>
    private static string MonthIndex(string date, string year) =>
        $"((date_part('year', {date})::int - {year}) * 12 + date_part('month', {date})::int - 1)";

    /// <summary>The mask of months lo..hi (indexes, clamped to the year; empty when lo &gt; hi).</summary>
    private static string Months(string lo, string hi) =>
        $"(CASE WHEN greatest({lo}, 0) > least({hi}, 11) THEN 0 ELSE (1 << (least({hi}, 11) + 1)) - (1 << greatest({lo}, 0)) END)";

    /// <summary>The months a date interval [from, to] (to NULL = open) shares at least one day with.</summary>
    private static string Interval(string from, string to, string year) =>
        Months(MonthIndex(from, year), $"coalesce({MonthIndex(to, year)}, 11)");

    /// <summary>The months where <paramref name="amount"/> is below the minimum of the array <paramref name="minimums"/> (index = month).</summary>
    private static string BelowMinimum(string amount, string minimums) =>
        "(" + string.Join(" | ", Enumerable.Range(0, 12).Select(i => $"CASE WHEN {amount} < {minimums}[{i + 1}] THEN {1 << i} ELSE 0 END")) + ")";

    /// <summary>
    /// The group and its fixed facts: the placements, each with a dense number n and the masks that follow from its dates; the
    /// minimum wages of its regions (units without one are blocked and left out); certificate cover per placement; the related
    /// units in force; and the payers whose linkage rows count for each placement.
    /// </summary>
    private static string Prepare(string groupFilter) => $"""
        SET LOCAL work_mem = '256MB';
        DROP TABLE IF EXISTS cert_pl, cert_cert, cert_mw, cert_blocked, cert_rel, cert_payer, cert_link, cert_out, cert_changed;

        CREATE TEMP TABLE cert_pl ON COMMIT DROP AS
            SELECT (row_number() OVER ())::int AS n, p.id, p.unit_id, p.credit_code, p.id_hash, p.business_year AS year, u.region_code,
                   p.state = 'Confirmed' AS confirmed, p.contract_ok, p.monthly_wage,
                   {Interval("p.employment_start", "p.employment_end", "p.business_year")} AS employed,
                   {Months("0", MonthIndex("p.age16_month", "p.business_year") + " - 1")} AS under16,
                   {Months(MonthIndex("p.retirement_month", "p.business_year"), "11")} AS retired
            FROM certification.placement p
            LEFT JOIN certification.unit u ON u.id = p.unit_id
            WHERE {groupFilter};
        ANALYZE cert_pl;

        -- MinimumWage(region, m) for each region and year of the group, as an array (index = month; NULL where none applies):
        -- the most specific region row (exact, city, province), then the latest effective_from ≤ the 1st of m.
        CREATE TEMP TABLE cert_mw ON COMMIT DROP AS
            SELECT (row_number() OVER ())::int AS rk, r.region_code, r.year, m.minimums, m.missing_month
            FROM (SELECT DISTINCT region_code, year FROM cert_pl WHERE region_code IS NOT NULL) r
            CROSS JOIN LATERAL (
                SELECT array_agg(mw.monthly_minimum ORDER BY g.m) AS minimums, min(g.m) FILTER (WHERE mw.monthly_minimum IS NULL) AS missing_month
                FROM generate_series(1, 12) g(m)
                LEFT JOIN LATERAL (
                    SELECT w.monthly_minimum FROM certification.minimum_wage w
                    WHERE w.effective_from <= make_date(r.year, g.m, 1)
                      AND w.region_code IN (r.region_code, left(r.region_code, 4) || '00', left(r.region_code, 2) || '0000')
                    ORDER BY CASE w.region_code WHEN r.region_code THEN 3 WHEN left(r.region_code, 4) || '00' THEN 2 ELSE 1 END DESC,
                             w.effective_from DESC
                    LIMIT 1) mw ON true) m;

        CREATE TEMP TABLE cert_blocked ON COMMIT DROP AS
            SELECT pl.unit_id, min(pl.credit_code) AS credit_code, min(pl.region_code) AS region_code,
                   CASE WHEN bool_or(pl.region_code IS NULL) THEN 'unknown unit region'
                        ELSE 'no minimum wage for region ' || min(pl.region_code) || ' in ' || to_char(min(make_date(mw.year, mw.missing_month, 1)), 'YYYY-MM') END AS reason
            FROM cert_pl pl LEFT JOIN cert_mw mw ON mw.region_code = pl.region_code AND mw.year = pl.year
            WHERE pl.region_code IS NULL OR mw.missing_month IS NOT NULL
            GROUP BY pl.unit_id;
        DELETE FROM cert_pl WHERE unit_id IN (SELECT unit_id FROM cert_blocked);

        -- Certificate cover per placement: the months some certificate's effective interval (issued_on to the earlier of
        -- valid_until and the day before revoked_on) touches, and those a severe one touches. No row: the person has no certificate.
        CREATE TEMP TABLE cert_cert ON COMMIT DROP AS
            SELECT pl.n, bit_or(v.cover) AS covered,
                   bit_or(CASE WHEN (c.certificate_type = 'disability' AND c.level <= 2) OR (c.certificate_type = 'veteran' AND c.level <= 3)
                               THEN v.cover ELSE 0 END) AS severe
            FROM cert_pl pl
            JOIN certification.certificate c ON c.id_hash = pl.id_hash
            CROSS JOIN LATERAL (SELECT least(c.valid_until, c.revoked_on - 1) AS until) e
            CROSS JOIN LATERAL (SELECT CASE WHEN e.until < c.issued_on THEN 0 ELSE {Interval("c.issued_on", "e.until", "pl.year")} END AS cover) v
            GROUP BY pl.n;

        -- Related units in force (months mask) per unit, own credit code excluded (the unit pays as itself).
        CREATE TEMP TABLE cert_rel ON COMMIT DROP AS
            SELECT x.unit_id, x.credit_code, x.year, r.related_credit_code AS payer,
                   bit_or({Interval("r.valid_from", "r.valid_to", "x.year")}) AS mask
            FROM (SELECT DISTINCT unit_id, credit_code, year FROM cert_pl) x
            JOIN certification.related_unit r ON r.unit_id = x.unit_id AND r.related_credit_code <> x.credit_code
            GROUP BY 1, 2, 3, 4
            HAVING bit_or({Interval("r.valid_from", "r.valid_to", "x.year")}) <> 0;

        -- The payers whose linkage rows count for a placement, with the months they count in: the unit itself all year, each
        -- related unit while in force. Placements without related units carry their minimum wages, to compare their one wage
        -- row a month with as it passes; the others sum their payers' wages a month first (rk finds their minimums afterwards).
        CREATE TEMP TABLE cert_payer ON COMMIT DROP AS
            SELECT pl.n, pl.id_hash, pl.credit_code AS payer, {AllMonths} AS mask, true AS own, rel.unit_id IS NOT NULL AS has_rel,
                   make_date(pl.year, 1, 1) AS year_start, make_date(pl.year, 12, 1) AS year_end,
                   CASE WHEN rel.unit_id IS NULL THEN mw.minimums END AS minimums, mw.rk
            FROM cert_pl pl
            JOIN cert_mw mw ON mw.region_code = pl.region_code AND mw.year = pl.year
            LEFT JOIN (SELECT DISTINCT unit_id, credit_code, year FROM cert_rel) rel
                   ON rel.unit_id = pl.unit_id AND rel.credit_code = pl.credit_code AND rel.year = pl.year
            UNION ALL
            SELECT pl.n, pl.id_hash, r.payer, r.mask, false, true, make_date(pl.year, 1, 1), make_date(pl.year, 12, 1), NULL, mw.rk
            FROM cert_pl pl
            JOIN cert_rel r ON r.unit_id = pl.unit_id AND r.credit_code = pl.credit_code AND r.year = pl.year
            JOIN cert_mw mw ON mw.region_code = pl.region_code AND mw.year = pl.year;
        ANALYZE cert_payer;
        """;

    /// <summary>
    /// One pass over the paid pensions and wages of the group's months, hash-joined to the payers that count: per placement the
    /// months paid by the unit itself, by a related unit in force, with any counted wage, and with a wage below the minimum.
    /// Placements with related units are first grouped per month: their wage is the sum over the counting payers (in cents).
    /// </summary>
    private const string Link = """
        CREATE TEMP TABLE cert_link ON COMMIT DROP AS
        SELECT g.n, bit_or(g.si_own) AS si_own, bit_or(g.si_rel) AS si_rel, bit_or(g.w_any) AS w_any,
               bit_or(CASE WHEN g.mi < 0 THEN g.w_low WHEN g.w_cents < mw.minimums[g.mi + 1] * 100 THEN 1 << g.mi ELSE 0 END) AS w_low
        FROM (
            SELECT j.n, j.rk, CASE WHEN j.has_rel THEN j.mi ELSE -1 END AS mi,
                   bit_or(CASE WHEN j.kind = 1 AND j.own THEN 1 << j.mi ELSE 0 END) AS si_own,
                   bit_or(CASE WHEN j.kind = 1 AND NOT j.own THEN 1 << j.mi ELSE 0 END) AS si_rel,
                   bit_or(CASE WHEN j.kind = 2 THEN 1 << j.mi ELSE 0 END) AS w_any,
                   bit_or(CASE WHEN j.kind = 2 AND j.amount < j.minimums[j.mi + 1] THEN 1 << j.mi ELSE 0 END) AS w_low,
                   sum((j.amount * 100)::bigint) FILTER (WHERE j.has_rel AND j.kind = 2) AS w_cents
            FROM (
                -- Linkage months are first days (yyyy-MM, checked): the day offset in the year gives the month index, exactly.
                SELECT cp.n, cp.rk, cp.has_rel, cp.own, cp.minimums, x.kind, x.amount, ((x.month - cp.year_start) * 10 + 150) / 304 AS mi, cp.mask
                FROM (
                    SELECT s.id_hash, s.payer_credit_code AS payer, s.month, 1 AS kind, NULL::numeric AS amount
                    FROM certification.social_insurance s
                    WHERE s.month BETWEEN @first AND @last AND s.insurance_type = 'pension' AND s.paid
                    UNION ALL
                    SELECT w.id_hash, w.payer_credit_code, w.month, 2, w.gross_wage
                    FROM certification.wage w
                    WHERE w.month BETWEEN @first AND @last
                ) x
                JOIN cert_payer cp ON cp.id_hash = x.id_hash AND cp.payer = x.payer
                WHERE x.month BETWEEN cp.year_start AND cp.year_end
            ) j
            WHERE (j.mask >> j.mi) & 1 = 1
            GROUP BY 1, 2, 3
        ) g
        LEFT JOIN cert_mw mw ON mw.rk = g.rk AND g.mi >= 0
        GROUP BY g.n;
        ANALYZE cert_link;
        """;

    /// <summary>Every check of §3 as a mask per placement; §4 afterwards, among persons with several placements only.</summary>
    private static readonly string Evaluate = $"""
        CREATE TEMP TABLE cert_out ON COMMIT DROP AS
        SELECT x.*,
               {AllMonths} & ~(x.age_retired | x.age_under_16 | x.cert_invalid | x.cert_none | x.contract_too_short | x.not_employed
                               | x.si_not_paid | x.wage_below_minimum) AS qualifies,
               0 AS duplicate_declaration
        FROM (
            SELECT pl.id, pl.id_hash, pl.year, pl.confirmed,
                   coalesce(c.covered, 0) AS covered, coalesce(c.severe, 0) AS severe,
                   pl.retired AS age_retired, pl.under16 AS age_under_16,
                   CASE WHEN c.n IS NULL THEN 0 ELSE {AllMonths} & ~c.covered END AS cert_invalid,
                   CASE WHEN c.n IS NULL THEN {AllMonths} ELSE 0 END AS cert_none,
                   CASE WHEN pl.contract_ok THEN 0 ELSE {AllMonths} END AS contract_too_short,
                   {AllMonths} & ~pl.employed AS not_employed,
                   {AllMonths} & ~(coalesce(l.si_own, 0) | coalesce(l.si_rel, 0)) AS si_not_paid,
                   coalesce(l.w_low, 0) | ({BelowMinimum("pl.monthly_wage", "mw.minimums")} & ~coalesce(l.w_any, 0)) AS wage_below_minimum,
                   coalesce(l.si_rel, 0) & ~coalesce(l.si_own, 0) AS via_related_unit,
                   coalesce(l.si_own, 0) AS self_paid
            FROM cert_pl pl
            JOIN cert_mw mw ON mw.region_code = pl.region_code AND mw.year = pl.year
            LEFT JOIN cert_cert c ON c.n = pl.n
            LEFT JOIN cert_link l ON l.n = pl.n
        ) x;

        -- §4: a month that would qualify for several placements of one person is kept only by the one unit that paid the pension
        -- itself, when exactly one did; otherwise every one of them gets DUPLICATE_DECLARATION.
        WITH multi AS (
            SELECT o.id, o.id_hash, o.year, o.qualifies, o.qualifies & o.self_paid AS self_ok
            FROM cert_out o
            WHERE (o.id_hash, o.year) IN (SELECT id_hash, year FROM cert_out GROUP BY 1, 2 HAVING count(*) > 1)
        ), counts AS (
            SELECT m.id_hash, m.year, g.mi,
                   count(*) FILTER (WHERE (m.qualifies >> g.mi) & 1 = 1) AS n_ok,
                   count(*) FILTER (WHERE (m.self_ok >> g.mi) & 1 = 1) AS n_self
            FROM multi m CROSS JOIN generate_series(0, 11) g(mi)
            GROUP BY 1, 2, 3
        ), dup AS (
            SELECT m.id, bit_or(1 << c.mi) AS months
            FROM multi m JOIN counts c ON c.id_hash = m.id_hash AND c.year = m.year
            WHERE (m.qualifies >> c.mi) & 1 = 1 AND c.n_ok >= 2 AND NOT (c.n_self = 1 AND (m.self_ok >> c.mi) & 1 = 1)
            GROUP BY m.id
        )
        UPDATE cert_out o SET duplicate_declaration = dup.months, qualifies = o.qualifies & ~dup.months
        FROM dup WHERE o.id = dup.id;
        DELETE FROM cert_out WHERE confirmed;
        ANALYZE cert_out;
        """;

    private static readonly string Columns = string.Join(", ", MaskColumns);

    private static string Differs(string a, string b) =>
        $"({string.Join(", ", MaskColumns.Select(c => $"{a}.{c}"))}) IS DISTINCT FROM ({string.Join(", ", MaskColumns.Select(c => $"{b}.{c}"))})";

    private static readonly string FindChanged = $"""
        CREATE TEMP TABLE cert_changed ON COMMIT DROP AS
        SELECT p.id, p.unit_id, p.business_year, bit_count(r.qualifies::bit(12))::int AS old_q, bit_count(o.qualifies::bit(12))::int AS new_q, p.masked_name
        FROM cert_out o
        JOIN certification.placement_months r ON r.placement_id = o.id
        JOIN certification.placement p ON p.id = o.id
        WHERE {Differs("o", "r")}
        """;

    /// <summary>Writes the results that changed or are new, and clears the group's dirty marks.</summary>
    private static readonly string Store = $"""
        WITH up AS (
            INSERT INTO certification.placement_months AS r (placement_id, {Columns}, computed_at)
            SELECT id, {Columns}, @now FROM cert_out
            ON CONFLICT (placement_id) DO UPDATE SET {string.Join(", ", MaskColumns.Select(c => $"{c} = EXCLUDED.{c}"))}, computed_at = EXCLUDED.computed_at
            WHERE {Differs("EXCLUDED", "r")}
            RETURNING 1
        ), clean AS (
            DELETE FROM certification.placement_dirty d USING cert_out o WHERE d.placement_id = o.id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM cert_out), (SELECT coalesce(sum(bit_count(qualifies::bit(12))), 0) FROM cert_out)::bigint
               + 0 * (SELECT count(*) FROM up) + 0 * (SELECT count(*) FROM clean)
        """;

    /// <summary>Certifies the targets in <c>cert_target</c> (with the other placements of the same persons), or with
    /// <paramref name="wholeYear"/> every placement of that business year (no target table needed).</summary>
    public async Task<EngineRun> RunAsync(DateTimeOffset now, CancellationToken ct, bool fetchChanged = true, int? wholeYear = null)
    {
        if (db.Transaction is null) throw new InvalidOperationException("The engine runs inside a transaction.");
        await db.ExecuteAsync(Prepare(wholeYear is null
            ? "(p.id_hash, p.business_year) IN (SELECT t.id_hash, t.business_year FROM certification.placement t JOIN cert_target USING (id))"
            : "p.business_year = @year"), new { year = wholeYear }, ct);
        var years = await db.QuerySingleAsync<(int?, int?, long)>("SELECT min(year), max(year), count(*) FROM cert_pl", null, ct);
        if (years.Item3 >= LargeGroup)
            // Large groups: the planner underestimates the joins of the temp tables (correlated keys) and would sort-group millions
            // of rows; hashing is right for every statement of such a group (each table is read once, whole).
            await db.ExecuteAsync("SET LOCAL enable_sort = off", null, ct);
        await db.ExecuteAsync(Link, new { first = new DateOnly(years.Item1 ?? 1, 1, 1), last = new DateOnly(years.Item2 ?? 1, 12, 1) }, ct);
        await db.ExecuteAsync(Evaluate, null, ct);
        await db.ExecuteAsync(FindChanged, null, ct);

        var changed = fetchChanged
            ? await db.QueryAsync<ChangedPlacement>("SELECT id AS PlacementId, unit_id AS UnitId, business_year AS BusinessYear, old_q AS OldQualifyingMonths, new_q AS NewQualifyingMonths, masked_name AS MaskedName FROM cert_changed", null, ct)
            : [];
        var changedCount = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM cert_changed", null, ct);
        var totals = await db.QuerySingleAsync<(long, long)>(Store, new { now }, ct);
        var blocked = await db.QueryAsync<BlockedUnit>("SELECT unit_id AS UnitId, credit_code AS CreditCode, region_code AS RegionCode, reason FROM cert_blocked ORDER BY credit_code", null, ct);
        return new EngineRun(totals.Item1, totals.Item2, changedCount, changed, blocked);
    }
}
