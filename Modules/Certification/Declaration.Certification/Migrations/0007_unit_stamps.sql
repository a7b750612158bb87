-- Issue 14: the end of certificate cover kept on each placement (0006) is shown on its unit's home page (the expiry alert), so
-- the statement that moves it also moves those units' stamps in platform.unit_change (the home page's cache is checked against
-- them). Placements themselves are stamped by Placement; only the certificates' effect is Certification's.
CREATE OR REPLACE FUNCTION certification.certificates_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    units uuid[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        WITH changed AS (UPDATE certification.placement SET cert_until = NULL WHERE cert_until IS NOT NULL RETURNING unit_id)
        SELECT array_agg(DISTINCT unit_id) INTO units FROM changed;
        PERFORM platform.touch_units(units);
        RETURN NULL;
    END IF;
    -- Each trigger names its rows changed_rows (the new rows of an insert or update, the old rows of a delete; an update never
    -- changes a certificate's person, which is its key).
    WITH touched AS (
        SELECT DISTINCT id_hash FROM changed_rows
    ), e AS (
        SELECT t.id_hash, (SELECT max(coalesce(c.valid_until, 'infinity'::date)) FROM certification.certificate c
                           WHERE c.id_hash = t.id_hash AND c.revoked_on IS NULL) AS until
        FROM touched t
    ), changed AS (
        UPDATE certification.placement p SET cert_until = e.until
        FROM e WHERE p.id_hash = e.id_hash AND p.cert_until IS DISTINCT FROM e.until
        RETURNING p.unit_id
    )
    SELECT array_agg(DISTINCT unit_id) INTO units FROM changed;
    PERFORM platform.touch_units(units);
    RETURN NULL;
END
$$;
