-- Issue 14: the statements that change what a unit's pages show (the home page, the placement list) move the unit's stamp in
-- platform.unit_stamp, in their own transaction, so that each host's cache of those pages is checked by one read of one row.
-- Placements (their states, categories and the projected results the nightly batch changes through events), the units'
-- federation, and the reviewers' month decisions (whose unit is their placement's).
CREATE TRIGGER placement_unit_stamp_insert AFTER INSERT ON placement.placement REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER placement_unit_stamp_update AFTER UPDATE ON placement.placement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER placement_unit_stamp_delete AFTER DELETE ON placement.placement REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER placement_unit_stamp_truncate AFTER TRUNCATE ON placement.placement
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER unit_unit_stamp_insert AFTER INSERT ON placement.unit REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();
CREATE TRIGGER unit_unit_stamp_update AFTER UPDATE ON placement.unit REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();
CREATE TRIGGER unit_unit_stamp_delete AFTER DELETE ON placement.unit REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();
CREATE TRIGGER unit_unit_stamp_truncate AFTER TRUNCATE ON placement.unit
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();

CREATE FUNCTION placement.month_decisions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE platform.unit_stamp SET stamp = nextval('platform.unit_stamp_seq');
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
CREATE TRIGGER month_decision_unit_stamp_insert AFTER INSERT ON placement.month_decision REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION placement.month_decisions_changed();
CREATE TRIGGER month_decision_unit_stamp_update AFTER UPDATE ON placement.month_decision REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION placement.month_decisions_changed();
CREATE TRIGGER month_decision_unit_stamp_delete AFTER DELETE ON placement.month_decision REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION placement.month_decisions_changed();
CREATE TRIGGER month_decision_unit_stamp_truncate AFTER TRUNCATE ON placement.month_decision
    FOR EACH STATEMENT EXECUTE FUNCTION placement.month_decisions_changed();
