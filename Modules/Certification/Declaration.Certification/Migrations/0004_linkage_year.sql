-- The linkage data a year at a time: one row per person, year and payer with the months of paid pension, the months with a
-- wage record, and that wage per month in cents (w1..w12; 0 where wage_months says there is none). Kept by the imports in the
-- same transaction as the rows they summarise, so certification reads about one row a placement instead of two dozen.
-- (Twelve columns rather than an array: the engine compares every month of a million rows, and array subscripts copy the array.)
CREATE TABLE certification.linkage_year (
    id_hash bytea NOT NULL,
    year int NOT NULL,
    payer_credit_code text NOT NULL,
    pension_paid int NOT NULL DEFAULT 0,
    wage_months int NOT NULL DEFAULT 0,
    w1 bigint NOT NULL DEFAULT 0, w2 bigint NOT NULL DEFAULT 0, w3 bigint NOT NULL DEFAULT 0,
    w4 bigint NOT NULL DEFAULT 0, w5 bigint NOT NULL DEFAULT 0, w6 bigint NOT NULL DEFAULT 0,
    w7 bigint NOT NULL DEFAULT 0, w8 bigint NOT NULL DEFAULT 0, w9 bigint NOT NULL DEFAULT 0,
    w10 bigint NOT NULL DEFAULT 0, w11 bigint NOT NULL DEFAULT 0, w12 bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (id_hash, year, payer_credit_code)
);

INSERT INTO certification.linkage_year (id_hash, year, payer_credit_code, pension_paid, wage_months, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12)
SELECT x.id_hash, x.year, x.payer, coalesce(bit_or(x.paid), 0), coalesce(bit_or(x.wage), 0),
       coalesce(max(x.cents) FILTER (WHERE x.m = 1), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 2), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 3), 0),
       coalesce(max(x.cents) FILTER (WHERE x.m = 4), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 5), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 6), 0),
       coalesce(max(x.cents) FILTER (WHERE x.m = 7), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 8), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 9), 0),
       coalesce(max(x.cents) FILTER (WHERE x.m = 10), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 11), 0), coalesce(max(x.cents) FILTER (WHERE x.m = 12), 0)
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
