-- The node's index of receivables (issue 20): each record the receivables contract's events name, as the node's
-- reader may index it (the bank's own and its client enterprises'; everything at an auditor's node), with who may
-- see it. A projection of the ledger: rebuilt by following the blocks from block 0.
CREATE TABLE receivables_records (
  kind          text           NOT NULL CHECK (kind IN ('TRADE', 'TOKEN', 'PART', 'MOVE', 'PAYMENT', 'FINANCING')),
  id            text           NOT NULL,
  status        text           NOT NULL,
  token_id      text,
  trade_id      text,
  -- A party label (`<code>@<MSP>` or `<MSP>`): a part's holder, a token's payee, a trade's seller, a move's
  -- holder, a payment's payee, a financing's bank.
  holder        text,
  currency      text,
  amount_minor  numeric(20, 0) NOT NULL,
  -- A part's and a token's maturity date, a trade's due date, a financing's maturity, a payment's value date.
  due_on        date,
  long_term     boolean        NOT NULL,
  -- Party labels who may see the record (core/receivables/viewers.ts); the node lists a person's rows by them.
  viewers       text[]         NOT NULL,
  record        jsonb          NOT NULL,
  block_number  bigint         NOT NULL,
  tx_index      integer        NOT NULL,
  tx_id         text           NOT NULL,
  changed_at    timestamptz    NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX receivables_records_newest ON receivables_records (kind, block_number DESC, tx_index DESC, id);
CREATE INDEX receivables_records_viewers ON receivables_records USING gin (viewers);
CREATE INDEX receivables_records_token ON receivables_records (token_id, kind);

-- The receivables follower's place: the next block it reads, moved with each block's rows in one transaction.
CREATE TABLE receivables_index_checkpoint (
  institution   text           PRIMARY KEY,
  next_block    numeric(20, 0) NOT NULL,
  updated_at    timestamptz    NOT NULL DEFAULT now()
);
