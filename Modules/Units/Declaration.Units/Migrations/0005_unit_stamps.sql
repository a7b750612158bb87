-- Issue 14: the statements that change what a unit's pages show (the home page, the placement list) move the unit's stamp in
-- platform.unit_change, in their own transaction, so that each host's cache of those pages is checked by one small read.
-- The profile and the workforce a unit entered (the levy estimate).
SELECT platform.add_statement_triggers('units.unit', 'unit_stamp', 'platform.unit_rows_changed', 'id');
SELECT platform.add_statement_triggers('units.unit_workforce', 'unit_stamp', 'platform.unit_rows_changed');
