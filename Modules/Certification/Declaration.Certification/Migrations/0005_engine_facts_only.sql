-- One owner for every placement (issue 10): Placement owns the declared facts, the personal data, the state and the review
-- decisions. Certification keeps of a placement only what the engine needs (blind index, dates, contract, wage, unit, year),
-- whether its result is locked (Placement locks it in the transaction that confirms the placement), and owns the automatic
-- results and the linkage data. Placement's migration 0002 has already taken the review data over from the tables dropped here.

ALTER TABLE certification.placement ADD COLUMN locked boolean NOT NULL DEFAULT false;

-- The result of a placement is locked exactly when its owner says it is confirmed. On a database where the two disagreed
-- (a lost event), Placement's migration 0002 settled the owner's state first.
DO $$
BEGIN
    IF to_regclass('placement.placement') IS NOT NULL THEN
        UPDATE certification.placement c SET locked = true
        WHERE EXISTS (SELECT 1 FROM placement.placement p WHERE p.id = c.id AND p.state = 'Confirmed');
        -- Facts of placements their owner no longer has (a deletion whose event was lost) go.
        DELETE FROM certification.placement c WHERE NOT EXISTS (SELECT 1 FROM placement.placement p WHERE p.id = c.id);
    ELSE
        UPDATE certification.placement SET locked = true WHERE state = 'Confirmed';
    END IF;
END
$$;

DROP INDEX IF EXISTS certification.placement_queue;
DROP TABLE certification.month_decision;
ALTER TABLE certification.placement
    DROP COLUMN id_number_enc, DROP COLUMN masked_id, DROP COLUMN name_enc, DROP COLUMN masked_name,
    DROP COLUMN certificate_type, DROP COLUMN certificate_number_enc,
    DROP COLUMN state, DROP COLUMN disputed_months, DROP COLUMN dispute_reason, DROP COLUMN return_reason,
    DROP COLUMN submitted_at, DROP COLUMN confirmed_at, DROP COLUMN confirmed_person_months;
CREATE INDEX placement_unlocked ON certification.placement (business_year, unit_id) WHERE NOT locked;

-- Each stored result carries a version that grows whenever it is rewritten, so projections apply results in order.
ALTER TABLE certification.placement_months ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- The unit projection applies Units' events in order: the profile by the unit's version, the related units by their own version.
ALTER TABLE certification.unit ADD COLUMN version int NOT NULL DEFAULT 0, ADD COLUMN related_version int NOT NULL DEFAULT 0;
