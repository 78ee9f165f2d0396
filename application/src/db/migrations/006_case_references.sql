-- The payment reference of a case this node's institution is a party to but posted no leg of (its leg is the
-- missing one, or its counterparty's differs): learned once, when a person of the institution opened the case
-- with the reference and the ledger accepted it. The reference of a case with one of the institution's own
-- legs is in own_legs already. With either, the node opens the case without asking for the reference again.
CREATE TABLE case_references (
  msp_id text NOT NULL,
  case_id text NOT NULL,
  reference text NOT NULL,
  learned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (msp_id, case_id)
);
