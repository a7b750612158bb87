-- Owned by BuildingBlocks: what a unit's pages show is stamped (issue 14: the home page and the placement list are served from a
-- per-host cache, checked on every request against the unit's stamp). Every module adds a row here for each unit its statements
-- change, in the changing transaction (statement triggers with transition tables, in each module's own migrations), so a reader
-- sees a new stamp only together with the new data, on every host. The unit's stamp is the sum of its rows' n.
-- Rows are only added (never updated), so concurrent writers of one unit never wait for each other here — an updated stamp row
-- would hold every other declaration of the unit until the first one commits. Each row's n is a fresh sequence value, so every
-- committed change makes the sum grow, whatever order transactions commit in; compaction (platform.compact_unit_changes, run
-- hourly) replaces a unit's rows by one row of the same sum. The rows of the nil unit stand for what every unit's pages show
-- (declaration windows, levy parameters).
CREATE SEQUENCE platform.unit_change_seq;

CREATE TABLE platform.unit_change (
    unit_id uuid NOT NULL,
    n numeric NOT NULL
);
CREATE INDEX unit_change_unit ON platform.unit_change (unit_id) INCLUDE (n);

INSERT INTO platform.unit_change (unit_id, n) VALUES ('00000000-0000-0000-0000-000000000000', nextval('platform.unit_change_seq'));

-- Moves the stamps of the given units.
CREATE FUNCTION platform.touch_units(ids uuid[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO platform.unit_change (unit_id, n)
    SELECT u, nextval('platform.unit_change_seq') FROM (SELECT DISTINCT u FROM unnest(ids) AS u WHERE u IS NOT NULL) x;
$$;

-- Moves every unit's stamp (after a TRUNCATE: no rows to say which). A unit is stamped from its first page view on (the reader adds
-- its first row), so every unit a host may hold a page of has a row here.
CREATE FUNCTION platform.touch_all_units() RETURNS void LANGUAGE sql AS $$
    INSERT INTO platform.unit_change (unit_id, n)
    SELECT u, nextval('platform.unit_change_seq') FROM (SELECT DISTINCT unit_id AS u FROM platform.unit_change) x;
$$;

-- One row per unit of the same sum (readers see the rows before or after, never a mix: the sums are equal). Returns the rows removed.
CREATE FUNCTION platform.compact_unit_changes() RETURNS bigint LANGUAGE sql AS $$
    WITH many AS (
        SELECT unit_id FROM platform.unit_change GROUP BY unit_id HAVING count(*) > 1
    ), gone AS (
        DELETE FROM platform.unit_change c USING many WHERE c.unit_id = many.unit_id RETURNING c.unit_id, c.n
    ), kept AS (
        INSERT INTO platform.unit_change (unit_id, n) SELECT unit_id, sum(n) FROM gone GROUP BY unit_id RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM kept);
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
        PERFORM platform.touch_all_units();
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

-- A statement trigger for what every unit's pages show: the nil unit's stamp moves when the statement changed a row (a statement
-- that matches none — a poll for due notices — moves nothing, or every page of every unit would be read again at each poll).
-- (Each branch names only the transition table its event has: an expression naming the other is planned and fails.)
CREATE FUNCTION platform.every_unit_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        changed := true;
    ELSIF TG_OP = 'DELETE' THEN
        changed := EXISTS (SELECT 1 FROM old_rows);
    ELSE
        changed := EXISTS (SELECT 1 FROM new_rows);
    END IF;
    IF changed THEN
        PERFORM platform.touch_units(ARRAY['00000000-0000-0000-0000-000000000000'::uuid]);
    END IF;
    RETURN NULL;
END
$$;
