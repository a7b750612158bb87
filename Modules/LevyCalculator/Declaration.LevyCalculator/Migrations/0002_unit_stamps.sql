-- Issue 14: the statements that change what a unit's pages show (the home page, the placement list) move the unit's stamp in
-- platform.unit_change, in their own transaction, so that each host's cache of those pages is checked by one small read.
-- The levy parameters are every unit's.
SELECT platform.add_statement_triggers('levy.parameter', 'every_unit', 'platform.every_unit_changed');
