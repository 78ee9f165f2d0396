-- The institution's blacklist watchlist (issue 19 item 5): the subject keys of its own customers, kept on its own
-- node only (who banks with whom is nobody else's business), never an identifier: the node hashes it with the
-- consortium key before anything is stored. A watch holds one key per key version the node held when it was
-- added (during a rotation, both). Not a projection of the ledger: a rebuild from the ledger cannot restore it.
CREATE TABLE blacklist_watches (
  watch_id     text        PRIMARY KEY,
  msp_id       text        NOT NULL,
  subject_type text        NOT NULL,
  -- The institution's own words for the customer (a customer number), never the identifier: the node refuses a
  -- label that holds it.
  label        text        CHECK (label IS NULL OR length(label) BETWEEN 1 AND 80),
  added_by     text        NOT NULL,
  added_at     timestamptz NOT NULL,
  -- Listings in blocks after this one raise alerts; the block the follower had reached when the watch was added.
  since_block  numeric(20, 0) NOT NULL
);
CREATE TABLE blacklist_watch_keys (
  watch_id    text    NOT NULL REFERENCES blacklist_watches (watch_id) ON DELETE CASCADE,
  key_version integer NOT NULL,
  subject_key text    NOT NULL CHECK (subject_key ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (watch_id, key_version)
);
CREATE INDEX blacklist_watch_keys_subject ON blacklist_watch_keys (subject_key);

-- An alert: another member's entry about a watched subject changed (listed, disputed, revoked), as the block this
-- node received says. One per (transaction, entry): a replay of the same block raises nothing twice.
CREATE TABLE blacklist_alerts (
  alert_id         bigserial   PRIMARY KEY,
  msp_id           text        NOT NULL,
  watch_id         text        NOT NULL,
  block_number     numeric(20, 0) NOT NULL,
  tx_index         integer     NOT NULL,
  tx_id            text        NOT NULL,
  at               timestamptz NOT NULL,
  subject_key      text        NOT NULL,
  uploader         text        NOT NULL,
  category         text        NOT NULL,
  status           text        NOT NULL,
  expires_on       date        NOT NULL,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  UNIQUE (tx_id, watch_id, subject_key, uploader, category)
);
CREATE INDEX blacklist_alerts_newest ON blacklist_alerts (msp_id, alert_id DESC);

-- How far the alert follower has read the ledger's blocks (one row per institution): the next block it reads.
CREATE TABLE blacklist_watch_checkpoint (
  msp_id     text PRIMARY KEY,
  next_block numeric(20, 0) NOT NULL
);
