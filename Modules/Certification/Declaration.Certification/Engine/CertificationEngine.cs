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
/// </summary>
internal sealed class CertificationEngine(IDbSession db)
{
    public const string CreateTarget = "CREATE TEMP TABLE IF NOT EXISTS cert_target (id uuid PRIMARY KEY) ON COMMIT DROP; TRUNCATE cert_target;";

    public async Task<EngineRun> RunAsync(DateTimeOffset now, CancellationToken ct, bool fetchChanged = true)
    {
        if (db.Transaction is null) throw new InvalidOperationException("The engine runs inside a transaction.");
        await db.ExecuteAsync("""
            -- Large chunks hash whole linkage tables once (like the plain join floor) instead of probing indexes row by row.
            SET LOCAL work_mem = '256MB';
            DROP TABLE IF EXISTS cert_group, cert_pm, cert_mw, cert_eng, cert_out, cert_blocked;
            CREATE TEMP TABLE cert_group ON COMMIT DROP AS
                SELECT p.id FROM certification.placement p
                WHERE (p.id_hash, p.business_year) IN (SELECT t.id_hash, t.business_year FROM certification.placement t JOIN cert_target USING (id));
            ALTER TABLE cert_group ADD PRIMARY KEY (id);
            ANALYZE cert_group;

            CREATE TEMP TABLE cert_pm ON COMMIT DROP AS
                SELECT p.id, p.unit_id, p.credit_code, u.region_code, p.id_hash, p.business_year AS year, g.m::smallint AS month,
                       make_date(p.business_year, g.m, 1) AS ms, (make_date(p.business_year, g.m, 1) + interval '1 month - 1 day')::date AS me,
                       p.age16_month, p.retirement_month, p.employment_start, p.employment_end, p.contract_ok, p.monthly_wage,
                       p.state = 'Confirmed' AS confirmed
                FROM certification.placement p
                JOIN cert_group USING (id)
                LEFT JOIN certification.unit u ON u.id = p.unit_id
                CROSS JOIN generate_series(1, 12) g(m);
            ANALYZE cert_pm;

            -- MinimumWage(region, m): the most specific region row (exact, city, province), then the latest effective_from ≤ the 1st of m.
            CREATE TEMP TABLE cert_mw ON COMMIT DROP AS
                SELECT r.region_code, r.ms, mw.monthly_minimum
                FROM (SELECT DISTINCT region_code, ms FROM cert_pm WHERE region_code IS NOT NULL) r
                LEFT JOIN LATERAL (
                    SELECT w.monthly_minimum FROM certification.minimum_wage w
                    WHERE w.effective_from <= r.ms
                      AND w.region_code IN (r.region_code, left(r.region_code, 4) || '00', left(r.region_code, 2) || '0000')
                    ORDER BY CASE w.region_code WHEN r.region_code THEN 3 WHEN left(r.region_code, 4) || '00' THEN 2 ELSE 1 END DESC,
                             w.effective_from DESC
                    LIMIT 1) mw ON true;

            CREATE TEMP TABLE cert_blocked ON COMMIT DROP AS
                SELECT pm.unit_id, min(pm.credit_code) AS credit_code, min(pm.region_code) AS region_code,
                       CASE WHEN bool_or(pm.region_code IS NULL) THEN 'unknown unit region'
                            ELSE 'no minimum wage for region ' || min(pm.region_code) || ' in ' || to_char(min(pm.ms) FILTER (WHERE mw.monthly_minimum IS NULL), 'YYYY-MM') END AS reason
                FROM cert_pm pm LEFT JOIN cert_mw mw ON mw.region_code = pm.region_code AND mw.ms = pm.ms
                WHERE pm.region_code IS NULL OR mw.monthly_minimum IS NULL
                GROUP BY pm.unit_id;
            DELETE FROM cert_pm WHERE unit_id IN (SELECT unit_id FROM cert_blocked);

            CREATE TEMP TABLE cert_eng ON COMMIT DROP AS
                SELECT pm.id, pm.unit_id, pm.id_hash, pm.year, pm.month, pm.confirmed,
                       (c.id_hash IS NOT NULL) AS has_cert,
                       coalesce(cv.cover_weight, 0) AS cover_weight,
                       pm.ms < pm.age16_month AS under16,
                       pm.ms >= pm.retirement_month AS retired,
                       NOT (pm.employment_start <= pm.me AND (pm.employment_end IS NULL OR pm.employment_end >= pm.ms)) AS not_employed,
                       NOT pm.contract_ok AS contract_short,
                       coalesce(si.self_paid, false) AS self_paid,
                       coalesce(si.rel_paid, false) AS rel_paid,
                       coalesce(wg.total, pm.monthly_wage) < mw.monthly_minimum AS wage_low
                FROM cert_pm pm
                JOIN cert_mw mw ON mw.region_code = pm.region_code AND mw.ms = pm.ms
                LEFT JOIN (SELECT DISTINCT ce.id_hash FROM certification.certificate ce
                           WHERE ce.id_hash IN (SELECT id_hash FROM cert_pm)) c ON c.id_hash = pm.id_hash
                LEFT JOIN (
                    SELECT x.id, x.month,
                           max(CASE WHEN (ce.certificate_type = 'disability' AND ce.level <= 2) OR (ce.certificate_type = 'veteran' AND ce.level <= 3)
                                    THEN 2 ELSE 1 END) AS cover_weight
                    FROM cert_pm x JOIN certification.certificate ce ON ce.id_hash = x.id_hash
                    WHERE ce.issued_on <= x.me
                      AND coalesce(least(ce.valid_until, ce.revoked_on - 1), 'infinity'::date) >= x.ms
                      AND coalesce(least(ce.valid_until, ce.revoked_on - 1), 'infinity'::date) >= ce.issued_on
                    GROUP BY x.id, x.month) cv ON cv.id = pm.id AND cv.month = pm.month
                LEFT JOIN (
                    SELECT x.id, x.month, bool_or(s.payer_credit_code = x.credit_code) AS self_paid,
                           bool_or(s.payer_credit_code <> x.credit_code AND r.unit_id IS NOT NULL) AS rel_paid
                    FROM cert_pm x
                    JOIN certification.social_insurance s ON s.id_hash = x.id_hash AND s.month = x.ms AND s.insurance_type = 'pension' AND s.paid
                    LEFT JOIN certification.related_unit r ON r.unit_id = x.unit_id AND r.related_credit_code = s.payer_credit_code
                         AND r.valid_from <= x.me AND (r.valid_to IS NULL OR r.valid_to >= x.ms)
                    GROUP BY x.id, x.month) si ON si.id = pm.id AND si.month = pm.month
                LEFT JOIN (
                    SELECT x.id, x.month, sum(w.gross_wage) AS total
                    FROM cert_pm x
                    JOIN certification.wage w ON w.id_hash = x.id_hash AND w.month = x.ms
                    WHERE w.payer_credit_code = x.credit_code
                       OR EXISTS (SELECT 1 FROM certification.related_unit r WHERE r.unit_id = x.unit_id AND r.related_credit_code = w.payer_credit_code
                                  AND r.valid_from <= x.me AND (r.valid_to IS NULL OR r.valid_to >= x.ms))
                    GROUP BY x.id, x.month) wg ON wg.id = pm.id AND wg.month = pm.month;

            CREATE TEMP TABLE cert_out ON COMMIT DROP AS
                WITH b AS (
                    SELECT e.*, NOT e.has_cert AS cert_none, e.has_cert AND e.cover_weight = 0 AS cert_invalid,
                           NOT (e.self_paid OR e.rel_paid) AS si_not_paid
                    FROM cert_eng e
                ), o AS (
                    SELECT b.*, NOT (cert_none OR cert_invalid OR under16 OR retired OR not_employed OR contract_short OR si_not_paid OR wage_low) AS base_ok
                    FROM b
                ), d AS (
                    SELECT o.*,
                           count(*) FILTER (WHERE base_ok) OVER w AS n_ok,
                           count(*) FILTER (WHERE base_ok AND self_paid) OVER w AS n_self
                    FROM o WINDOW w AS (PARTITION BY id_hash, year, month)
                ), f AS (
                    SELECT d.*, (base_ok AND n_ok >= 2 AND NOT (n_self = 1 AND self_paid)) AS dup FROM d
                )
                SELECT id, unit_id, confirmed, month,
                       (base_ok AND NOT dup) AS qualifies,
                       (CASE WHEN base_ok AND NOT dup THEN cover_weight ELSE 0 END)::smallint AS weight,
                       cover_weight::smallint AS cover_weight,
                       array_remove(ARRAY[
                           CASE WHEN retired THEN 'AGE_RETIRED' END,
                           CASE WHEN under16 THEN 'AGE_UNDER_16' END,
                           CASE WHEN cert_invalid THEN 'CERT_INVALID' END,
                           CASE WHEN cert_none THEN 'CERT_NONE' END,
                           CASE WHEN contract_short THEN 'CONTRACT_TOO_SHORT' END,
                           CASE WHEN dup THEN 'DUPLICATE_DECLARATION' END,
                           CASE WHEN not_employed THEN 'NOT_EMPLOYED' END,
                           CASE WHEN si_not_paid THEN 'SI_NOT_PAID' END,
                           CASE WHEN wage_low THEN 'WAGE_BELOW_MINIMUM' END], NULL) AS reasons,
                       CASE WHEN rel_paid AND NOT self_paid THEN ARRAY['VIA_RELATED_UNIT'] ELSE ARRAY[]::text[] END AS flags
                FROM f;
            DELETE FROM cert_out WHERE confirmed;
            ALTER TABLE cert_out ADD PRIMARY KEY (id, month);
            ANALYZE cert_out;
            """, null, ct);

        await db.ExecuteAsync("""
            DROP TABLE IF EXISTS cert_changed;
            CREATE TEMP TABLE cert_changed ON COMMIT DROP AS
            WITH diff AS (
                SELECT o.id, count(*) FILTER (WHERE r.qualifies) AS old_q, count(*) FILTER (WHERE o.qualifies) AS new_q,
                       bool_or(r.placement_id IS NULL) AS missing,
                       bool_or((o.qualifies, o.weight, o.reasons, o.flags) IS DISTINCT FROM (r.qualifies, r.weight, r.reasons, r.flags)) AS differs
                FROM cert_out o LEFT JOIN certification.month_result r ON r.placement_id = o.id AND r.month = o.month
                GROUP BY o.id
            )
            SELECT p.id, p.unit_id, p.business_year, diff.old_q::int AS old_q, diff.new_q::int AS new_q, p.masked_name
            FROM diff JOIN certification.placement p ON p.id = diff.id
            WHERE diff.differs AND NOT diff.missing
            """, null, ct);
        var changed = fetchChanged
            ? await db.QueryAsync<ChangedPlacement>("SELECT id AS PlacementId, unit_id AS UnitId, business_year AS BusinessYear, old_q AS OldQualifyingMonths, new_q AS NewQualifyingMonths, masked_name AS MaskedName FROM cert_changed", null, ct)
            : [];
        var changedCount = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM cert_changed", null, ct);

        var totals = await db.QuerySingleAsync<(long, long)>("""
            WITH up AS (
                INSERT INTO certification.month_result AS r (placement_id, month, qualifies, weight, cover_weight, reasons, flags)
                SELECT id, month, qualifies, weight, cover_weight, reasons, flags FROM cert_out
                ON CONFLICT (placement_id, month) DO UPDATE SET qualifies = EXCLUDED.qualifies, weight = EXCLUDED.weight,
                    cover_weight = EXCLUDED.cover_weight, reasons = EXCLUDED.reasons, flags = EXCLUDED.flags
                WHERE (r.qualifies, r.weight, r.cover_weight, r.reasons, r.flags)
                      IS DISTINCT FROM (EXCLUDED.qualifies, EXCLUDED.weight, EXCLUDED.cover_weight, EXCLUDED.reasons, EXCLUDED.flags)
                RETURNING 1
            ), mark AS (
                UPDATE certification.placement p SET dirty = false, certified_at = @now
                WHERE p.id IN (SELECT DISTINCT id FROM cert_out)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM mark), (SELECT count(*) FROM cert_out WHERE qualifies) + 0 * (SELECT count(*) FROM up)
            """, new { now }, ct);

        var blocked = await db.QueryAsync<BlockedUnit>("SELECT unit_id AS UnitId, credit_code AS CreditCode, region_code AS RegionCode, reason FROM cert_blocked ORDER BY credit_code", null, ct);
        return new EngineRun(totals.Item1, totals.Item2, changedCount, changed, blocked);
    }
}
