import type { BlockEvent } from 'fabric-network';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Identity } from '../../application/src/ledger/ledgerGateway';
import { startFabricBackend, type Backend } from '../support/backend';
import { paymentLegs } from '../support/legs';

// The live counterpart of nonPartyScan.test.ts: on the network the launcher runs (npm run network:up), the
// break workflow on breaks PayCo is no party to, then every block of the channel as PayCo's own peer delivers it,
// read outside the chaincode: no person who acted (name, certificate id) in any transaction's arguments, writes,
// event or result. What names the signer (each transaction's signature header and creator certificate, and the
// endorsements: which member and which person acted, how Fabric proves authorship) is left out of the scan, as
// docs/RECONCILIATION.md says.

let backend: Backend;

beforeAll(async () => {
  backend = await startFabricBackend();
}, 120_000);

afterAll(async () => {
  await backend.stop();
});

/** What identifies the signer: the parts of a decoded block the scan leaves out. */
const SIGNER_PARTS = new Set([
  'header',
  'signature_header',
  'creator',
  'endorsements',
  'endorser',
  'signature',
]);

/**
 * A decoded block's transactions without their signer parts, as the texts a member can read: every string and
 * every byte string (read as text) on its own line, so a JSON value written to the ledger is seen as it is stored,
 * not escaped inside another.
 */
function readable(value: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (v instanceof Uint8Array) out.push(Buffer.from(v).toString('latin1'));
    else if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v !== null && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) if (!SIGNER_PARTS.has(k)) walk(x);
  };
  walk(value);
  return out.join('\n');
}

/** The contract function a decoded transaction envelope invokes (`<contract>:<function>`), '' for any other. */
function contractFunctionOf(envelope: unknown): string {
  const e = envelope as {
    payload?: {
      data?: {
        actions?: {
          payload?: {
            chaincode_proposal_payload?: { input?: { chaincode_spec?: { input?: { args?: unknown[] } } } };
          };
        }[];
      };
    };
  };
  const first =
    e.payload?.data?.actions?.[0]?.payload?.chaincode_proposal_payload?.input?.chaincode_spec?.input
      ?.args?.[0];
  return first instanceof Uint8Array ? Buffer.from(first).toString('utf8') : '';
}

/** Every block from 0 to the height, as `who`'s own peer delivers it (fabric-common's decoding). */
async function blocksAs(who: Identity, height: bigint): Promise<BlockEvent[]> {
  const fabric = backend.fabric;
  if (!fabric) throw new Error('a live backend');
  const transport = fabric.transport as unknown as {
    blocksAs(who: Identity, onBlock: (b: BlockEvent) => void, startBlock: bigint | undefined): () => void;
  };
  const blocks: BlockEvent[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`delivered ${String(blocks.length)} of ${String(height)} blocks`));
    }, 120_000);
    const stop = transport.blocksAs(
      who,
      (b) => {
        blocks.push(b);
        if (BigInt(blocks.length) >= height) {
          clearTimeout(timer);
          stop();
          resolve(blocks);
        }
      },
      0n,
    );
  });
}

describe('what a non-party peer delivers of the breaks it is no party to (live Fabric)', () => {
  it('names no person who acted in any argument, write, event or result', async () => {
    const g = backend.gateway;
    const [sysA, sysC, sysB, bruno, bella, alice, chen, payco] = await Promise.all(
      [
        'banka-system',
        'clearing-system',
        'bankb-system',
        'bruno',
        'bella',
        'alice',
        'chen',
        'payco-system',
      ].map((u) => backend.identity(u)),
    );
    const acted: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = paymentLegs();
      await g.postLegs(sysA as Identity, [p.debit]);
      await g.postLegs(sysC as Identity, [p.entry]);
      await g.postLegs(sysB as Identity, [{ ...p.credit, amountMinor: '1234500' }]);
      // Read where the last leg committed: Bank B's peer has its block when the post is answered; another
      // member's peer may not have it yet (a read there could find no break).
      const breakId = (await g.getCase(sysB as Identity, p.caseId)).breaks[0]?.breakId;
      if (breakId === undefined) throw new Error(`no break opened on ${p.caseId}`);
      const ref = { reference: p.reference };
      await g.assignBreak(bruno as Identity, breakId, 'bruno', { ...ref, comment: 'ours to look at' });
      await g.proposeResolution(
        bruno as Identity,
        breakId,
        { kind: 'REFUND', rootCause: 'COUNTERPARTY' },
        { ...ref, comment: 'refund it' },
      );
      await g.decideBreak(bella as Identity, breakId, 'APPROVE', ref);
      await g.decideBreak(alice as Identity, breakId, 'ACCEPT', ref);
      await g.decideBreak(chen as Identity, breakId, 'COMMENT', { ...ref, comment: 'seen' });
      acted.push(breakId);
    }
    const height = backend.height();
    const blocks = await blocksAs(payco as Identity, height);
    // Reconciliation's transactions only: the channel also carries the blacklist's and receivables' contracts
    // (whose records name uploaders and signers by their own rules, docs/BLACKLIST.md, docs/RECEIVABLES.md), and
    // the live suite runs them on the same network before this test.
    const texts = blocks.flatMap((b) =>
      ((b.blockData as { data?: { data?: unknown[] } }).data?.data ?? [])
        .filter((envelope) => contractFunctionOf(envelope).startsWith('reconciliation:'))
        .map((envelope) => ({ block: String(b.blockNumber), text: readable(envelope) })),
    );
    // The control: the scan reads what is there (the breaks' ids, their sealed persons, the parties' MSP IDs).
    // (each break record as stored, its JSON unescaped: a quoted name in it would be seen)
    for (const breakId of acted)
      expect(texts.some((t) => t.text.includes(`"breakId":"${breakId}"`))).toBe(true);
    expect(texts.some((t) => t.text.includes('"people":"s1.'))).toBe(true);
    expect(texts.some((t) => t.text.includes('BankBMSP'))).toBe(true);
    const people = ['bruno', 'bella', 'alice', 'chen'];
    const needles = [...people.map((n) => `"${n}"`), ...people.map((n) => `CN=${n}`), 'x509::'];
    const found = texts.flatMap((t) =>
      needles.filter((n) => t.text.includes(n)).map((n) => `${n} in block ${t.block}`),
    );
    expect(found).toEqual([]);
  }, 600_000);
});
