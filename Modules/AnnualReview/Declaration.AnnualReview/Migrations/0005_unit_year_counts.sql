-- Issue 14 (the declaration step): a unit-year keeps the counts of its active and confirmed placements, moved by the projection with
-- each applied change, instead of counting the year's placements after every event (a unit with thousands of placements counted
-- them all for each one declared). The state derived from them has one definition, used by the projection.
ALTER TABLE annual_review.unit_year
    ADD COLUMN active_placements int NOT NULL DEFAULT 0,
    ADD COLUMN confirmed_placements int NOT NULL DEFAULT 0;

-- Every unit-year with projected placements has its row (the projection created them lazily).
INSERT INTO annual_review.unit_year (unit_id, business_year, state, updated_at)
SELECT DISTINCT unit_id, business_year, 'NotStarted', now() FROM annual_review.placement_state
ON CONFLICT DO NOTHING;

UPDATE annual_review.unit_year y SET active_placements = c.active, confirmed_placements = c.confirmed
FROM (SELECT unit_id, business_year, count(*) FILTER (WHERE state <> 'Withdrawn') AS active, count(*) FILTER (WHERE state = 'Confirmed') AS confirmed
      FROM annual_review.placement_state GROUP BY unit_id, business_year) c
WHERE y.unit_id = c.unit_id AND y.business_year = c.business_year;

-- The state a unit-year's placements give it: Certified and ReopenRequested stay (the unit's and the reviewer's acts change them);
-- otherwise NotStarted without active placements, ReadyToCertify when all are confirmed, InProgress in between.
CREATE FUNCTION annual_review.derived_state(current_state text, active int, confirmed int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN current_state IN ('Certified', 'ReopenRequested') THEN current_state
                WHEN active = 0 THEN 'NotStarted'
                WHEN active = confirmed THEN 'ReadyToCertify'
                ELSE 'InProgress' END
$$;

-- Rows the lazy creation left behind their placements take their state now.
UPDATE annual_review.unit_year SET state = annual_review.derived_state(state, active_placements, confirmed_placements), version = version + 1
WHERE state IS DISTINCT FROM annual_review.derived_state(state, active_placements, confirmed_placements);
