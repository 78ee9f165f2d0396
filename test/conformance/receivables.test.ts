import { describe, expect, it } from 'vitest';

import {
  decodeReceivablesChanges,
  RECEIVABLES_CHANGES_EVENT,
  type ReceivablesChanges,
} from '../../chaincode/src/ledger/receivablesEvents';
import { CORE, defineReceivablesSuite, TIER1, TIER2 } from './receivablesSuite';

// The suite body lives in receivablesSuite.ts so that the live-Fabric file runs the very same tests.
const backend = defineReceivablesSuite();

describe('receivables on the embedded network: what every member sees', () => {
  it('every receivables transaction writes no public key but its screenings’ blacklist query records, and its one event names ids and statuses only', async () => {
    const embedded = backend().embedded;
    if (!embedded) throw new Error('the embedded backend');
    const events: (ReceivablesChanges & { creator: string })[] = [];
    const publicWrites: string[] = [];
    const height = embedded.network.height();
    await new Promise<void>((resolve) => {
      const off = embedded.network.onBlock(
        (block) => {
          for (const tx of block.transactions)
            if (tx.validationCode === 'VALID' && tx.event?.name === RECEIVABLES_CHANGES_EVENT) {
              events.push({ ...decodeReceivablesChanges(tx.event.payload), creator: tx.creatorMspId });
              publicWrites.push(...tx.writes.map((w) => w.key));
            }
          if (block.number + 1n >= height) {
            off();
            resolve();
          }
        },
        { startBlock: 0n },
      );
    });
    expect(events.length).toBeGreaterThan(30);
    // A screening is a look at the shared blacklist, recorded as its queries are (public, by subject key).
    expect(publicWrites.length).toBeGreaterThan(0);
    expect(publicWrites.filter((k) => !k.startsWith('blquery:'))).toEqual([]);
    const kinds = new Set(events.flatMap((e) => e.changes.map((c) => `${c.kind}:${c.status}`)));
    for (const k of [
      'TRADE:CONFIRMED',
      'TOKEN:ACCEPTED',
      'PART:SPENT',
      'PART:FINANCED',
      'PART:OVERDUE',
      'PAYMENT:PAID',
    ])
      expect(kinds).toContain(k);
    const text = JSON.stringify(events);
    for (const secret of [CORE.enterpriseId, TIER1.enterpriseId, TIER2.enterpriseId, '1000000', '600000'])
      expect(text).not.toContain(secret);
    for (const e of events)
      for (const c of e.changes) expect(Object.keys(c).sort()).toEqual(['id', 'kind', 'status']);
  });
});
