-- Issue 14 (the declaration step): placement_unit_year (unit_id, business_year) repeats the leading columns of the person key
-- UNIQUE (unit_id, business_year, id_number_index), which serves every lookup by unit and year as well; each new placement wrote
-- both.
DROP INDEX IF EXISTS placement.placement_unit_year;
