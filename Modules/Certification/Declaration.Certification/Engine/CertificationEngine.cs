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
            DROP TABLE IF EXISTS cert_group, cert_pm, cert_mw, cert_rel, cert_months, cert_persons, cert_link, cert_out, cert_blocked;
            CREATE TEMP TABLE cert_group ON COMMIT DROP AS
                SELECT p.id FROM certification.placement p
                WHERE (p.id_hash, p.business_year) IN (SELECT t.id_hash, t.business_year FROM certification.placement t JOIN cert_target USING (id));
            ALTER TABLE cert_group ADD PRIMARY KEY (id);
            ANALYZE cert_group;

            CREATE TEMP TABLE cert_pm ON COMMIT DROP AS
                SELECT p.id, p.unit_id, p.credit_code, u.region_code, p.id_hash, p.business_year AS year, g.m::smallint AS month,
                       make_date(p.business_year, g.m, 1) AS ms, (make_date(p.business_year, g.m, 1) + interval '1 month - 1 day')::date AS me,
                       p.age16_month, p.retirement_month, p.employment_start, p.employment_end, p.contract_ok, p.monthly_wage,
                       p.state = 'Confirmed' AS confirmed,
                       count(*) OVER (PARTITION BY p.id_hash, p.business_year) > 12 AS multi -- 12 rows a placement
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
            ANALYZE cert_mw;

            CREATE TEMP TABLE cert_blocked ON COMMIT DROP AS
                SELECT pm.unit_id, min(pm.credit_code) AS credit_code, min(pm.region_code) AS region_code,
                       CASE WHEN bool_or(pm.region_code IS NULL) THEN 'unknown unit region'
                            ELSE 'no minimum wage for region ' || min(pm.region_code) || ' in ' || to_char(min(pm.ms) FILTER (WHERE mw.monthly_minimum IS NULL), 'YYYY-MM') END AS reason
                FROM cert_pm pm LEFT JOIN cert_mw mw ON mw.region_code = pm.region_code AND mw.ms = pm.ms
                WHERE pm.region_code IS NULL OR mw.monthly_minimum IS NULL
                GROUP BY pm.unit_id;
            DELETE FROM cert_pm WHERE unit_id IN (SELECT unit_id FROM cert_blocked);

            -- Related units in force per (unit, credit code, month), the unit's own code excluded (it pays as itself).
            CREATE TEMP TABLE cert_rel ON COMMIT DROP AS
                SELECT x.unit_id, x.credit_code, x.ms, array_agg(DISTINCT r.related_credit_code) AS codes
                FROM (SELECT DISTINCT unit_id, credit_code, ms, me FROM cert_pm) x
                JOIN certification.related_unit r ON r.unit_id = x.unit_id AND r.related_credit_code <> x.credit_code
                     AND r.valid_from <= x.me AND (r.valid_to IS NULL OR r.valid_to >= x.ms)
                GROUP BY x.unit_id, x.credit_code, x.ms;

            -- The linkage data of the group's persons, aggregated once per (person, month) in one pass: paid pension payers,
            -- wage payers and amounts (one row a payer: the primary keys), and certificates (a row for every month when the
            -- person has any certificate; cover_weight 2/1 when one covers the month, else 0).
            CREATE TEMP TABLE cert_months ON COMMIT DROP AS SELECT DISTINCT ms, me FROM cert_pm;
            CREATE TEMP TABLE cert_persons ON COMMIT DROP AS SELECT DISTINCT id_hash FROM cert_pm;
            ANALYZE cert_months, cert_persons;
            CREATE TEMP TABLE cert_link ON COMMIT DROP AS
                SELECT id_hash, ms,
                       array_agg(payer) FILTER (WHERE kind = 1) AS si_payers,
                       array_agg(payer) FILTER (WHERE kind = 2) AS w_payers,
                       array_agg(amount) FILTER (WHERE kind = 2) AS w_amounts,
                       bool_or(kind = 3) AS has_cert,
                       max(weight) FILTER (WHERE kind = 3) AS cover_weight
                FROM (
                    SELECT s.id_hash, s.month AS ms, 1 AS kind, s.payer_credit_code AS payer, NULL::numeric AS amount, NULL::int AS weight
                    FROM certification.social_insurance s
                    WHERE s.id_hash IN (SELECT id_hash FROM cert_persons) AND s.month IN (SELECT ms FROM cert_months)
                      AND s.insurance_type = 'pension' AND s.paid
                    UNION ALL
                    SELECT w.id_hash, w.month, 2, w.payer_credit_code, w.gross_wage, NULL
                    FROM certification.wage w
                    WHERE w.id_hash IN (SELECT id_hash FROM cert_persons) AND w.month IN (SELECT ms FROM cert_months)
                    UNION ALL
                    SELECT ce.id_hash, m.ms, 3, NULL, NULL,
                           CASE WHEN ce.issued_on <= m.me
                                 AND coalesce(least(ce.valid_until, ce.revoked_on - 1), 'infinity'::date) >= m.ms
                                 AND coalesce(least(ce.valid_until, ce.revoked_on - 1), 'infinity'::date) >= ce.issued_on
                                THEN CASE WHEN (ce.certificate_type = 'disability' AND ce.level <= 2) OR (ce.certificate_type = 'veteran' AND ce.level <= 3)
                                          THEN 2 ELSE 1 END
                                ELSE 0 END
                    FROM certification.certificate ce CROSS JOIN cert_months m
                    WHERE ce.id_hash IN (SELECT id_hash FROM cert_persons)
                ) x
                GROUP BY id_hash, ms;
            ANALYZE cert_link;

            CREATE TEMP TABLE cert_out ON COMMIT DROP AS
                WITH e AS (
                    SELECT pm.id, pm.unit_id, pm.id_hash, pm.year, pm.month, pm.confirmed, pm.multi,
                           coalesce(l.has_cert, false) AS has_cert,
                           coalesce(l.cover_weight, 0) AS cover_weight,
                           pm.ms < pm.age16_month AS under16,
                           pm.ms >= pm.retirement_month AS retired,
                           NOT (pm.employment_start <= pm.me AND (pm.employment_end IS NULL OR pm.employment_end >= pm.ms)) AS not_employed,
                           NOT pm.contract_ok AS contract_short,
                           coalesce(pm.credit_code = ANY (l.si_payers), false) AS self_paid,
                           coalesce(l.si_payers && rl.codes, false) AS rel_paid,
                           coalesce(CASE WHEN rl.codes IS NULL THEN l.w_amounts[array_position(l.w_payers, pm.credit_code)]
                                         ELSE (SELECT sum(u.a) FROM unnest(l.w_payers, l.w_amounts) u(p, a) WHERE u.p = pm.credit_code OR u.p = ANY (rl.codes)) END,
                                    pm.monthly_wage) < mw.monthly_minimum AS wage_low
                    FROM cert_pm pm
                    JOIN cert_mw mw ON mw.region_code = pm.region_code AND mw.ms = pm.ms
                    LEFT JOIN cert_link l ON l.id_hash = pm.id_hash AND l.ms = pm.ms
                    LEFT JOIN cert_rel rl ON rl.unit_id = pm.unit_id AND rl.credit_code = pm.credit_code AND rl.ms = pm.ms
                ), b AS (
                    SELECT e.*, NOT e.has_cert AS cert_none, e.has_cert AND e.cover_weight = 0 AS cert_invalid,
                           NOT (e.self_paid OR e.rel_paid) AS si_not_paid
                    FROM e
                ), o AS (
                    SELECT b.*, NOT (cert_none OR cert_invalid OR under16 OR retired OR not_employed OR contract_short OR si_not_paid OR wage_low) AS base_ok
                    FROM b
                ), d AS (
                    -- §4 only concerns persons with several placements in the year: the window (a sort) runs over those alone.
                    SELECT o.*,
                           count(*) FILTER (WHERE base_ok) OVER w AS n_ok,
                           count(*) FILTER (WHERE base_ok AND self_paid) OVER w AS n_self
                    FROM o WHERE multi WINDOW w AS (PARTITION BY id_hash, year, month)
                    UNION ALL
                    SELECT o.*, CASE WHEN base_ok THEN 1 ELSE 0 END, CASE WHEN base_ok AND self_paid THEN 1 ELSE 0 END
                    FROM o WHERE NOT multi
                ), f AS (
                    SELECT d.*, (base_ok AND n_ok >= 2 AND NOT (n_self = 1 AND self_paid)) AS dup FROM d
                )
                -- One row a placement: its 12 months as arrays (index = month), reasons/flags comma-joined (placement_result).
                SELECT id,
                       array_agg(base_ok AND NOT dup ORDER BY month) AS qualifies,
                       array_agg((CASE WHEN base_ok AND NOT dup THEN cover_weight ELSE 0 END)::smallint ORDER BY month) AS weight,
                       array_agg(cover_weight::smallint ORDER BY month) AS cover_weight,
                       array_agg(concat_ws(',',
                           CASE WHEN retired THEN 'AGE_RETIRED' END,
                           CASE WHEN under16 THEN 'AGE_UNDER_16' END,
                           CASE WHEN cert_invalid THEN 'CERT_INVALID' END,
                           CASE WHEN cert_none THEN 'CERT_NONE' END,
                           CASE WHEN contract_short THEN 'CONTRACT_TOO_SHORT' END,
                           CASE WHEN dup THEN 'DUPLICATE_DECLARATION' END,
                           CASE WHEN not_employed THEN 'NOT_EMPLOYED' END,
                           CASE WHEN si_not_paid THEN 'SI_NOT_PAID' END,
                           CASE WHEN wage_low THEN 'WAGE_BELOW_MINIMUM' END) ORDER BY month) AS reasons,
                       array_agg(CASE WHEN rel_paid AND NOT self_paid THEN 'VIA_RELATED_UNIT' ELSE '' END ORDER BY month) AS flags,
                       count(*) FILTER (WHERE base_ok AND NOT dup) AS q
                FROM f
                WHERE NOT confirmed
                GROUP BY id;
            ANALYZE cert_out;
            """, null, ct);

        await db.ExecuteAsync("""
            DROP TABLE IF EXISTS cert_changed;
            CREATE TEMP TABLE cert_changed ON COMMIT DROP AS
            SELECT p.id, p.unit_id, p.business_year, coalesce(cardinality(array_positions(r.qualifies, true)), 0) AS old_q, o.q::int AS new_q, p.masked_name
            FROM cert_out o
            JOIN certification.placement_result r ON r.placement_id = o.id
            JOIN certification.placement p ON p.id = o.id
            WHERE (o.qualifies, o.weight, o.reasons, o.flags) IS DISTINCT FROM (r.qualifies, r.weight, r.reasons, r.flags)
            """, null, ct);
        var changed = fetchChanged
            ? await db.QueryAsync<ChangedPlacement>("SELECT id AS PlacementId, unit_id AS UnitId, business_year AS BusinessYear, old_q AS OldQualifyingMonths, new_q AS NewQualifyingMonths, masked_name AS MaskedName FROM cert_changed", null, ct)
            : [];
        var changedCount = await db.ExecuteScalarAsync<long>("SELECT count(*) FROM cert_changed", null, ct);

        var totals = await db.QuerySingleAsync<(long, long)>("""
            WITH up AS (
                INSERT INTO certification.placement_result AS r (placement_id, qualifies, weight, cover_weight, reasons, flags)
                SELECT id, qualifies, weight, cover_weight, reasons, flags FROM cert_out
                ON CONFLICT (placement_id) DO UPDATE SET qualifies = EXCLUDED.qualifies, weight = EXCLUDED.weight,
                    cover_weight = EXCLUDED.cover_weight, reasons = EXCLUDED.reasons, flags = EXCLUDED.flags
                WHERE (r.qualifies, r.weight, r.cover_weight, r.reasons, r.flags)
                      IS DISTINCT FROM (EXCLUDED.qualifies, EXCLUDED.weight, EXCLUDED.cover_weight, EXCLUDED.reasons, EXCLUDED.flags)
                RETURNING 1
            ), mark AS (
                UPDATE certification.placement p SET dirty = false, certified_at = @now
                WHERE p.id IN (SELECT id FROM cert_out)
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM mark), (SELECT coalesce(sum(q), 0) FROM cert_out)::bigint + 0 * (SELECT count(*) FROM up)
            """, new { now }, ct);

        var blocked = await db.QueryAsync<BlockedUnit>("SELECT unit_id AS UnitId, credit_code AS CreditCode, region_code AS RegionCode, reason FROM cert_blocked ORDER BY credit_code", null, ct);
        return new EngineRun(totals.Item1, totals.Item2, changedCount, changed, blocked);
    }
}
