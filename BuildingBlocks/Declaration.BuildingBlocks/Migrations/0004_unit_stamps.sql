-- Owned by BuildingBlocks: a stamp per unit that says whether a page built from the unit's data is still current (issue 14: the
-- home page and the placement list are served from a per-host cache, checked on every request against this one row).
-- Every module moves the stamp of each unit its statements change, in the changing transaction (statement triggers with
-- transition tables, in each module's own migrations): a reader sees a new stamp only together with the new data, on every host.
-- The row of the nil unit stands for what every unit's pages show (declaration windows, levy parameters).
-- Stamps come from one sequence that nothing resets, so a stamp never repeats — not after a TRUNCATE of this table either
-- (a missing row is re-created with a new stamp by the reader).
CREATE SEQUENCE platform.unit_stamp_seq;

CREATE TABLE platform.unit_stamp (
    unit_id uuid PRIMARY KEY,
    stamp bigint NOT NULL
);

INSERT INTO platform.unit_stamp (unit_id, stamp) VALUES ('00000000-0000-0000-0000-000000000000', nextval('platform.unit_stamp_seq'));

-- Moves the stamps of the given units (in key order: two statements touching the same units lock them in the same order). The new
-- stamp is drawn once the row is locked, so a unit's stamp only ever grows.
CREATE FUNCTION platform.touch_units(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO platform.unit_stamp AS s (unit_id, stamp)
    SELECT u, nextval('platform.unit_stamp_seq') FROM (SELECT DISTINCT u FROM unnest(ids) AS u WHERE u IS NOT NULL ORDER BY u) x
    ON CONFLICT (unit_id) DO UPDATE SET stamp = nextval('platform.unit_stamp_seq');
$$;

-- A statement trigger for a table whose rows belong to a unit: its argument names the unit's column (unit_id by default; id for a
-- table of units). INSERT names its rows new_rows, DELETE old_rows, UPDATE both (a row moved to another unit changes both).
-- TRUNCATE has no rows: every unit's stamp moves.
CREATE FUNCTION platform.unit_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    unit_column text := coalesce(TG_ARGV[0], 'unit_id');
    ids uuid[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE platform.unit_stamp SET stamp = nextval('platform.unit_stamp_seq');
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT array_agg(%I) FROM new_rows', unit_column) INTO ids;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT array_agg(%I) FROM old_rows', unit_column) INTO ids;
    ELSE
        EXECUTE format('SELECT array_agg(u) FROM (SELECT %1$I AS u FROM new_rows UNION SELECT %1$I FROM old_rows) x', unit_column) INTO ids;
    END IF;
    PERFORM platform.touch_units(ids);
    RETURN NULL;
END
$$;

-- Puts a statement trigger function on a table for each of INSERT, UPDATE, DELETE (with the transition tables new_rows and
-- old_rows the event has) and TRUNCATE, the triggers named <name>_insert, … (a module's migrations call it for its own tables).
CREATE FUNCTION platform.add_statement_triggers(tbl regclass, name text, fn text, arg text DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    call text := format('%s(%s)', fn, coalesce(quote_literal(arg), ''));
BEGIN
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %s',
                   name || '_insert', tbl, call);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %s REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %s',
                   name || '_update', tbl, call);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %s REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %s',
                   name || '_delete', tbl, call);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION %s', name || '_truncate', tbl, call);
END
$$;

-- A statement trigger for what every unit's pages show: the nil unit's stamp moves.
CREATE FUNCTION platform.every_unit_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM platform.touch_units(ARRAY['00000000-0000-0000-0000-000000000000'::uuid]);
    RETURN NULL;
END
$$;
