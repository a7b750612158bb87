CREATE TABLE units.unit_workforce (
    unit_id uuid NOT NULL REFERENCES units.unit (id) ON DELETE CASCADE,
    business_year int NOT NULL,
    headcount numeric(12, 2) NOT NULL CHECK (headcount > 0),
    average_annual_wage numeric(14, 2) NOT NULL CHECK (average_annual_wage > 0),
    updated_at timestamptz NOT NULL,
    updated_by text NOT NULL,
    PRIMARY KEY (unit_id, business_year)
);
