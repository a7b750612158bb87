-- Issue 14: the statements that change what a unit's pages show (the home page, the placement list) move the unit's stamp in
-- platform.unit_stamp, in their own transaction, so that each host's cache of those pages is checked by one read of one row.
-- The year's state, certificates, reopen requests and the placements' projected states; the windows are every unit's.
CREATE TRIGGER unit_year_unit_stamp_insert AFTER INSERT ON annual_review.unit_year REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER unit_year_unit_stamp_update AFTER UPDATE ON annual_review.unit_year REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER unit_year_unit_stamp_delete AFTER DELETE ON annual_review.unit_year REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER unit_year_unit_stamp_truncate AFTER TRUNCATE ON annual_review.unit_year
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER placement_state_unit_stamp_insert AFTER INSERT ON annual_review.placement_state REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER placement_state_unit_stamp_update AFTER UPDATE ON annual_review.placement_state REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER placement_state_unit_stamp_delete AFTER DELETE ON annual_review.placement_state REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER placement_state_unit_stamp_truncate AFTER TRUNCATE ON annual_review.placement_state
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER certificate_unit_stamp_insert AFTER INSERT ON annual_review.certificate REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER certificate_unit_stamp_update AFTER UPDATE ON annual_review.certificate REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER certificate_unit_stamp_delete AFTER DELETE ON annual_review.certificate REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER certificate_unit_stamp_truncate AFTER TRUNCATE ON annual_review.certificate
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER reopen_request_unit_stamp_insert AFTER INSERT ON annual_review.reopen_request REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER reopen_request_unit_stamp_update AFTER UPDATE ON annual_review.reopen_request REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER reopen_request_unit_stamp_delete AFTER DELETE ON annual_review.reopen_request REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER reopen_request_unit_stamp_truncate AFTER TRUNCATE ON annual_review.reopen_request
    FOR EACH STATEMENT EXECUTE FUNCTION platform.unit_rows_changed();
CREATE TRIGGER declaration_window_every_unit_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON annual_review.declaration_window
    FOR EACH STATEMENT EXECUTE FUNCTION platform.every_unit_changed();
