-- Issue 14 (the declaration step): the stamp function runs in PL/pgSQL, whose statements keep their plan for the session (a SQL
-- function's INSERT was planned again at every trigger call, five or six times per declaration), and a statement that changed no
-- row (its transition table empty, ids NULL) moves no stamp and runs no INSERT.
CREATE OR REPLACE FUNCTION platform.touch_units(ids uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO platform.unit_change (unit_id, n)
    SELECT u, nextval('platform.unit_change_seq') FROM (SELECT DISTINCT u FROM unnest(ids) AS u WHERE u IS NOT NULL) x;
END
$$;
