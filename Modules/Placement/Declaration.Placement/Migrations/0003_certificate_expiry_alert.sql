-- Certificate-expiry alerts (issue 11): one row per unit, person (blind index) and expiry date that has been announced, so each is
-- texted once, whichever host runs the daily job and however often.
CREATE TABLE placement.certificate_expiry_alert (
    unit_id uuid NOT NULL,
    id_number_index bytea NOT NULL,
    valid_until date NOT NULL,
    placement_id uuid NOT NULL,
    event_id uuid NOT NULL,
    alerted_at timestamptz NOT NULL,
    PRIMARY KEY (unit_id, id_number_index, valid_until)
);
