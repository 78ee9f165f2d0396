-- The institution's own blacklist entries as the blocks its node receives show them (issue 19 item 9, "my
-- contributions"): the alert follower projects every entry change the institution made. A projection of the
-- ledger (public facts only: subject keys, never identifiers), rebuilt by following the blocks from block 0.
CREATE TABLE blacklist_own_entries (
  msp_id          text           NOT NULL,
  subject_key     text           NOT NULL,
  category        text           NOT NULL,
  key_version     integer        NOT NULL,
  status          text           NOT NULL,
  expires_on      date           NOT NULL,
  first_tx_id     text           NOT NULL,
  first_at        timestamptz    NOT NULL,
  last_tx_id      text           NOT NULL,
  last_at         timestamptz    NOT NULL,
  last_block      numeric(20, 0) NOT NULL,
  PRIMARY KEY (msp_id, subject_key, category)
);
CREATE INDEX blacklist_own_entries_newest ON blacklist_own_entries (msp_id, last_block DESC, subject_key, category);
