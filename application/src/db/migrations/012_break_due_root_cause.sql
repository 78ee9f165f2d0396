-- Issue 21 item 3: a break's root cause (its proposal's while one is open, the agreed one once resolved) and its
-- due date (a day after opening unless an approver moved it; past it, an unresolved break is escalated by the
-- ledger's time, the newest indexed transaction's). Null on rows indexed before: the index can be rebuilt.
ALTER TABLE breaks ADD COLUMN root_cause text;
ALTER TABLE breaks ADD COLUMN due_at timestamptz;
ALTER TABLE break_transitions ADD COLUMN root_cause text;
ALTER TABLE break_transitions ADD COLUMN due_at timestamptz;
ALTER TABLE open_breaks ADD COLUMN root_cause text;
ALTER TABLE open_breaks ADD COLUMN due_at timestamptz;
ALTER TABLE closed_breaks ADD COLUMN root_cause text;
ALTER TABLE closed_breaks ADD COLUMN due_at timestamptz;
-- The escalated filter reads the open breaks past a time; the root-cause filter, one cause.
CREATE INDEX open_breaks_due ON open_breaks (due_at, break_id);
CREATE INDEX open_breaks_root_cause ON open_breaks (root_cause, opened_at, break_id);
CREATE INDEX closed_breaks_root_cause ON closed_breaks (root_cause, opened_at, break_id);
