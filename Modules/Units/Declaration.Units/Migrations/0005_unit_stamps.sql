-- Issue 14: the statements that change what a unit's pages show (the home page, the placement list) move the unit's stamp in
-- platform.unit_stamp, in their own transaction, so that each host's cache of those pages is checked by one read of one row.
-- The profile and the workforce a unit entered (the levy estimate).
CREATE TRIGGER unit_unit_stamp_insert AFTER INSERT ON units.unit REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();
CREATE TRIGGER unit_unit_stamp_update AFTER UPDATE ON units.unit REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();
CREATE TRIGGER unit_unit_stamp_delete AFTER DELETE ON units.unit REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();
CREATE TRIGGER unit_unit_stamp_truncate AFTER TRUNCATE ON units.unit
    FOR EACH STATEMENT EXECUTE FUNCTION platform.units_changed();
CREATE TRIGGER unit_workforce_unit_stamp_insert AFTER INSERT ON units.unit_workforce REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER unit_workforce_unit_stamp_update AFTER UPDATE ON units.unit_workforce REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER unit_workforce_unit_stamp_delete AFTER DELETE ON units.unit_workforce REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER unit_workforce_unit_stamp_truncate AFTER TRUNCATE ON units.unit_workforce
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
