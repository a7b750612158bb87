-- RelatedUnitsChanged carries the full list of a unit's related units; related_version orders those events per unit (it grows,
-- under the unit row's lock, in every transaction that changes the list), so a projection never applies an older list.
ALTER TABLE units.unit ADD COLUMN related_version int NOT NULL DEFAULT 0;
