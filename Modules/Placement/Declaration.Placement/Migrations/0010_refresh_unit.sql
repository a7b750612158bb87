-- Issue 14 (the declaration step): our copy of a unit refreshed by one call that writes only when the stored row is behind. A
-- declaration queues it with its COMMIT (the round trip that read the copy first is gone); an upsert proposing nothing would
-- still fire the table's statement triggers (unit and queue stamps) and lock the row, so the check comes first, in the function.
CREATE FUNCTION placement.refresh_unit(unit uuid, code text, unit_name text, federation text, unit_version int, at timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- The stored row is newer than, or the same as, the one proposed: nothing to do.
    IF EXISTS (SELECT 1 FROM placement.unit s WHERE s.id = unit AND (s.version > unit_version
               OR (s.credit_code, s.name, s.federation_code, s.version) IS NOT DISTINCT FROM (code, unit_name, federation, unit_version))) THEN
        RETURN;
    END IF;
    INSERT INTO placement.unit AS u (id, credit_code, name, federation_code, version, updated_at)
    VALUES (unit, code, unit_name, federation, unit_version, at)
    ON CONFLICT (id) DO UPDATE SET credit_code = EXCLUDED.credit_code, name = EXCLUDED.name, federation_code = EXCLUDED.federation_code,
        version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
    WHERE u.version <= EXCLUDED.version
      AND (u.credit_code, u.name, u.federation_code, u.version) IS DISTINCT FROM (EXCLUDED.credit_code, EXCLUDED.name, EXCLUDED.federation_code, EXCLUDED.version);
END
$$;
