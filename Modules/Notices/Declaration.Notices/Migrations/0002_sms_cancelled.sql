-- A notice's texts remember the notice, so withdrawing it cancels the ones not yet sent.
ALTER TABLE notices.sms_message ADD COLUMN notice_id uuid;
ALTER TABLE notices.sms_message DROP CONSTRAINT sms_message_status_check;
ALTER TABLE notices.sms_message ADD CONSTRAINT sms_message_status_check CHECK (status IN ('pending', 'sent', 'failed', 'cancelled'));
CREATE INDEX sms_message_notice ON notices.sms_message (notice_id) WHERE status = 'pending';
