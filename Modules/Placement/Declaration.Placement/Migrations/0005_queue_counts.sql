-- The review queue's totals (issue 14): counting a city's queue read every waiting placement of the city on every page view
-- (37 ms a view at 100,000 placements, ten times that at a million). The counts per federation, business year, state and flag are
-- kept here by the statements that change placements, in their own transactions (statement triggers with transition tables:
-- an import of 200,000 rows adds one row per key, not one update per row); a unit moving to another federation moves its counts.
CREATE TABLE placement.queue_count (
    federation_code text NOT NULL,
    business_year int NOT NULL,
    state text NOT NULL,
    has_flags boolean NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (federation_code, business_year, state, has_flags)
);

INSERT INTO placement.queue_count (federation_code, business_year, state, has_flags, n)
SELECT u.federation_code, p.business_year, p.state, p.has_flags, count(*)
FROM placement.placement p JOIN placement.unit u ON u.id = p.unit_id
WHERE p.state IN ('AwaitingReview', 'Disputed')
GROUP BY 1, 2, 3, 4;

-- One function for the three events: each trigger names only the transition tables its event has, and the function reads
-- only those (the branch that names the other is never planned for it).
CREATE FUNCTION placement.queue_count_placements() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM placement.queue_count;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO placement.queue_count AS c (federation_code, business_year, state, has_flags, n)
        SELECT u.federation_code, x.business_year, x.state, x.has_flags, count(*)
        FROM new_rows x JOIN placement.unit u ON u.id = x.unit_id
        WHERE x.state IN ('AwaitingReview', 'Disputed')
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (federation_code, business_year, state, has_flags) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO placement.queue_count AS c (federation_code, business_year, state, has_flags, n)
        SELECT u.federation_code, x.business_year, x.state, x.has_flags, -count(*)
        FROM old_rows x JOIN placement.unit u ON u.id = x.unit_id
        WHERE x.state IN ('AwaitingReview', 'Disputed')
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (federation_code, business_year, state, has_flags) DO UPDATE SET n = c.n + excluded.n;
    ELSE
        INSERT INTO placement.queue_count AS c (federation_code, business_year, state, has_flags, n)
        SELECT u.federation_code, x.business_year, x.state, x.has_flags, sum(x.dn)
        FROM (
            SELECT unit_id, business_year, state, has_flags, 1 AS dn FROM new_rows WHERE state IN ('AwaitingReview', 'Disputed')
            UNION ALL
            SELECT unit_id, business_year, state, has_flags, -1 FROM old_rows WHERE state IN ('AwaitingReview', 'Disputed')
        ) x JOIN placement.unit u ON u.id = x.unit_id
        GROUP BY 1, 2, 3, 4 HAVING sum(x.dn) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (federation_code, business_year, state, has_flags) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER queue_count_insert AFTER INSERT ON placement.placement REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION placement.queue_count_placements();
CREATE TRIGGER queue_count_update AFTER UPDATE ON placement.placement REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION placement.queue_count_placements();
CREATE TRIGGER queue_count_delete AFTER DELETE ON placement.placement REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION placement.queue_count_placements();
CREATE TRIGGER queue_count_truncate AFTER TRUNCATE ON placement.placement
    FOR EACH STATEMENT EXECUTE FUNCTION placement.queue_count_placements();

-- A unit's waiting placements count under its federation: when the unit arrives (after its placements), moves to another
-- federation or is removed, its counts follow.
CREATE FUNCTION placement.queue_count_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO placement.queue_count AS c (federation_code, business_year, state, has_flags, n)
        SELECT OLD.federation_code, p.business_year, p.state, p.has_flags, -count(*)
        FROM placement.placement p WHERE p.unit_id = OLD.id AND p.state IN ('AwaitingReview', 'Disputed')
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (federation_code, business_year, state, has_flags) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO placement.queue_count AS c (federation_code, business_year, state, has_flags, n)
        SELECT NEW.federation_code, p.business_year, p.state, p.has_flags, count(*)
        FROM placement.placement p WHERE p.unit_id = NEW.id AND p.state IN ('AwaitingReview', 'Disputed')
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (federation_code, business_year, state, has_flags) DO UPDATE SET n = c.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER queue_count_unit AFTER INSERT OR DELETE ON placement.unit FOR EACH ROW EXECUTE FUNCTION placement.queue_count_unit();
CREATE TRIGGER queue_count_unit_moved AFTER UPDATE OF federation_code ON placement.unit FOR EACH ROW
    WHEN (OLD.federation_code IS DISTINCT FROM NEW.federation_code) EXECUTE FUNCTION placement.queue_count_unit();
