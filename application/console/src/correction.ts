// What the break screen's correction panel decides, without React or the browser: testable on its own.
import type { Break as BreakRecord } from '../../src/http/apiTypes';

/** The next id in a leg's line of corrections: `L-1` → `L-1.c1` → `L-1.c2`, within the 64 characters a leg id has. */
export function correctionId(legId: string): string {
  const m = /^(.*)\.c(\d+)$/.exec(legId);
  const base = m ? (m[1] ?? legId) : legId;
  const suffix = `.c${String(m ? Number(m[2]) + 1 : 1)}`;
  return base.slice(0, 64 - suffix.length) + suffix;
}

/** Whether the person should be offered the correction: an agreed CORRECT_LEG of their institution, a reconciler. */
export function offersCorrection(
  brk: Pick<BreakRecord, 'status' | 'proposal'>,
  mspId: string,
  roles: readonly string[],
): boolean {
  return (
    brk.status === 'ACCEPTED' &&
    brk.proposal?.kind === 'CORRECT_LEG' &&
    brk.proposal.proposer.mspId === mspId &&
    roles.includes('reconciler')
  );
}
