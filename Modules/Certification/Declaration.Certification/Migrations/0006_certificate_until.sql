-- The end of each placement's person's certificate cover (issue 14): the latest valid_until of the person's unrevoked certificates
-- ('infinity' when one never ends, NULL when the person has none), kept on the placement so the home page's expiry alert reads one
-- unit's placements by index instead of looking up every placement's certificates on every view. Kept by the database itself:
-- a placement takes it when inserted (or when its person changes), and every statement that changes certificates recomputes it for
-- the persons it touched, in its own transaction — imports, corrections and tests alike.
ALTER TABLE certification.placement ADD COLUMN cert_until date;

UPDATE certification.placement p SET cert_until = e.until
FROM (SELECT c.id_hash, max(coalesce(c.valid_until, 'infinity'::date)) AS until
      FROM certification.certificate c WHERE c.revoked_on IS NULL GROUP BY c.id_hash) e
WHERE e.id_hash = p.id_hash;

CREATE FUNCTION certification.placement_cert_until() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.cert_until := (SELECT max(coalesce(c.valid_until, 'infinity'::date)) FROM certification.certificate c
                       WHERE c.id_hash = NEW.id_hash AND c.revoked_on IS NULL);
    RETURN NEW;
END
$$;
CREATE TRIGGER placement_cert_until_insert BEFORE INSERT ON certification.placement
    FOR EACH ROW EXECUTE FUNCTION certification.placement_cert_until();
CREATE TRIGGER placement_cert_until_person BEFORE UPDATE OF id_hash ON certification.placement
    FOR EACH ROW WHEN (OLD.id_hash IS DISTINCT FROM NEW.id_hash) EXECUTE FUNCTION certification.placement_cert_until();

CREATE FUNCTION certification.certificates_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE certification.placement SET cert_until = NULL WHERE cert_until IS NOT NULL;
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
    )
    UPDATE certification.placement p SET cert_until = e.until
    FROM e WHERE p.id_hash = e.id_hash AND p.cert_until IS DISTINCT FROM e.until;
    RETURN NULL;
END
$$;
CREATE TRIGGER certificates_inserted AFTER INSERT ON certification.certificate REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION certification.certificates_changed();
CREATE TRIGGER certificates_updated AFTER UPDATE ON certification.certificate REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION certification.certificates_changed();
CREATE TRIGGER certificates_deleted AFTER DELETE ON certification.certificate REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION certification.certificates_changed();
CREATE TRIGGER certificates_truncated AFTER TRUNCATE ON certification.certificate
    FOR EACH STATEMENT EXECUTE FUNCTION certification.certificates_changed();
