-- The linkage data a year at a time: one row per person, year and payer with the months of paid pension, the months with a
-- wage record and those wages (cents, index = month, NULL where none). Kept by the imports in the same transaction as the rows
-- they summarise, so certification reads about one row a placement instead of two dozen.
CREATE TABLE certification.linkage_year (
    id_hash bytea NOT NULL,
    year int NOT NULL,
    payer_credit_code text NOT NULL,
    pension_paid int NOT NULL DEFAULT 0,
    wage_months int NOT NULL DEFAULT 0,
    wage_cents bigint[] NOT NULL DEFAULT '{NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL}',
    PRIMARY KEY (id_hash, year, payer_credit_code),
    CHECK (cardinality(wage_cents) = 12)
);

INSERT INTO certification.linkage_year (id_hash, year, payer_credit_code, pension_paid, wage_months, wage_cents)
SELECT x.id_hash, x.year, x.payer, coalesce(bit_or(x.paid), 0), coalesce(bit_or(x.wage), 0),
       ARRAY[max(x.cents) FILTER (WHERE x.m = 1), max(x.cents) FILTER (WHERE x.m = 2), max(x.cents) FILTER (WHERE x.m = 3),
             max(x.cents) FILTER (WHERE x.m = 4), max(x.cents) FILTER (WHERE x.m = 5), max(x.cents) FILTER (WHERE x.m = 6),
             max(x.cents) FILTER (WHERE x.m = 7), max(x.cents) FILTER (WHERE x.m = 8), max(x.cents) FILTER (WHERE x.m = 9),
             max(x.cents) FILTER (WHERE x.m = 10), max(x.cents) FILTER (WHERE x.m = 11), max(x.cents) FILTER (WHERE x.m = 12)]
FROM (
    SELECT id_hash, payer_credit_code AS payer, date_part('year', month)::int AS year, date_part('month', month)::int AS m,
           1 << (date_part('month', month)::int - 1) AS paid, NULL::int AS wage, NULL::bigint AS cents
    FROM certification.social_insurance
    WHERE insurance_type = 'pension' AND paid
    UNION ALL
    SELECT id_hash, payer_credit_code, date_part('year', month)::int, date_part('month', month)::int,
           NULL, 1 << (date_part('month', month)::int - 1), (gross_wage * 100)::bigint
    FROM certification.wage
) x
GROUP BY x.id_hash, x.year, x.payer;
