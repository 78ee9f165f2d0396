-- The triage queue: each break of the institution with the facts of its own leg in the case (amount, currency,
-- value date, reference: the node holds its own legs in plaintext) and the other parties, so the queue can show,
-- filter and sort by them from an index; and the institution's closed breaks with their resolution, which the
-- work queue (open_breaks) lets go of. The own-leg facts are null while the case has no own leg (a leg missing
-- at this institution) or its plaintext is not indexed yet; readModel/write/queueFacts.ts fills them in.

ALTER TABLE open_breaks ADD COLUMN counterparties text[] NOT NULL DEFAULT '{}';
ALTER TABLE open_breaks ADD COLUMN amount_minor NUMERIC(20,0);
ALTER TABLE open_breaks ADD COLUMN currency text;
ALTER TABLE open_breaks ADD COLUMN value_date date;
ALTER TABLE open_breaks ADD COLUMN own_reference text;

-- The institution's resolved breaks: the same columns, the resolution, and when it closed (updated_at).
CREATE TABLE closed_breaks (
  break_id        text          PRIMARY KEY REFERENCES breaks (break_id),
  case_id         text          NOT NULL,
  reason          text          NOT NULL,
  status          text          NOT NULL,
  resolution      text,
  opened_at       timestamptz   NOT NULL,
  updated_at      timestamptz   NOT NULL,
  assignee_msp_id text,
  assignee_name   text,
  counterparties  text[]        NOT NULL DEFAULT '{}',
  amount_minor    NUMERIC(20,0),
  currency        text,
  value_date      date,
  own_reference   text
);

-- Each new sort pages along its own index in both tables (a missing own-leg fact sorts as -1, '' or year 1,
-- the same expression in the index and in ORDER BY). The closed breaks also get the first indexes' sorts.
CREATE INDEX open_breaks_amount ON open_breaks ((COALESCE(amount_minor, -1)), opened_at, break_id);
CREATE INDEX open_breaks_currency ON open_breaks ((COALESCE(currency, '')), opened_at, break_id);
CREATE INDEX open_breaks_value_date ON open_breaks ((COALESCE(value_date, date '0001-01-01')), opened_at, break_id);
CREATE INDEX open_breaks_counterparties ON open_breaks (counterparties, opened_at, break_id);
CREATE INDEX open_breaks_own_reference ON open_breaks ((COALESCE(own_reference, '')), opened_at, break_id);
CREATE INDEX closed_breaks_age ON closed_breaks (opened_at, break_id);
CREATE INDEX closed_breaks_updated ON closed_breaks (updated_at, break_id);
CREATE INDEX closed_breaks_reason_age ON closed_breaks (reason, opened_at, break_id);
CREATE INDEX closed_breaks_status_age ON closed_breaks (status, opened_at, break_id);
CREATE INDEX closed_breaks_case ON closed_breaks (case_id);
CREATE INDEX closed_breaks_break_id_prefix ON closed_breaks (break_id text_pattern_ops);
CREATE INDEX closed_breaks_amount ON closed_breaks ((COALESCE(amount_minor, -1)), opened_at, break_id);
CREATE INDEX closed_breaks_currency ON closed_breaks ((COALESCE(currency, '')), opened_at, break_id);
CREATE INDEX closed_breaks_value_date ON closed_breaks ((COALESCE(value_date, date '0001-01-01')), opened_at, break_id);
CREATE INDEX closed_breaks_counterparties ON closed_breaks (counterparties, opened_at, break_id);
CREATE INDEX closed_breaks_own_reference ON closed_breaks ((COALESCE(own_reference, '')), opened_at, break_id);
-- A filter by currency reads the currency sort's index (`COALESCE(currency, '') = …`); by counterparty, these.
CREATE INDEX open_breaks_counterparties_filter ON open_breaks USING gin (counterparties);
CREATE INDEX closed_breaks_counterparties_filter ON closed_breaks USING gin (counterparties);

-- An index built before this migration: the closed breaks and every row's facts, from what it already holds.
INSERT INTO closed_breaks (break_id, case_id, reason, status, resolution, opened_at, updated_at, assignee_msp_id,
                           assignee_name)
SELECT break_id, case_id, reason, status, resolution, opened_at, updated_at, assignee ->> 'mspId',
       assignee ->> 'name'
  FROM breaks WHERE is_party AND status = 'RESOLVED';
UPDATE open_breaks o SET counterparties = ARRAY(
         SELECT p FROM unnest(b.parties) AS p
          WHERE p <> (SELECT institution FROM index_checkpoint) ORDER BY p)
  FROM breaks b WHERE b.break_id = o.break_id;
UPDATE closed_breaks o SET counterparties = ARRAY(
         SELECT p FROM unnest(b.parties) AS p
          WHERE p <> (SELECT institution FROM index_checkpoint) ORDER BY p)
  FROM breaks b WHERE b.break_id = o.break_id;
UPDATE open_breaks o SET amount_minor = l.amount_minor, currency = l.currency, value_date = l.value_date,
       own_reference = l.reference
  FROM (SELECT DISTINCT ON (case_id) case_id, amount_minor, currency, value_date, reference
          FROM own_legs ORDER BY case_id, leg_id) l
 WHERE l.case_id = o.case_id;
UPDATE closed_breaks o SET amount_minor = l.amount_minor, currency = l.currency, value_date = l.value_date,
       own_reference = l.reference
  FROM (SELECT DISTINCT ON (case_id) case_id, amount_minor, currency, value_date, reference
          FROM own_legs ORDER BY case_id, leg_id) l
 WHERE l.case_id = o.case_id;
