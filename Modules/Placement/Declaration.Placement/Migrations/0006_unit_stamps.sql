-- Issue 14: the statements that change what a unit's pages show (the home page, the placement list) move the unit's stamp in
-- platform.unit_change, in their own transaction, so that each host's cache of those pages is checked by one small read.
-- Placements (their states, categories and the projected results the nightly batch changes through events), the units'
-- federation, and the reviewers' month decisions (whose unit is their placement's).
SELECT platform.add_statement_triggers('placement.placement', 'unit_stamp', 'platform.unit_rows_changed');
SELECT platform.add_statement_triggers('placement.unit', 'unit_stamp', 'platform.unit_rows_changed', 'id');

CREATE FUNCTION placement.month_decisions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM platform.touch_all_units();
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM platform.touch_units(ARRAY(SELECT p.unit_id FROM placement.placement p WHERE p.id IN (SELECT placement_id FROM new_rows)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM platform.touch_units(ARRAY(SELECT p.unit_id FROM placement.placement p WHERE p.id IN (SELECT placement_id FROM old_rows)));
    ELSE
        PERFORM platform.touch_units(ARRAY(SELECT p.unit_id FROM placement.placement p
                                           WHERE p.id IN (SELECT placement_id FROM new_rows UNION SELECT placement_id FROM old_rows)));
    END IF;
    RETURN NULL;
END
$$;
SELECT platform.add_statement_triggers('placement.month_decision', 'unit_stamp', 'placement.month_decisions_changed');
