-- Issue 14 (the declaration step): MinimumWage(region, m) for the twelve months of a business year (RULES.md: the most specific
-- region row — the region itself, its city, its province — then the latest effective_from on or before the 1st of m), in one pass
-- over the few candidate rows. The engine called it as twelve sorted lookups per region and year: half of the time of certifying
-- one person, and a dozen plan nodes started at every declaration.
CREATE FUNCTION certification.monthly_minimums(region text, business_year int) RETURNS numeric[] LANGUAGE plpgsql STABLE AS $$
DECLARE
    minimums numeric[] := array_fill(NULL::numeric, ARRAY[12]);
    w record;
BEGIN
    -- Least preferred first (the province, the city, the region itself; within each, older before newer): each row sets the months
    -- from the first one whose 1st it is in force on, so the row left in a month is the one the rule picks.
    FOR w IN
        SELECT CASE WHEN m.effective_from <= make_date(business_year, 1, 1) THEN 1
                    ELSE date_part('month', m.effective_from)::int + (date_part('day', m.effective_from) > 1)::int END AS first_month,
               m.monthly_minimum
        FROM certification.minimum_wage m
        WHERE m.region_code IN (region, left(region, 4) || '00', left(region, 2) || '0000')
          AND m.effective_from <= make_date(business_year, 12, 1)
        ORDER BY CASE m.region_code WHEN region THEN 3 WHEN left(region, 4) || '00' THEN 2 ELSE 1 END, m.effective_from
    LOOP
        FOR month IN w.first_month .. 12 LOOP
            minimums[month] := w.monthly_minimum;
        END LOOP;
    END LOOP;
    RETURN minimums;
END
$$;
