-- The review queue (issue 14): a reviewer's queue pages are kept by each host and served again while the stamps of the
-- federations they cover are unchanged. Every statement that changes a placement in the queue (or entering or leaving it), or a
-- unit's name, credit code or federation, moves the stamp of each federation concerned, in its own transaction; a reader sees a
-- new stamp only together with the new data, on every host. Stamps come from a sequence nothing resets (never repeated).
CREATE SEQUENCE placement.queue_stamp_seq;

CREATE TABLE placement.queue_stamp (
    federation_code text PRIMARY KEY,
    stamp bigint NOT NULL
);

-- The new stamp is drawn once the row is locked: a federation's stamp only ever grows, so the sum over the federations a reviewer
-- covers moves whenever one of them does.
CREATE FUNCTION placement.touch_queues(codes text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO placement.queue_stamp AS s (federation_code, stamp)
    SELECT f, nextval('placement.queue_stamp_seq') FROM (SELECT DISTINCT f FROM unnest(codes) AS f WHERE f IS NOT NULL ORDER BY f) x
    ON CONFLICT (federation_code) DO UPDATE SET stamp = nextval('placement.queue_stamp_seq');
$$;

-- Placements: the rows in the queue before or after the statement (INSERT names its rows new_rows, DELETE old_rows, UPDATE both).
CREATE FUNCTION placement.queue_stamps_placements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE placement.queue_stamp SET stamp = nextval('placement.queue_stamp_seq');
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM placement.touch_queues(ARRAY(
            SELECT u.federation_code FROM placement.unit u
            WHERE u.id IN (SELECT unit_id FROM new_rows WHERE state IN ('AwaitingReview', 'Disputed'))));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM placement.touch_queues(ARRAY(
            SELECT u.federation_code FROM placement.unit u
            WHERE u.id IN (SELECT unit_id FROM old_rows WHERE state IN ('AwaitingReview', 'Disputed'))));
    ELSE
        PERFORM placement.touch_queues(ARRAY(
            SELECT u.federation_code FROM placement.unit u
            WHERE u.id IN (SELECT unit_id FROM new_rows WHERE state IN ('AwaitingReview', 'Disputed')
                           UNION SELECT unit_id FROM old_rows WHERE state IN ('AwaitingReview', 'Disputed'))));
    END IF;
    RETURN NULL;
END
$$;

SELECT platform.add_statement_triggers('placement.placement', 'queue_stamp', 'placement.queue_stamps_placements');

-- Units (rare changes): the federations a unit is in before and after, whatever changed.
CREATE FUNCTION placement.queue_stamps_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE placement.queue_stamp SET stamp = nextval('placement.queue_stamp_seq');
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM placement.touch_queues(ARRAY(SELECT federation_code FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM placement.touch_queues(ARRAY(SELECT federation_code FROM old_rows));
    ELSE
        PERFORM placement.touch_queues(ARRAY(SELECT federation_code FROM new_rows UNION SELECT federation_code FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;

SELECT platform.add_statement_triggers('placement.unit', 'queue_stamp', 'placement.queue_stamps_units');

-- Every federation that has a queue today starts with a stamp.
SELECT placement.touch_queues(ARRAY(SELECT DISTINCT federation_code FROM placement.unit));
