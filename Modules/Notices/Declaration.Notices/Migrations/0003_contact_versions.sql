-- The contact projection applies UnitProfileChanged in the unit's version order (issue 10), not by the time it says it occurred.
ALTER TABLE notices.unit_contact ADD COLUMN version int NOT NULL DEFAULT 0;
