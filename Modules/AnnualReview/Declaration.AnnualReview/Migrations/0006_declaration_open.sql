-- Issue 14 (the declaration step): whether a unit may still declare into a year is checked with the declaration's COMMIT, not
-- read before it (one round trip fewer for every declaration). The statement that travels with the COMMIT selects nothing when
-- the year is open; when it is not, it calls this function, which fails the COMMIT with what the refusal needs to be composed
-- (the state, or the window's first and last days, in the message: an error's detail is not passed on to clients that do not ask
-- for it): the host turns it into the clerk's message.
CREATE FUNCTION annual_review.refuse_declaration(state text, opens_on date, closes_on date) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'declaration closed|%|%|%', coalesce(state, ''), to_char(opens_on, 'YYYY-MM-DD'), to_char(closes_on, 'YYYY-MM-DD')
        USING CONSTRAINT = 'annual_review_declaration_open';
END
$$;
