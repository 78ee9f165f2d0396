-- The off-chain index: a projection of the ledger's public change events as one institution's node sees
-- them. Every row can be rebuilt from the ledger. Times are timestamptz, money NUMERIC(20,0) in minor units.

-- Where the projection stands: the last applied transaction, written in the same SQL transaction as its rows.
CREATE TABLE index_checkpoint (
  singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  institution  text        NOT NULL,
  block_number bigint      NOT NULL CHECK (block_number >= 0),
  tx_index     integer     NOT NULL CHECK (tx_index >= 0),
  tx_id        text        NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per applied ledger transaction: a replay of the same position violates the key and changes nothing.
CREATE TABLE indexed_transactions (
  block_number bigint      NOT NULL,
  tx_index     integer     NOT NULL,
  tx_id        text        NOT NULL UNIQUE,
  at           timestamptz NOT NULL,
  PRIMARY KEY (block_number, tx_index)
);

CREATE TABLE cases (
  case_id          text        PRIMARY KEY,
  status           text        NOT NULL CHECK (status IN ('PENDING', 'MATCHED', 'BROKEN')),
  parties          text[]      NOT NULL,
  is_party         boolean     NOT NULL,
  expected         jsonb       NOT NULL,
  leg_count        integer     NOT NULL,
  opened_at        timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  due_at           timestamptz NOT NULL,
  first_matched_at timestamptz,
  block_number     bigint      NOT NULL,
  tx_index         integer     NOT NULL,
  tx_id            text        NOT NULL
);
CREATE INDEX cases_party_updated ON cases (updated_at DESC, case_id) WHERE is_party;
CREATE INDEX cases_status ON cases (status, updated_at DESC);

-- Legs as every member sees them: who posted which leg of which case, when. No amounts, no accounts.
CREATE TABLE legs (
  msp_id       text        NOT NULL,
  leg_id       text        NOT NULL,
  case_id      text        NOT NULL REFERENCES cases (case_id),
  role         text        NOT NULL,
  posted_at    timestamptz NOT NULL,
  is_own       boolean     NOT NULL,
  block_number bigint      NOT NULL,
  tx_index     integer     NOT NULL,
  tx_id        text        NOT NULL,
  PRIMARY KEY (msp_id, leg_id)
);
CREATE INDEX legs_case ON legs (case_id);

CREATE TABLE breaks (
  break_id        text        PRIMARY KEY,
  case_id         text        NOT NULL REFERENCES cases (case_id),
  finding_key     text        NOT NULL,
  reason          text        NOT NULL,
  status          text        NOT NULL
    CHECK (status IN ('OPEN', 'ASSIGNED', 'PROPOSED', 'APPROVED', 'ACCEPTED', 'RESOLVED')),
  parties         text[]      NOT NULL,
  is_party        boolean     NOT NULL,
  detail          jsonb       NOT NULL,
  opened_at       timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  assignee        jsonb,
  resolution      text,
  last_action     text        NOT NULL,
  -- seq of the newest timeline entry indexed: the next entry must be last_seq + 1 (continuity).
  last_seq        integer     NOT NULL,
  block_number    bigint      NOT NULL,
  tx_index        integer     NOT NULL,
  tx_id           text        NOT NULL
);
CREATE INDEX breaks_case ON breaks (case_id);

-- One row per timeline entry of a break: its append-only history.
CREATE TABLE break_transitions (
  break_id       text        NOT NULL REFERENCES breaks (break_id),
  seq            integer     NOT NULL CHECK (seq >= 0),
  action         text        NOT NULL,
  from_status    text,
  to_status      text        NOT NULL,
  actor_msp_id   text        NOT NULL,
  actor_id       text        NOT NULL,
  actor_name     text        NOT NULL,
  at             timestamptz NOT NULL,
  tx_id          text        NOT NULL,
  -- Sealed on the ledger: only a party holding the payment reference can open it.
  comment_sealed text        NOT NULL,
  assignee       text,
  kind           text,
  block_number   bigint      NOT NULL,
  tx_index       integer     NOT NULL,
  PRIMARY KEY (break_id, seq)
);

-- The institution's work queue: its open breaks, newest state. Age is now() - opened_at at query time.
CREATE TABLE open_breaks (
  break_id        text        PRIMARY KEY REFERENCES breaks (break_id),
  case_id         text        NOT NULL,
  reason          text        NOT NULL,
  status          text        NOT NULL,
  opened_at       timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  assignee_msp_id text,
  assignee_name   text
);
-- Keyset pagination, oldest first, with and without a filter.
CREATE INDEX open_breaks_age ON open_breaks (opened_at, break_id);
CREATE INDEX open_breaks_reason_age ON open_breaks (reason, opened_at, break_id);
CREATE INDEX open_breaks_status_age ON open_breaks (status, opened_at, break_id);

-- Dashboard aggregates per UTC day of the transaction time.
CREATE TABLE daily_stats (
  day             date   PRIMARY KEY,
  legs_posted     bigint NOT NULL DEFAULT 0,
  own_legs_posted bigint NOT NULL DEFAULT 0,
  cases_opened    bigint NOT NULL DEFAULT 0,
  cases_matched   bigint NOT NULL DEFAULT 0,
  breaks_opened   bigint NOT NULL DEFAULT 0,
  breaks_resolved bigint NOT NULL DEFAULT 0
);

CREATE TABLE daily_breaks_by_reason (
  day      date   NOT NULL,
  reason   text   NOT NULL,
  opened   bigint NOT NULL DEFAULT 0,
  resolved bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (day, reason)
);

-- The plaintext of this institution's own legs, written by the node that posted them (it knows what it sent).
-- Not derived from blocks: the ledger shows other members only digests and a sealed copy.
CREATE TABLE own_legs (
  msp_id       text          NOT NULL,
  leg_id       text          NOT NULL,
  case_id      text          NOT NULL,
  reference    text          NOT NULL,
  role         text          NOT NULL,
  branch       text,
  route        jsonb         NOT NULL,
  amount_minor NUMERIC(20,0) NOT NULL CHECK (amount_minor >= 0),
  currency     char(3)       NOT NULL,
  value_date   date          NOT NULL,
  payer_ref    text          NOT NULL,
  payee_ref    text          NOT NULL,
  outcome      text          NOT NULL,
  tx_id        text          NOT NULL,
  block_number bigint        NOT NULL,
  recorded_at  timestamptz   NOT NULL DEFAULT now(),
  PRIMARY KEY (msp_id, leg_id)
);
CREATE INDEX own_legs_case ON own_legs (case_id);
CREATE INDEX own_legs_value_date ON own_legs (value_date);
