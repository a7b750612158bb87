using System.Text.Json;
using Declaration.BuildingBlocks.Data;
using Declaration.Certification.Domain;
using Npgsql;

namespace Declaration.Certification.Engine;

/// <summary>What one engine run did.</summary>
internal sealed record EngineRun(long Placements, long QualifyingMonths, long ChangedCount, IReadOnlyList<ChangedPlacement> Changed, IReadOnlyList<BlockedUnit> Blocked);

/// <summary>A stored result the run rewrote: the summary the CertificationResultChanged event carries.</summary>
internal sealed record ChangedPlacement(Guid PlacementId, Guid UnitId, int BusinessYear, int OldQualifyingMonths, int NewQualifyingMonths,
    int PersonMonths, bool HasFlags, bool AllQualifyWithoutFlags, long ResultVersion);

/// <summary>A unit whose region has no minimum wage for some month (or is unknown): a configuration error, never a silent pass or fail.</summary>
internal sealed record BlockedUnit(Guid UnitId, string CreditCode, string? RegionCode, string Reason);

/// <summary>A statement sent in the engine's round trip (<see cref="CertificationEngine.RunSmallAsync"/>), and what reads its rows.</summary>
internal sealed record EngineCompanion(NpgsqlBatchCommand Command, Func<System.Data.Common.DbDataReader, CancellationToken, Task> Read);

/// <summary>
/// The month-by-month engine of RULES.md §3–4, set-based: the placements named in the temp table <c>cert_target(id uuid)</c>
/// and every other placement of the same persons in the same years (the duplicate rule needs them, and they may change too),
/// or every placement of a business year, are certified by a handful of statements over all rows. Results are written for every placement of that group that is
/// not locked (confirmed) and whose unit is not blocked by a missing minimum wage. Must run inside a transaction.
/// <para>
/// Every check is a 12-bit month mask of a placement (bit m−1 = month m), so the work is one row a placement, never one a
/// placement and month: date intervals become bit ranges by arithmetic; the linkage data comes from <c>linkage_year</c> (one row
/// a person, year and payer, kept by the imports), so a placement reads its unit's row and, when its unit has related units in
/// force, theirs; wages are compared in cents. §4 counts per month only among persons with several placements. Results are
/// masks too (<c>placement_months</c>, read through the <c>month_result</c> view) and only new or changed ones are written.
/// Large groups (the nightly batch) are planned for whole-table passes: hash joins and aggregates, no sorts.
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

    // ---- The rules, each a SELECT written once ----------------------------------------------------------------------------------
    // Two pipelines run them: large groups (imports, the nightly batch) materialise each step as a temp table (analysed, so the planner
    // sees real sizes); one declaration's group (a person's placements in a year: one to a few rows) runs them all as one statement of
    // common table expressions, because under a hundred concurrent declarations each CREATE TEMP TABLE and ANALYZE costs catalog
    // writes and cache invalidations for every session (pg_stat_statements: 50–140 ms each, nine tenths of a declaration's time).

    /// <summary>The group's placements, each with the masks that follow from its dates.</summary>
    private static string PlacementsOf(string groupFilter) => $"""
        SELECT p.id, p.unit_id, p.credit_code, p.id_hash, p.business_year AS year, u.region_code,
               p.locked AS confirmed, p.contract_ok, (p.monthly_wage * 100)::bigint AS wage_cents,
               {Interval("p.employment_start", "p.employment_end", "p.business_year")} AS employed,
               {Months("0", MonthIndex("p.age16_month", "p.business_year") + " - 1")} AS under16,
               {Months(MonthIndex("p.retirement_month", "p.business_year"), "11")} AS retired
        FROM certification.placement p
        LEFT JOIN certification.unit u ON u.id = p.unit_id
        WHERE {groupFilter}
        """;

    /// <summary>
    /// MinimumWage(region, m) for each region and year of the placements <paramref name="pl"/>, as an array (index = month; NULL where
    /// none applies), from <c>certification.monthly_minimums</c> (the most specific region row — exact, city, province — then the
    /// latest effective_from ≤ the 1st of m), called once per region and year (<c>OFFSET 0</c>: not copied into each column).
    /// </summary>
    private static string MinimumWages(string pl) => $"""
        SELECT r.region_code, r.year, m.minimums, array_position(m.minimums, NULL) AS missing_month,
               {MonthSql.Each(m => $"(m.minimums[{m}] * 100)::bigint AS c{m}")}
        FROM (SELECT DISTINCT region_code, year FROM {pl} WHERE region_code IS NOT NULL) r
        CROSS JOIN LATERAL (SELECT certification.monthly_minimums(r.region_code, r.year) AS minimums OFFSET 0) m
        """;

    /// <summary>Units of <paramref name="pl"/> without a region or a minimum wage for some month: blocked, left out of the group.</summary>
    private static string Blocked(string pl) => $"""
        SELECT pl.unit_id, min(pl.credit_code) AS credit_code, min(pl.region_code) AS region_code,
               CASE WHEN bool_or(pl.region_code IS NULL) THEN 'unknown unit region'
                    ELSE 'no minimum wage for region ' || min(pl.region_code) || ' in ' || to_char(min(make_date(mw.year, mw.missing_month, 1)), 'YYYY-MM') END AS reason
        FROM {pl} pl LEFT JOIN cert_mw mw ON mw.region_code = pl.region_code AND mw.year = pl.year
        WHERE pl.region_code IS NULL
           OR (pl.region_code, pl.year) IN (SELECT region_code, year FROM cert_mw WHERE missing_month IS NOT NULL)
        GROUP BY pl.unit_id
        """;

    /// <summary>
    /// Certificate cover per person and year: the months some certificate's effective interval (issued_on to the earlier of
    /// valid_until and the day before revoked_on) touches, and those a severe one touches. No row: the person has no certificate.
    /// </summary>
    private static string Certificates(string certificateYears) => $"""
        SELECT c.id_hash, y.year, bit_or(v.cover) AS covered,
               bit_or(CASE WHEN (c.certificate_type = 'disability' AND c.level <= 2) OR (c.certificate_type = 'veteran' AND c.level <= 3)
                           THEN v.cover ELSE 0 END) AS severe
        FROM certification.certificate c
        {certificateYears}
        CROSS JOIN LATERAL (SELECT least(c.valid_until, c.revoked_on - 1) AS until) e
        CROSS JOIN LATERAL (SELECT CASE WHEN e.until < c.issued_on THEN 0 ELSE {Interval("c.issued_on", "e.until", "y.year")} END AS cover) v
        GROUP BY c.id_hash, y.year
        """;

    /// <summary>The certificates of the group's persons only.</summary>
    private const string GroupCertificateYears = "JOIN (SELECT DISTINCT id_hash, year FROM cert_pl) y ON y.id_hash = c.id_hash";

    /// <summary>Related units in force (months mask) per unit, own credit code excluded (the unit pays as itself).</summary>
    private static readonly string Related = $"""
        SELECT x.unit_id, x.credit_code, x.year, r.related_credit_code AS payer,
               bit_or({Interval("r.valid_from", "r.valid_to", "x.year")}) AS mask
        FROM (SELECT DISTINCT unit_id, credit_code, year FROM cert_pl) x
        JOIN certification.related_unit r ON r.unit_id = x.unit_id AND r.related_credit_code <> x.credit_code
        GROUP BY 1, 2, 3, 4
        HAVING bit_or({Interval("r.valid_from", "r.valid_to", "x.year")}) <> 0
        """;

    /// <summary>
    /// The linkage data of placements whose units have related units (from <c>linkage_year</c>): the months related units in force
    /// paid the pension, and over the unit itself and those related units the months with a wage and each month's wage sum (cents).
    /// </summary>
    private static readonly string Relinked = $"""
        SELECT r.id, bit_or(CASE WHEN r.own THEN 0 ELSE ly.pension_paid & r.mask END) AS si_rel, bit_or(ly.wage_months & r.mask) AS w_any,
               {MonthSql.Each(m => $"sum(CASE WHEN (r.mask >> {m - 1}) & 1 = 1 THEN ly.w{m} ELSE 0 END)::bigint AS s{m}")}
        FROM (SELECT pl.id, pl.id_hash, pl.year, cr.payer, cr.mask, false AS own
              FROM cert_pl pl JOIN cert_rel cr ON cr.unit_id = pl.unit_id AND cr.credit_code = pl.credit_code AND cr.year = pl.year
              UNION ALL
              SELECT pl.id, pl.id_hash, pl.year, pl.credit_code, {AllMonths}, true
              FROM cert_pl pl
              WHERE EXISTS (SELECT 1 FROM cert_rel cr WHERE cr.unit_id = pl.unit_id AND cr.credit_code = pl.credit_code AND cr.year = pl.year)) r
        JOIN certification.linkage_year ly ON ly.id_hash = r.id_hash AND ly.year = r.year AND ly.payer_credit_code = r.payer
        GROUP BY r.id
        """;

    /// <summary>Every check of §3 as a mask per placement (§4 not yet applied: <c>duplicate_declaration</c> 0).</summary>
    private static readonly string Checks = $"""
        SELECT x.*,
               {AllMonths} & ~(x.age_retired | x.age_under_16 | x.cert_invalid | x.cert_none | x.contract_too_short | x.not_employed
                               | x.si_not_paid | x.wage_below_minimum) AS qualifies,
               0 AS duplicate_declaration
        FROM (
            SELECT pl.id, pl.confirmed,
                   coalesce(c.covered, 0) AS covered, coalesce(c.severe, 0) AS severe,
                   pl.retired AS age_retired, pl.under16 AS age_under_16,
                   CASE WHEN c.id_hash IS NULL THEN 0 ELSE {AllMonths} & ~c.covered END AS cert_invalid,
                   CASE WHEN c.id_hash IS NULL THEN {AllMonths} ELSE 0 END AS cert_none,
                   CASE WHEN pl.contract_ok THEN 0 ELSE {AllMonths} END AS contract_too_short,
                   {AllMonths} & ~pl.employed AS not_employed,
                   {AllMonths} & ~(coalesce(ly.pension_paid, 0) | coalesce(rl.si_rel, 0)) AS si_not_paid,
                   -- wage(m): the wage records of the unit itself and its related units in force that month; none: the declared wage.
                   CASE WHEN rl.id IS NULL THEN {MonthSql.Mask(m => $"ly.w{m} < mw.c{m}")} & coalesce(ly.wage_months, 0)
                        ELSE {MonthSql.Mask(m => $"rl.s{m} < mw.c{m}")} & rl.w_any END
                   | CASE WHEN coalesce(rl.w_any, ly.wage_months) = {AllMonths} THEN 0
                          ELSE {MonthSql.Mask(m => $"pl.wage_cents < mw.c{m}")} & ~coalesce(rl.w_any, ly.wage_months, 0) END AS wage_below_minimum,
                   coalesce(rl.si_rel, 0) & ~coalesce(ly.pension_paid, 0) AS via_related_unit,
                   coalesce(ly.pension_paid, 0) AS self_paid
            FROM cert_pl pl
            JOIN cert_mw mw ON mw.region_code = pl.region_code AND mw.year = pl.year
            LEFT JOIN cert_cert c ON c.id_hash = pl.id_hash AND c.year = pl.year
            -- The unit's own linkage row, and what its related units add.
            LEFT JOIN certification.linkage_year ly ON ly.id_hash = pl.id_hash AND ly.year = pl.year AND ly.payer_credit_code = pl.credit_code
            LEFT JOIN cert_relink rl ON rl.id = pl.id
        ) x
        """;

    /// <summary>
    /// §4 over the checked placements <paramref name="checks"/> (common table expressions ending in <c>dup</c>: the months each placement
    /// loses): a month that would qualify for several placements of one person is kept only by the one unit that paid the pension
    /// itself, when exactly one did; otherwise every one of them gets DUPLICATE_DECLARATION.
    /// </summary>
    private static string Duplicates(string checks, string multiPersons) => $"""
        multi AS (
            SELECT o.id, pl.id_hash, pl.year, o.qualifies, o.qualifies & o.self_paid AS self_ok
            FROM {checks} o JOIN cert_pl pl ON pl.id = o.id
            WHERE (pl.id_hash, pl.year) IN ({multiPersons})
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
        """;

    /// <summary>Persons with several placements in the group.</summary>
    private const string GroupMultiPersons = "SELECT id_hash, year FROM cert_pl GROUP BY 1, 2 HAVING count(*) > 1";

    /// <summary>The large-group pipeline's first steps: the placements, minimum wages, blocked units, certificates, related units.</summary>
    private static string Prepare(string groupFilter, string certificateYears) => $"""
        SET LOCAL work_mem = '256MB';
        SET LOCAL jit = off; -- compiling these wide expressions costs more than it saves
        DROP TABLE IF EXISTS cert_pl, cert_cert, cert_mw, cert_blocked, cert_rel, cert_relink, cert_out, cert_changed;
        CREATE TEMP TABLE cert_pl ON COMMIT DROP AS {PlacementsOf(groupFilter)};
        ANALYZE cert_pl;
        CREATE TEMP TABLE cert_mw ON COMMIT DROP AS {MinimumWages("cert_pl")};
        CREATE TEMP TABLE cert_blocked ON COMMIT DROP AS {Blocked("cert_pl")};
        DELETE FROM cert_pl WHERE unit_id IN (SELECT unit_id FROM cert_blocked);
        ANALYZE cert_mw;
        CREATE TEMP TABLE cert_cert ON COMMIT DROP AS {Certificates(certificateYears)};
        ANALYZE cert_cert;
        CREATE TEMP TABLE cert_rel ON COMMIT DROP AS {Related};
        ANALYZE cert_rel;
        """;

    private static readonly string Relink = $"""
        CREATE TEMP TABLE cert_relink ON COMMIT DROP AS {Relinked};
        ANALYZE cert_relink;
        """;

    /// <summary>§3 into <c>cert_out</c>, then §4 applied to it; confirmed placements (counted by §4) leave it.</summary>
    private static string Evaluate(string multiPersons) => $"""
        CREATE TEMP TABLE cert_out ON COMMIT DROP AS {Checks};
        WITH {Duplicates("cert_out", multiPersons)}
        UPDATE cert_out o SET duplicate_declaration = dup.months, qualifies = o.qualifies & ~dup.months
        FROM dup WHERE o.id = dup.id;
        DELETE FROM cert_out WHERE confirmed;
        ANALYZE cert_out;
        """;

    private static readonly string Columns = string.Join(", ", MaskColumns);

    private static string Differs(string a, string b) =>
        $"({string.Join(", ", MaskColumns.Select(c => $"{a}.{c}"))}) IS DISTINCT FROM ({string.Join(", ", MaskColumns.Select(c => $"{b}.{c}"))})";

    /// <summary>
    /// The stored results this run changes, with what their CertificationResultChanged event says: old and new qualifying months,
    /// the new person-months (a severe month weighs 2), flags, whether every month qualifies without a flag, the next version.
    /// </summary>
    public const string ChangedColumns = """
        id AS PlacementId, unit_id AS UnitId, business_year AS BusinessYear, old_q AS OldQualifyingMonths, new_q AS NewQualifyingMonths,
        new_pm AS PersonMonths, flagged AS HasFlags, clean AS AllQualifyWithoutFlags, version AS ResultVersion
        """;

    private static readonly string Changes = $"""
        SELECT p.id, p.unit_id, p.business_year, bit_count(r.qualifies::bit(12))::int AS old_q, bit_count(o.qualifies::bit(12))::int AS new_q,
               (bit_count(o.qualifies::bit(12)) + bit_count((o.qualifies & o.severe)::bit(12)))::int AS new_pm,
               o.via_related_unit <> 0 AS flagged, o.qualifies = {AllMonths} AND o.via_related_unit = 0 AS clean, r.version + 1 AS version
        FROM cert_out o
        JOIN certification.placement_months r ON r.placement_id = o.id
        JOIN certification.placement p ON p.id = o.id
        WHERE {Differs("o", "r")}
        """;

    private static readonly string FindChanged = $"CREATE TEMP TABLE cert_changed ON COMMIT DROP AS {Changes}";

    /// <summary>
    /// Writes the results that changed (cert_changed) or are new, and clears the group's dirty marks. New rows are a plain insert
    /// in key order (a speculative insert per row, or random key order, costs more than the rest of the write): a result row
    /// inserted meanwhile by another transaction for a placement that had none fails this run, which is retried, rather than
    /// being overwritten.
    /// </summary>
    private static readonly string[] Writes =
    [
        $"""
        UPDATE certification.placement_months r SET {string.Join(", ", MaskColumns.Select(c => $"{c} = o.{c}"))}, computed_at = @now,
            version = r.version + 1
        FROM cert_out o
        WHERE r.placement_id = o.id AND o.id IN (SELECT id FROM cert_changed)
        """,
        $"""
        INSERT INTO certification.placement_months (placement_id, {Columns}, computed_at)
        SELECT o.id, {string.Join(", ", MaskColumns.Select(c => $"o.{c}"))}, @now FROM cert_out o
        WHERE NOT EXISTS (SELECT 1 FROM certification.placement_months r WHERE r.placement_id = o.id)
        ORDER BY o.id
        """,
        "DELETE FROM certification.placement_dirty d USING cert_out o WHERE d.placement_id = o.id",
    ];

    private static readonly string Store = string.Join(";\n", Writes) + ";";

    /// <summary>
    /// The one-statement pipeline for the group of <c>@targets</c> (uuid[]): the same SELECTs as common table expressions (the
    /// blocked units' placements filtered out instead of deleted, §4 joined instead of updated), the same writes as data-modifying
    /// ones, and one row back: the changed results and the blocked units as JSON, and the totals.
    /// </summary>
    private static readonly string SmallGroup = $"""
        WITH cert_all AS MATERIALIZED ({PlacementsOf("(p.id_hash, p.business_year) IN (SELECT t.id_hash, t.business_year FROM certification.placement t WHERE t.id = ANY(@targets))")}),
        cert_mw AS MATERIALIZED ({MinimumWages("cert_all")}),
        cert_blocked AS MATERIALIZED ({Blocked("cert_all")}),
        cert_pl AS MATERIALIZED (SELECT * FROM cert_all WHERE unit_id NOT IN (SELECT unit_id FROM cert_blocked)),
        cert_cert AS MATERIALIZED ({Certificates(GroupCertificateYears)}),
        cert_rel AS MATERIALIZED ({Related}),
        cert_relink AS MATERIALIZED ({Relinked}),
        cert_checks AS MATERIALIZED ({Checks}),
        {Duplicates("cert_checks", GroupMultiPersons)},
        cert_out AS MATERIALIZED (
            SELECT o.id, {string.Join(", ", MaskColumns.Where(c => c is not ("qualifies" or "duplicate_declaration")).Select(c => $"o.{c}"))},
                   o.qualifies & ~coalesce(dup.months, 0) AS qualifies, coalesce(dup.months, 0) AS duplicate_declaration
            FROM cert_checks o LEFT JOIN dup ON dup.id = o.id
            WHERE NOT o.confirmed),
        cert_changed AS MATERIALIZED ({Changes}),
        {string.Join(",\n", Writes.Select((w, i) => $"write{i} AS ({w})"))}
        SELECT (SELECT count(*) FROM cert_out) AS Placements,
               (SELECT coalesce(sum(bit_count(qualifies::bit(12))), 0) FROM cert_out)::bigint AS QualifyingMonths,
               (SELECT coalesce(json_agg(c), '[]') FROM (SELECT {ChangedColumns} FROM cert_changed) c)::text AS Changed,
               (SELECT coalesce(json_agg(b ORDER BY b."CreditCode"), '[]')
                FROM (SELECT unit_id AS "UnitId", credit_code AS "CreditCode", region_code AS "RegionCode", reason AS "Reason" FROM cert_blocked) b)::text AS Blocked
        """;

    /// <summary>
    /// <see cref="SmallGroup"/> with positional parameters (<c>$1</c> the targets, <c>$2</c> the instant): Npgsql sends a statement whose
    /// parameters are positional as it is, where named ones make it parse and rewrite the 16 KB text at every run (a twentieth of the
    /// host's CPU in the declaration step, and a 32 KB string a run for the collector).
    /// </summary>
    private static readonly string SmallGroupPositional = SmallGroup.Replace("@targets", "$1", StringComparison.Ordinal).Replace("@now", "$2", StringComparison.Ordinal);

    /// <summary>The changed results' keys come back lower-cased (unquoted SQL aliases): matched case-insensitively.</summary>
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>
    /// Certifies the group of <paramref name="targets"/> (a declaration's placement: the person's placements in its year) in one
    /// statement, no temp tables; the same rules and writes as <see cref="RunAsync"/>. The statement is prepared (kept by the
    /// pooled connection across requests) and runs its generic plan: planning its 16 KB of SQL took five times as long as running it
    /// for one person (4 ms and 0.7 ms, 100,000 placements).
    /// </summary>
    public async Task<EngineRun> RunSmallAsync(IReadOnlyCollection<Guid> targets, DateTimeOffset now, CancellationToken ct,
        IReadOnlyList<EngineCompanion>? before = null, IReadOnlyList<EngineCompanion>? after = null)
    {
        if (db.Transaction is null) throw new InvalidOperationException("The engine runs inside a transaction.");
        // The generic plan, forced for this statement only: one person's rows take the same index paths whatever the ids, and the
        // planner's own choice (a custom plan each time, the generic one's estimate for any array being higher) re-planned every run.
        // The companions travel in the same round trip: statements before the engine's (which it then sees) and statements after it
        // (which see its writes); each returns rows (a result set), read in order.
        // The companions (point reads and writes by key) take the generic plan too.
        await using var batch = new NpgsqlBatch(await db.ConnectionAsync(ct), db.Transaction);
        // (A transaction that runs generic plans throughout keeps its setting.)
        var switchPlans = !db.GenericPlans;
        if (switchPlans) batch.BatchCommands.Add(new NpgsqlBatchCommand(GenericPlan.Set));
        foreach (var companion in before ?? []) batch.BatchCommands.Add(companion.Command);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(SmallGroupPositional)
        {
            Parameters = { new NpgsqlParameter<Guid[]> { TypedValue = [.. targets] }, new NpgsqlParameter<DateTimeOffset> { TypedValue = now } },
        });
        foreach (var companion in after ?? []) batch.BatchCommands.Add(companion.Command);
        if (switchPlans) batch.BatchCommands.Add(new NpgsqlBatchCommand(GenericPlan.Reset));
        await batch.PrepareAsync(ct);
        long placements, qualifying;
        string changedJson, blockedJson;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            var first = true;
            async Task NextRowsAsync()
            {
                // Statements without rows (SET LOCAL) are passed over, whether or not the reader stops at them.
                if (!first && !await reader.NextResultAsync(ct)) throw new InvalidOperationException("The engine's batch returned too few results.");
                first = false;
                while (reader.FieldCount == 0)
                    if (!await reader.NextResultAsync(ct)) throw new InvalidOperationException("The engine's batch returned too few results.");
            }
            foreach (var companion in before ?? [])
            {
                await NextRowsAsync();
                await companion.Read(reader, ct);
            }
            await NextRowsAsync();
            if (!await reader.ReadAsync(ct)) throw new InvalidOperationException("The engine returned no row.");
            (placements, qualifying, changedJson, blockedJson) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3));
            foreach (var companion in after ?? [])
            {
                await NextRowsAsync();
                await companion.Read(reader, ct);
            }
        }
        var changed = JsonSerializer.Deserialize<List<ChangedPlacement>>(changedJson, Json)!;
        var blocked = JsonSerializer.Deserialize<List<BlockedUnit>>(blockedJson, Json)!;
        return new EngineRun(placements, qualifying, changed.Count, changed, blocked);
    }

    /// <summary>Certifies the targets in <c>cert_target</c> (with the other placements of the same persons), or with
    /// <paramref name="wholeYear"/> every placement of that business year (no target table needed).</summary>
    public async Task<EngineRun> RunAsync(DateTimeOffset now, CancellationToken ct, bool fetchChanged = true, int? wholeYear = null)
    {
        if (db.Transaction is null) throw new InvalidOperationException("The engine runs inside a transaction.");
        // A whole year keeps its work tables in the module schema, unlogged and never committed (dropped before the end of the
        // transaction, invisible to every other session meanwhile), so PostgreSQL may scan and join them with parallel workers;
        // temp tables are private to the session and rule parallel plans out. Smaller groups use temp tables.
        var shared = wholeYear is not null;
        string Work(string sql) => shared
            ? sql.Replace("CREATE TEMP TABLE ", "CREATE UNLOGGED TABLE ", StringComparison.Ordinal).Replace(" ON COMMIT DROP AS", " AS", StringComparison.Ordinal)
            : sql;
        if (shared) await db.ExecuteAsync("SET LOCAL search_path = certification, public", null, ct);
        await db.ExecuteAsync(Work(wholeYear is null
            ? Prepare("(p.id_hash, p.business_year) IN (SELECT t.id_hash, t.business_year FROM certification.placement t JOIN cert_target USING (id))",
                      GroupCertificateYears)
            // The whole year: every certificate, no join to the group first (nearly every holder has a placement).
            : Prepare("p.business_year = @year", "CROSS JOIN (SELECT @year AS year) y")), new { year = wholeYear }, ct);
        var size = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM cert_pl", null, ct);
        if (size >= LargeGroup)
            // Large groups: the planner underestimates the joins of the work tables (correlated keys) and would sort-group millions
            // of rows; hashing is right for every statement of such a group (each table is read once, whole).
            await db.ExecuteAsync("SET LOCAL enable_sort = off", null, ct);
        await db.ExecuteAsync(Work(Relink), null, ct);
        await db.ExecuteAsync(Work(Evaluate(wholeYear is null
            ? GroupMultiPersons
            // Persons with several placements in the year, from the index in its order (no hash of a million persons); a person
            // whose other placement belongs to a blocked unit is counted among the group's rows alone, as it should.
            : "SELECT id_hash, business_year FROM certification.placement WHERE business_year = @year GROUP BY 1, 2 HAVING count(*) > 1")),
            new { year = wholeYear }, ct);
        await db.ExecuteAsync(FindChanged, null, ct);

        var changed = fetchChanged
            ? await db.QueryAsync<ChangedPlacement>($"SELECT {ChangedColumns} FROM cert_changed", null, ct)
            : [];
        var changedCount = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM cert_changed", null, ct);
        await db.ExecuteAsync(Store, new { now }, ct);
        var totals = await db.QuerySingleAsync<(long, long)>("SELECT count(*), coalesce(sum(bit_count(qualifies::bit(12))), 0)::bigint FROM cert_out", null, ct);
        var blocked = await db.QueryAsync<BlockedUnit>("SELECT unit_id AS UnitId, credit_code AS CreditCode, region_code AS RegionCode, reason FROM cert_blocked ORDER BY credit_code", null, ct);
        if (shared)
            await db.ExecuteAsync("DROP TABLE cert_pl, cert_mw, cert_blocked, cert_cert, cert_rel, cert_relink, cert_out; SET LOCAL search_path TO DEFAULT", null, ct);
        return new EngineRun(totals.Item1, totals.Item2, changedCount, changed, blocked);
    }
}
