-- Issue 14: the statements that change what a unit's pages show (the home page, the placement list) move the unit's stamp in
-- platform.unit_change, in their own transaction, so that each host's cache of those pages is checked by one small read.
-- The year's state, certificates, reopen requests and the placements' projected states; the windows are every unit's.
SELECT platform.add_statement_triggers('annual_review.unit_year', 'unit_stamp', 'platform.unit_rows_changed');
SELECT platform.add_statement_triggers('annual_review.placement_state', 'unit_stamp', 'platform.unit_rows_changed');
SELECT platform.add_statement_triggers('annual_review.certificate', 'unit_stamp', 'platform.unit_rows_changed');
SELECT platform.add_statement_triggers('annual_review.reopen_request', 'unit_stamp', 'platform.unit_rows_changed');
SELECT platform.add_statement_triggers('annual_review.declaration_window', 'every_unit', 'platform.every_unit_changed');
