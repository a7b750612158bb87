-- Issue 14: every unit's home page shows the latest notices, each with the reader's own read mark, from the host's cache of the
-- page (checked against platform.unit_change). A statement that changes notices moves everyone's stamp; a reader's read marks move
-- the stamp kept under the reader's account id (account ids are uuids, disjoint from units'), in the same transaction.
SELECT platform.add_statement_triggers('notices.notice', 'every_unit', 'platform.every_unit_changed');

CREATE FUNCTION notices.read_marks_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM platform.touch_all_units();
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM platform.touch_units(ARRAY(SELECT DISTINCT account_id::uuid FROM new_rows
                                           WHERE account_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM platform.touch_units(ARRAY(SELECT DISTINCT account_id::uuid FROM old_rows
                                           WHERE account_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'));
    ELSE
        PERFORM platform.touch_units(ARRAY(SELECT account_id::uuid FROM (SELECT account_id FROM new_rows UNION SELECT account_id FROM old_rows) x
                                           WHERE account_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'));
    END IF;
    RETURN NULL;
END
$$;
SELECT platform.add_statement_triggers('notices.notice_read', 'reader_stamp', 'notices.read_marks_changed');
