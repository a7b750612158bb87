-- Most statements on placements touch no queue (a declaration inserts a Draft): the stamp function returns at once for an empty
-- list instead of planning and running its INSERT (a fifth of a declaration's trigger time). PL/pgSQL, so that the INSERT, when
-- there is one, is prepared once per session.
CREATE OR REPLACE FUNCTION placement.touch_queues(codes text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(cardinality(codes), 0) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO placement.queue_stamp AS s (federation_code, stamp)
    SELECT f, nextval('placement.queue_stamp_seq') FROM (SELECT DISTINCT f FROM unnest(codes) AS f WHERE f IS NOT NULL ORDER BY f) x
    ON CONFLICT (federation_code) DO UPDATE SET stamp = nextval('placement.queue_stamp_seq');
END
$$;
