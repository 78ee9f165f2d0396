-- What the console needs beyond the first index: who signed each transaction (the auditor's provenance),
-- the queue's other sort orders and searches, and each person's saved views of the queue.

-- The creator of each indexed transaction as its block records it (null where the change stream did not say).
ALTER TABLE indexed_transactions ADD COLUMN creator_msp_id text;
ALTER TABLE indexed_transactions ADD COLUMN creator_subject text;
ALTER TABLE indexed_transactions ADD COLUMN creator_issuer text;

-- Keyset pagination for each sort of the queue (age has open_breaks_age, reason and status their own).
CREATE INDEX open_breaks_updated ON open_breaks (updated_at, break_id);
CREATE INDEX open_breaks_assignee_age ON open_breaks (assignee_name, opened_at, break_id);
CREATE INDEX open_breaks_case ON open_breaks (case_id);

-- Search by the beginning of an own leg's payment reference (the node knows its own references).
CREATE INDEX own_legs_reference_prefix ON own_legs (msp_id, reference text_pattern_ops);

-- A person's named queue filters and sort: per institution and enrolment id, never shared.
CREATE TABLE saved_views (
  msp_id        text        NOT NULL,
  enrollment_id text        NOT NULL,
  name          text        NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
  query         jsonb       NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (msp_id, enrollment_id, name)
);
