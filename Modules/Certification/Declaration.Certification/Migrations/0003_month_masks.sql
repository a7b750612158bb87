-- The engine works on 12-bit month masks (bit m-1 = month m) instead of rows or arrays per month, so a result is a handful of
-- integers: one mask a reason code, the VIA_RELATED_UNIT flag, the qualifying months and the months a (severe) certificate
-- covers. month_result stays a view of the former shape (one row a placement and month), so every reader is unchanged.
-- Dirty marks move to a narrow table: marking and clearing a million placements no longer rewrites the wide placement rows.

DROP INDEX certification.placement_dirty;
-- placement_dirty and placement_months hold no foreign key: the engine writes up to a million rows at once, and the per-row key
-- check (which also locks the placement row) would cost more than the certification itself. A trigger removes both rows with
-- the placement instead (what ON DELETE CASCADE did).
CREATE TABLE certification.placement_dirty (
    placement_id uuid PRIMARY KEY
);
INSERT INTO certification.placement_dirty (placement_id) SELECT id FROM certification.placement WHERE dirty;
ALTER TABLE certification.placement DROP COLUMN dirty, DROP COLUMN certified_at;

CREATE TABLE certification.placement_months (
    placement_id uuid PRIMARY KEY,
    qualifies int NOT NULL,             -- months that qualify (weight > 0)
    covered int NOT NULL,               -- months some certificate covers (cover weight ≥ 1)
    severe int NOT NULL,                -- months a severe certificate covers (cover weight 2)
    age_retired int NOT NULL,
    age_under_16 int NOT NULL,
    cert_invalid int NOT NULL,
    cert_none int NOT NULL,
    contract_too_short int NOT NULL,
    duplicate_declaration int NOT NULL,
    not_employed int NOT NULL,
    si_not_paid int NOT NULL,
    wage_below_minimum int NOT NULL,
    via_related_unit int NOT NULL,      -- the flag
    computed_at timestamptz NOT NULL,   -- when this result was last written (it is rewritten only when it changes)
    CHECK ((qualifies | covered | severe | age_retired | age_under_16 | cert_invalid | cert_none | contract_too_short
            | duplicate_declaration | not_employed | si_not_paid | wage_below_minimum | via_related_unit) BETWEEN 0 AND 4095)
);

CREATE FUNCTION certification.placement_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM certification.placement_months WHERE placement_id = OLD.id;
    DELETE FROM certification.placement_dirty WHERE placement_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER placement_deleted AFTER DELETE ON certification.placement FOR EACH ROW EXECUTE FUNCTION certification.placement_deleted();

CREATE FUNCTION certification.mask_of(flags boolean[]) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(sum(1 << (i::int - 1)), 0)::int FROM unnest(flags) WITH ORDINALITY u(f, i) WHERE f $$;
CREATE FUNCTION certification.mask_of(codes text[], code text) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT coalesce(sum(1 << (i::int - 1)), 0)::int FROM unnest(codes) WITH ORDINALITY u(c, i) WHERE code = ANY (string_to_array(c, ',')) $$;

INSERT INTO certification.placement_months
SELECT r.placement_id, certification.mask_of(r.qualifies),
       certification.mask_of(ARRAY(SELECT w >= 1 FROM unnest(r.cover_weight) w)),
       certification.mask_of(ARRAY(SELECT w = 2 FROM unnest(r.cover_weight) w)),
       certification.mask_of(r.reasons, 'AGE_RETIRED'), certification.mask_of(r.reasons, 'AGE_UNDER_16'),
       certification.mask_of(r.reasons, 'CERT_INVALID'), certification.mask_of(r.reasons, 'CERT_NONE'),
       certification.mask_of(r.reasons, 'CONTRACT_TOO_SHORT'), certification.mask_of(r.reasons, 'DUPLICATE_DECLARATION'),
       certification.mask_of(r.reasons, 'NOT_EMPLOYED'), certification.mask_of(r.reasons, 'SI_NOT_PAID'),
       certification.mask_of(r.reasons, 'WAGE_BELOW_MINIMUM'), certification.mask_of(r.flags, 'VIA_RELATED_UNIT'), now()
FROM certification.placement_result r;

DROP FUNCTION certification.mask_of(boolean[]);
DROP FUNCTION certification.mask_of(text[], text);
DROP VIEW certification.month_result;
DROP TABLE certification.placement_result;

-- Reasons in the stable order of RULES.md §3 codes (alphabetical), as before.
CREATE VIEW certification.month_result AS
SELECT r.placement_id, m.month::smallint AS month,
       (r.qualifies >> (m.month - 1)) & 1 = 1 AS qualifies,
       (CASE WHEN (r.qualifies >> (m.month - 1)) & 1 = 0 THEN 0 WHEN (r.severe >> (m.month - 1)) & 1 = 1 THEN 2 ELSE 1 END)::smallint AS weight,
       (CASE WHEN (r.severe >> (m.month - 1)) & 1 = 1 THEN 2 WHEN (r.covered >> (m.month - 1)) & 1 = 1 THEN 1 ELSE 0 END)::smallint AS cover_weight,
       array_remove(ARRAY[
           CASE WHEN (r.age_retired >> (m.month - 1)) & 1 = 1 THEN 'AGE_RETIRED' END,
           CASE WHEN (r.age_under_16 >> (m.month - 1)) & 1 = 1 THEN 'AGE_UNDER_16' END,
           CASE WHEN (r.cert_invalid >> (m.month - 1)) & 1 = 1 THEN 'CERT_INVALID' END,
           CASE WHEN (r.cert_none >> (m.month - 1)) & 1 = 1 THEN 'CERT_NONE' END,
           CASE WHEN (r.contract_too_short >> (m.month - 1)) & 1 = 1 THEN 'CONTRACT_TOO_SHORT' END,
           CASE WHEN (r.duplicate_declaration >> (m.month - 1)) & 1 = 1 THEN 'DUPLICATE_DECLARATION' END,
           CASE WHEN (r.not_employed >> (m.month - 1)) & 1 = 1 THEN 'NOT_EMPLOYED' END,
           CASE WHEN (r.si_not_paid >> (m.month - 1)) & 1 = 1 THEN 'SI_NOT_PAID' END,
           CASE WHEN (r.wage_below_minimum >> (m.month - 1)) & 1 = 1 THEN 'WAGE_BELOW_MINIMUM' END], NULL) AS reasons,
       array_remove(ARRAY[CASE WHEN (r.via_related_unit >> (m.month - 1)) & 1 = 1 THEN 'VIA_RELATED_UNIT' END], NULL) AS flags
FROM certification.placement_months r
CROSS JOIN generate_series(1, 12) AS m(month);

