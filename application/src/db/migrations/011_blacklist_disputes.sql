-- The blacklist's disputes as the blocks this node receives show them (issue 19 items 6 and 9, "disputes inbox and
-- votes"): the node's way to find a dispute it must answer, one it opened, and one the members vote on. Every
-- member may read every dispute on the ledger (READ_DISPUTE: any role, any institution), so the alert follower
-- projects every dispute change; the ledger stays the authority (a step is checked there). A projection (public
-- facts only: subject keys, never identifiers), rebuilt by following the blocks from block 0; the newest change per
-- dispute wins, so a replayed block writes the same row.
CREATE TABLE blacklist_disputes (
  msp_id       text           NOT NULL,
  dispute_id   text           NOT NULL,
  subject_key  text           NOT NULL,
  uploader     text           NOT NULL,
  category     text           NOT NULL,
  disputer     text           NOT NULL,
  status       text           NOT NULL,
  -- The last ledger day of the current period (answer, contest or votes); null once decided.
  deadline     date,
  -- Once the dispute went to a members' vote (it stays in the vote box when decided).
  in_vote      boolean        NOT NULL,
  opened_tx_id text           NOT NULL,
  opened_at    timestamptz    NOT NULL,
  last_tx_id   text           NOT NULL,
  last_at      timestamptz    NOT NULL,
  last_block   numeric(20, 0) NOT NULL,
  last_tx_index integer       NOT NULL,
  PRIMARY KEY (msp_id, dispute_id)
);
CREATE INDEX blacklist_disputes_against ON blacklist_disputes (msp_id, uploader, last_block DESC, dispute_id);
CREATE INDEX blacklist_disputes_opened ON blacklist_disputes (msp_id, disputer, last_block DESC, dispute_id);
CREATE INDEX blacklist_disputes_vote ON blacklist_disputes (msp_id, last_block DESC, dispute_id) WHERE in_vote;
