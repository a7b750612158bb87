-- Certificate numbers: ZJ + business year + the unit's federation code + a sequence (unique across years).
CREATE SEQUENCE annual_review.certificate_seq;
