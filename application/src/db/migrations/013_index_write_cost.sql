-- What every leg costs each node's index (docs/PERFORMANCE-NOTES.md, the member API, 2026-12-07): every node
-- writes every leg and its case, and a case is written again with each of its legs, so every index entry and
-- check on these two tables is paid per leg and per node.

-- No query reads cases by (updated_at, case_id); cases_status served only the dashboard's count of the
-- institution's overdue pending cases, which this partial index serves with entries for those cases alone.
DROP INDEX cases_party_updated;
DROP INDEX cases_status;
CREATE INDEX cases_pending_due ON cases (due_at) WHERE is_party AND status = 'PENDING';

-- A leg's case is written by the same SQL transaction, before the leg (readModel/applyProjection.ts), and the
-- index's verify compares both with the ledger; the per-row check cost about 11 µs per leg at every node.
ALTER TABLE legs DROP CONSTRAINT legs_case_id_fkey;
