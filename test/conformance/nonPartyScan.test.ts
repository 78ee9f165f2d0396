import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import type { Identity } from '../../application/src/ledger/ledgerGateway';
import { consortiumInstitutions, generateBusinessDay } from '../../application/src/simulation/businessDay';
import { runBusinessDay } from '../../application/src/simulation/runBusinessDay';
import { BLOCKS_FILE } from '../../network/embedded/src/dataDir';
import type { BlockJson } from '../../network/embedded/src/block';
import { RecordFile } from '../../network/embedded/src/recordFile';
import { rwsetFromJson } from '../../network/embedded/src/rwset';

// What a member's own peer holds of the cases it is no party to, read from its files as a member could, outside
// the chaincode, after a business day and the break workflow on some of its breaks: no person who acted (name,
// enrolment id, certificate id) may appear in any case, break, event, transaction argument or write. Each
// transaction's signer is in its block (its header and creator certificate: which member acted, which Fabric
// needs to prove authorship); that part of the block is not read here. The parties' MSP IDs, leg ids and posting
// times are still public (docs/RECONCILIATION.md, "Designed, not built"), so they are not looked for.

const SEED = 20261207;
const dir = mkdtempSync(join(tmpdir(), 'tallystick-nonparty-'));
let c: EmbeddedConsortium;

/**
 * Every string and byte string (read as text) of a value, each on its own line: a JSON value written to the
 * ledger is seen as it is stored, not escaped inside another.
 */
function readable(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('utf8'));
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(value);
  return out.join('\n');
}

/** Per transaction of the block file: its arguments, its writes (keys and values) and its event, as text. */
function transactionsOnDisk(): { txId: string; text: string }[] {
  const out: { txId: string; text: string }[] = [];
  RecordFile.scan(join(dir, 'ledger', BLOCKS_FILE), Number.MAX_SAFE_INTEGER, (payload) => {
    const block = JSON.parse(payload.toString('utf8')) as BlockJson & {
      txs?: {
        txId: string;
        payload: string;
        action: { rwset: unknown; event: { name: string; payload: string } | null };
      }[];
    };
    for (const tx of block.txs ?? []) {
      const args = Buffer.from(tx.payload, 'base64').toString('latin1');
      const writes = readable(rwsetFromJson(tx.action.rwset).writes);
      const event = tx.action.event ? Buffer.from(tx.action.event.payload, 'base64').toString('utf8') : '';
      out.push({ txId: tx.txId, text: `${args}\n${writes}\n${event}` });
    }
  });
  return out;
}

beforeAll(async () => {
  c = await startEmbeddedConsortium({ dataDir: dir });
}, 120_000);

afterAll(async () => {
  await c.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('what a non-party peer holds after a business day (embedded)', () => {
  it('names no person who acted on a break in any case, break, event, argument or write', async () => {
    const systems = new Map<string, Identity>();
    for (const [msp, user] of [
      ['BankAMSP', 'banka-system'],
      ['BankBMSP', 'bankb-system'],
      ['ClearingHouseMSP', 'clearing-system'],
      ['PayCoMSP', 'payco-system'],
    ] as const)
      systems.set(msp, await c.identity(user));
    const day = generateBusinessDay({
      seed: SEED,
      payments: 200,
      date: '2026-11-27',
      institutions: consortiumInstitutions([
        { mspId: 'BankAMSP', branches: ['0001'] },
        { mspId: 'BankBMSP', branches: ['0101'] },
      ]),
    });
    const report = await runBusinessDay(day, {
      gateway: c.gateway,
      systems,
      sweeper: systems.get('ClearingHouseMSP') as Identity,
    });
    expect(report.mismatches, `seed ${String(SEED)}`).toEqual([]);

    // People of Bank B, Bank A and the clearing house take breaks PayCo is no party to through the workflow.
    const g = c.gateway;
    const [bruno, bella, alice, chen, sysA] = await Promise.all(
      ['bruno', 'bella', 'alice', 'chen', 'banka-system'].map((u) => c.identity(u)),
    );
    const sealedFor: string[] = [];
    for (const outcome of day.payments) {
      if (sealedFor.length === 3) break;
      const kase = await g.readCase(sysA as Identity, outcome.reference).catch(() => undefined);
      const open = kase?.breaks.find((b) => b.status === 'OPEN');
      if (!kase || !open) continue;
      const parties = kase.case.parties;
      if (
        parties.includes('PayCoMSP') ||
        !parties.includes('BankBMSP') ||
        !parties.includes('ClearingHouseMSP')
      )
        continue;
      const ref = { reference: outcome.reference };
      await g.assignBreak(bruno as Identity, open.breakId, 'bruno', { ...ref, comment: 'ours to look at' });
      await g.proposeResolution(
        bruno as Identity,
        open.breakId,
        { kind: 'REFUND', rootCause: 'COUNTERPARTY' },
        { ...ref, comment: 'refund it' },
      );
      await g.decideBreak(bella as Identity, open.breakId, 'APPROVE', ref);
      await g.decideBreak(alice as Identity, open.breakId, 'ACCEPT', ref);
      await g.decideBreak(chen as Identity, open.breakId, 'COMMENT', { ...ref, comment: 'seen' });
      sealedFor.push(open.breakId);
    }
    expect(sealedFor).toHaveLength(3);

    // The people as JSON holds a name (quoted: a base64 or hex text never holds a quote), and their certificate
    // ids (x509::<subject>::<issuer>, the subject ending in CN=<enrolment id>).
    const people = ['bruno', 'bella', 'alice', 'chen'];
    const needles = [...people.map((p) => `"${p}"`), ...people.map((p) => `CN=${p}`), 'x509::'];
    const txs = transactionsOnDisk();
    expect(txs.length).toBeGreaterThan(report.transactions);
    // The control: the scan reads what is there (the breaks' ids in the writes, the legs' MSP IDs).
    // (each break record as stored, its JSON unescaped: a quoted name in it would be seen)
    for (const breakId of sealedFor)
      expect(txs.some((t) => t.text.includes(`"breakId":"${breakId}"`))).toBe(true);
    expect(txs.some((t) => t.text.includes('"people":"s1.'))).toBe(true); // the persons, sealed
    expect(txs.some((t) => t.text.includes('BankBMSP'))).toBe(true); // parties are still named (not built)
    const found = txs.flatMap((t) =>
      needles.filter((n) => t.text.includes(n)).map((n) => `${n} in tx ${t.txId}`),
    );
    expect(found).toEqual([]);

    // PayCo's own private store holds its own legs only: none of these breaks' people either.
    const own = readFileSync(join(dir, 'ledger', 'private', 'PayCoMSP.log')).toString('latin1');
    expect(needles.filter((n) => own.includes(n))).toEqual([]);
  }, 600_000);
});
