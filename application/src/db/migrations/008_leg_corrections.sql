-- A correction entry: one of the institution's own legs that corrects its earlier leg of the same payment and
-- route (`corrects` names that leg). The corrected leg stays (it was posted and the ledger keeps it) but is
-- superseded: the statement comparison, the ledger extract and the queue's own-leg facts take the correction.
ALTER TABLE own_legs ADD COLUMN corrects text;
CREATE INDEX own_legs_corrects ON own_legs (msp_id, corrects) WHERE corrects IS NOT NULL;
