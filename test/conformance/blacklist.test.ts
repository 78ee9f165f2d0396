import { describe, expect, it } from 'vitest';

import { changesOf } from '../../application/src/ledger/embeddedLedger';
import type { ChangeNotice } from '../../application/src/ledger/ledgerGateway';
import {
  BLACKLIST_CHANGES_EVENT,
  decodeBlacklistChanges,
  type BlacklistChanges,
} from '../../chaincode/src/ledger/blacklistEvents';
import { defineBlacklistSuite } from './blacklistSuite';

// The suite body lives in blacklistSuite.ts so that the live-Fabric file runs the very same tests.
const backend = defineBlacklistSuite();

describe('blacklist events on the embedded network', () => {
  it('each blacklist transaction that changed something emits one tallystick.blacklist event of public facts; the reconciliation change stream reads none of them', async () => {
    const embedded = backend().embedded;
    if (!embedded) throw new Error('the embedded backend');
    const events: (BlacklistChanges & { creator: string })[] = [];
    const reconciliation: ChangeNotice[] = [];
    const height = embedded.network.height();
    await new Promise<void>((resolve) => {
      const off = embedded.network.onBlock(
        (block) => {
          reconciliation.push(...changesOf(block));
          for (const tx of block.transactions)
            if (tx.validationCode === 'VALID' && tx.event?.name === BLACKLIST_CHANGES_EVENT)
              events.push({ ...decodeBlacklistChanges(tx.event.payload), creator: tx.creatorMspId });
          if (block.number + 1n >= height) {
            off();
            resolve();
          }
        },
        { startBlock: 0n },
      );
    });
    expect(reconciliation).toEqual([]);

    expect(events.filter((e) => e.members.length > 0).map((e) => e.members)).toEqual([
      ['BankAMSP'],
      ['BankBMSP'],
      ['PayCoMSP'],
    ]);
    // The suite's first uploads and queries, in order (the access matrix adds more after them).
    const uploads = events.filter((e) => e.entries.length > 0).slice(0, 4);
    expect(uploads.map((e) => [e.creator, e.entries.map((x) => x.category)])).toEqual([
      ['BankAMSP', ['MONEY_MULE']],
      ['BankBMSP', ['CONFIRMED_FRAUD', 'MONEY_MULE']],
      ['PayCoMSP', ['MONEY_MULE']],
      ['BankAMSP', [expect.stringMatching(/^RUN_/) as string]],
    ]);
    for (const e of uploads)
      for (const x of e.entries)
        expect(x).toMatchObject({ keyVersion: 1, status: 'ACTIVE', uploader: e.creator });
    const queries = events.flatMap((e) => e.queries).slice(0, 3);
    expect(queries.map((q) => [q.querier, q.purpose, q.hits])).toEqual([
      ['BankAMSP', 'ACCOUNT_OPENING', 3],
      ['BankBMSP', 'FRAUD_INVESTIGATION', 1],
      ['BankBMSP', 'SUBJECT_REPORT', 3],
    ]);
    // The policy step adopts version 2; the metering step adopts 3 (no allowance) and 4 (the allowance back).
    expect(events.filter((e) => e.policyVersion !== null).map((e) => e.policyVersion)).toEqual([2, 3, 4]);
    // The re-upload that changed nothing emitted nothing; no event carries evidence.
    expect(JSON.stringify(events)).not.toContain('victims');
  });
});
