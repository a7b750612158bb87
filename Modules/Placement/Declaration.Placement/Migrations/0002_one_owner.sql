-- One owner for every placement (issue 10). Placement is the only module that stores a placement's declared facts, its personal
-- data, its state and the reviewer's decisions; the review (queue, month decisions, confirm, return) moves here from
-- Certification, which keeps only what its engine needs. This script takes the review data over from Certification's tables on
-- a database that has them (Certification's migration 0005 drops them afterwards); on a new database there is nothing to move.

-- The reviewer's decision on one month (RULES.md §5).
CREATE TABLE placement.month_decision (
    placement_id uuid NOT NULL REFERENCES placement.placement (id) ON DELETE CASCADE,
    month smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
    granted boolean NOT NULL,
    comment text NOT NULL,
    decided_by text NOT NULL,
    decided_at timestamptz NOT NULL,
    PRIMARY KEY (placement_id, month)
);

ALTER TABLE placement.placement
    -- The confirmation: final months = the automatic result overridden by the decisions, frozen when the reviewer confirmed.
    ADD COLUMN confirmed_at timestamptz,
    ADD COLUMN confirmed_by text,
    ADD COLUMN confirmed_person_months int,
    ADD COLUMN confirmed_qualifying_months int,
    -- Our projection of Certification's automatic result (the review queue filters and counts on it): set from the reply to
    -- CertifyPlacement in our own transaction, and from CertificationResultChanged, applied only when result_version is newer.
    ADD COLUMN result_version bigint NOT NULL DEFAULT 0,
    ADD COLUMN qualifying_months int NOT NULL DEFAULT 0,
    ADD COLUMN person_months int NOT NULL DEFAULT 0,
    ADD COLUMN has_flags boolean NOT NULL DEFAULT false,
    ADD COLUMN all_clean boolean NOT NULL DEFAULT false;

CREATE INDEX placement_queue ON placement.placement (business_year, submitted_at) WHERE state IN ('AwaitingReview', 'Disputed');

-- Our projection of Units' facts the review queue needs (jurisdiction, search by unit name): fed by UnitProfileChanged, refreshed
-- when a placement is declared; an older version never overwrites a newer one.
CREATE TABLE placement.unit (
    id uuid PRIMARY KEY,
    credit_code text NOT NULL,
    name text NOT NULL,
    federation_code text NOT NULL,
    version int NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX unit_federation ON placement.unit (federation_code text_pattern_ops);

DO $$
BEGIN
    IF to_regclass('certification.month_decision') IS NULL THEN RETURN; END IF;

    INSERT INTO placement.month_decision (placement_id, month, granted, comment, decided_by, decided_at)
    SELECT d.placement_id, d.month, d.granted, d.comment, d.decided_by, d.decided_at
    FROM certification.month_decision d JOIN placement.placement p ON p.id = d.placement_id;

    INSERT INTO placement.unit (id, credit_code, name, federation_code, version, updated_at)
    SELECT id, credit_code, name, federation_code, 0, updated_at FROM certification.unit;

    -- Where the two copies of the state disagreed because Certification's decision never reached us, the reviewer's decision
    -- on a placement still waiting for review stands; any later act of the unit (an edit, a deletion) stands over it.
    UPDATE placement.placement p SET state = c.state, return_reason = CASE WHEN c.state = 'Returned' THEN c.return_reason ELSE p.return_reason END,
        version = p.version + 1
    FROM certification.placement c
    WHERE c.id = p.id AND p.state IN ('AwaitingReview', 'Disputed') AND c.state IN ('Confirmed', 'Returned');

    UPDATE placement.placement p SET confirmed_at = coalesce(c.confirmed_at, p.updated_at), confirmed_person_months = c.confirmed_person_months
    FROM certification.placement c
    WHERE c.id = p.id AND p.state = 'Confirmed';

    IF to_regclass('certification.placement_months') IS NULL THEN RETURN; END IF;
    UPDATE placement.placement p
    SET qualifying_months = bit_count(m.qualifies::bit(12))::int,
        person_months = (bit_count(m.qualifies::bit(12)) + bit_count((m.qualifies & m.severe)::bit(12)))::int,
        has_flags = m.via_related_unit <> 0,
        all_clean = m.qualifies = 4095 AND m.via_related_unit = 0,
        result_version = 1
    FROM certification.placement_months m
    WHERE m.placement_id = p.id;

    -- Confirmed months after the decisions (a granted month weighs its certificate cover, at least 1; a denied one 0).
    UPDATE placement.placement p
    SET confirmed_qualifying_months = f.qualifying, confirmed_person_months = coalesce(p.confirmed_person_months, f.person_months)
    FROM (
        SELECT r.placement_id,
               count(*) FILTER (WHERE CASE WHEN d.granted IS NULL THEN r.weight WHEN d.granted THEN greatest(r.cover_weight, 1) ELSE 0 END > 0)::int AS qualifying,
               sum(CASE WHEN d.granted IS NULL THEN r.weight WHEN d.granted THEN greatest(r.cover_weight, 1) ELSE 0 END)::int AS person_months
        FROM certification.month_result r
        LEFT JOIN placement.month_decision d ON d.placement_id = r.placement_id AND d.month = r.month
        GROUP BY r.placement_id
    ) f
    WHERE f.placement_id = p.id AND p.state = 'Confirmed';

END
$$;

-- Unit-years unlocked by an approved reopen are AnnualReview's to say (CheckDeclarationOpen), not a copy kept here by events.
DROP TABLE placement.unlocked_year;
