-- The projection of placement states applies Placement's events in the placement's version order (issue 10), not by the time
-- they say they occurred: an event whose version is not newer than the stored one changes nothing.
ALTER TABLE annual_review.placement_state ADD COLUMN version int NOT NULL DEFAULT 0;

-- On a database that has placements, the projection starts from their owner's current states (events lost before this change
-- are thereby repaired), and the unit-years that derive from it follow.
DO $$
BEGIN
    IF to_regclass('placement.placement') IS NULL THEN RETURN; END IF;
    INSERT INTO annual_review.placement_state (placement_id, unit_id, business_year, state, person_months, event_at, updated_at, version)
    SELECT p.id, p.unit_id, p.business_year, p.state, CASE WHEN p.state = 'Confirmed' THEN p.confirmed_person_months END, p.updated_at, now(), p.version
    FROM placement.placement p
    ON CONFLICT (placement_id) DO UPDATE SET state = EXCLUDED.state, person_months = EXCLUDED.person_months, event_at = EXCLUDED.event_at,
        updated_at = EXCLUDED.updated_at, version = EXCLUDED.version;
    UPDATE annual_review.placement_state s SET state = 'Withdrawn', version = s.version + 1
    WHERE s.state <> 'Withdrawn' AND NOT EXISTS (SELECT 1 FROM placement.placement p WHERE p.id = s.placement_id);
    -- Unit-years not certified (or asking to reopen) take the state their placements give.
    UPDATE annual_review.unit_year y SET state = d.state, version = y.version + 1, updated_at = now()
    FROM (
        SELECT y2.unit_id, y2.business_year,
               CASE WHEN count(s.placement_id) = 0 THEN 'NotStarted'
                    WHEN count(s.placement_id) = count(s.placement_id) FILTER (WHERE s.state = 'Confirmed') THEN 'ReadyToCertify'
                    ELSE 'InProgress' END AS state
        FROM annual_review.unit_year y2
        LEFT JOIN annual_review.placement_state s ON s.unit_id = y2.unit_id AND s.business_year = y2.business_year AND s.state <> 'Withdrawn'
        WHERE y2.state NOT IN ('Certified', 'ReopenRequested')
        GROUP BY y2.unit_id, y2.business_year
    ) d
    WHERE d.unit_id = y.unit_id AND d.business_year = y.business_year AND d.state <> y.state;
    INSERT INTO annual_review.unit_year (unit_id, business_year, state, updated_at)
    SELECT s.unit_id, s.business_year,
           CASE WHEN count(*) = count(*) FILTER (WHERE s.state = 'Confirmed') THEN 'ReadyToCertify' ELSE 'InProgress' END, now()
    FROM annual_review.placement_state s
    WHERE s.state <> 'Withdrawn'
    GROUP BY s.unit_id, s.business_year
    ON CONFLICT (unit_id, business_year) DO NOTHING;
END
$$;
