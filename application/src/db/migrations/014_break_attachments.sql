-- Issue 21 item 3: files attached to breaks as evidence. The ledger keeps each file's SHA-256, size, media type and
-- its name sealed for the parties; the file itself stays on the node, here. Unlike the index these tables are not
-- rebuilt from the ledger: they are the node's own records (back them up with the database).

-- The files this node holds, by their SHA-256 (content-addressed: the same file attached twice is stored once). A
-- file is served only after its bytes hash again to the ledger's sha256.
CREATE TABLE attachment_files (
  sha256     text        PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size       integer     NOT NULL CHECK (size >= 1),
  bytes      bytea       NOT NULL,
  stored_at  timestamptz NOT NULL DEFAULT now()
);

-- The files this node's institution attached, once the ledger committed the ATTACH step: what another party's
-- node may fetch from here (to the break's parties only, named by the ledger when the file was attached).
CREATE TABLE break_attachments (
  break_id    text        NOT NULL,
  sha256      text        NOT NULL REFERENCES attachment_files (sha256),
  case_id     text        NOT NULL,
  parties     text[]      NOT NULL,
  media_type  text        NOT NULL,
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
  attached_by text        NOT NULL,
  tx_id       text        NOT NULL,
  attached_at timestamptz NOT NULL,
  PRIMARY KEY (break_id, sha256)
);
