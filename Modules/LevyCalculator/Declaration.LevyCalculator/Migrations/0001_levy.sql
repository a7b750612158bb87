-- Policy parameters of the levy (RULES.md §7) per business year and region (a 6-digit code read as a prefix:
-- 330000 → "33", 330100 → "3301"); the most specific row of the year wins.
CREATE TABLE levy.parameter (
    id serial PRIMARY KEY,
    business_year int NOT NULL CHECK (business_year BETWEEN 2000 AND 2100),
    region_code char(6) NOT NULL CHECK (region_code ~ '^[0-9]{6}$'),
    quota_ratio numeric(9, 6) NOT NULL CHECK (quota_ratio > 0 AND quota_ratio < 1),
    local_average_wage numeric(14, 2) CHECK (local_average_wage > 0),
    cap_multiple numeric(6, 2) NOT NULL CHECK (cap_multiple > 0),
    cap_from_year int NOT NULL,
    exemption_threshold numeric(12, 2) CHECK (exemption_threshold >= 0),
    exemption_from_year int,
    exemption_to_year int,
    tier_from_year int,
    tier_to_year int,
    tier_ratio_threshold numeric(9, 6) NOT NULL CHECK (tier_ratio_threshold >= 0 AND tier_ratio_threshold < 1),
    tier_share_at_or_above numeric(5, 4) NOT NULL CHECK (tier_share_at_or_above >= 0 AND tier_share_at_or_above <= 1),
    tier_share_below numeric(5, 4) NOT NULL CHECK (tier_share_below >= 0 AND tier_share_below <= 1),
    version int NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT '系统',
    CONSTRAINT parameter_year_region UNIQUE (business_year, region_code),
    CONSTRAINT parameter_exemption_years CHECK (exemption_to_year IS NULL OR exemption_from_year IS NULL OR exemption_to_year >= exemption_from_year),
    CONSTRAINT parameter_tier_years CHECK (tier_to_year IS NULL OR tier_from_year IS NULL OR tier_to_year >= tier_from_year)
);
