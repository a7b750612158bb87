-- The automatic result of a placement's 12 months in one row (index 1..12 = month): one row written a placement instead of 12.
-- reasons/flags hold each month's codes comma-joined ('' for none). month_result becomes a view with the former shape
-- (one row per placement and month), so every reader keeps reading it unchanged; only the engine writes placement_result.
CREATE TABLE certification.placement_result (
    placement_id uuid PRIMARY KEY REFERENCES certification.placement (id) ON DELETE CASCADE,
    qualifies boolean[] NOT NULL,
    weight smallint[] NOT NULL,
    cover_weight smallint[] NOT NULL,
    reasons text[] NOT NULL,
    flags text[] NOT NULL,
    CHECK (cardinality(qualifies) = 12 AND cardinality(weight) = 12 AND cardinality(cover_weight) = 12
           AND cardinality(reasons) = 12 AND cardinality(flags) = 12)
);

INSERT INTO certification.placement_result (placement_id, qualifies, weight, cover_weight, reasons, flags)
SELECT placement_id, array_agg(qualifies ORDER BY month), array_agg(weight ORDER BY month), array_agg(cover_weight ORDER BY month),
       array_agg(array_to_string(reasons, ',') ORDER BY month), array_agg(array_to_string(flags, ',') ORDER BY month)
FROM certification.month_result
GROUP BY placement_id
HAVING count(*) = 12;

DROP TABLE certification.month_result;

CREATE VIEW certification.month_result AS
SELECT r.placement_id, m.month::smallint AS month, r.qualifies[m.month] AS qualifies, r.weight[m.month] AS weight,
       r.cover_weight[m.month] AS cover_weight,
       string_to_array(r.reasons[m.month], ',') AS reasons, string_to_array(r.flags[m.month], ',') AS flags
FROM certification.placement_result r
CROSS JOIN generate_series(1, 12) AS m(month);
