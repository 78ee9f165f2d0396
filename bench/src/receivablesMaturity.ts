import '../../application/src/cli/quiet';

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { addDays } from '../../chaincode/src/core/receivables/calendar';
import { caseIdOf } from '../../chaincode/src/ledger/keys';
import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import type { LegInput } from '../../application/src/ledger/ledgerGateway';
import {
  ReceivablesFlow,
  receivablesScreeningForRun,
} from '../../application/src/receivables/receivablesFlow';
import { paymentLegInput } from '../../application/src/receivables/receivablesGateway';
import { machineInfo, writeResults } from './results';
import { timed } from './timed';

/**
 * `npm run bench:receivables-maturity`: a maturity run on the embedded network (durability fsync), through the
 * receivables use cases (no HTTP). `--parts` parts (default 10,000: tokens of CNY 10,000.00 issued to tier 1,
 * each split into ten parts, the policy's most outputs) fall due on one day; at maturity the core enterprise pays
 * every part in full (one transaction each, `--concurrency` in flight), and each payment's two legs (the core
 * enterprise's bank's debit, the holder's bank's credit) are posted by the two banks' systems in batches of 500,
 * as their nodes would. Then: every payment's case matched on the reconciliation ledger, and the sweep finds no
 * part overdue. Embedded only: ledger time is the transaction's timestamp, which only the embedded network lets a
 * client set (on Fabric the day of maturity cannot be reached in a run). Written to
 * bench/results/<date>-receivables-maturity-<HHMM>.json. Measured, never asserted.
 */
const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '8' },
  },
});
const PARTS_PER_TOKEN = 10;
const PARTS = Number(values.parts);
const CONCURRENCY = Number(values.concurrency);
if (!Number.isInteger(PARTS) || PARTS < PARTS_PER_TOKEN || PARTS % PARTS_PER_TOKEN !== 0)
  throw new Error(`--parts must be a multiple of ${PARTS_PER_TOKEN}, got ${values.parts}`);
const TOKENS = PARTS / PARTS_PER_TOKEN;
const TOKEN_MINOR = 1_000_000n;
const PART_MINOR = TOKEN_MINOR / BigInt(PARTS_PER_TOKEN);
const LEGS_PER_BATCH = 500;
const round = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-bench-maturity-'));
  const c = await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'fsync' });
  const rcv = await receivablesScreeningForRun(c.gateway, (u) => c.identity(u));
  const today = new Date().toISOString().slice(0, 10);
  const maturity = addDays(today, 30);
  const flow = new ReceivablesFlow(rcv, (u) => c.identity(u), `m${Date.now().toString(36)}`);
  const matched = new Set<string>();
  const stopWatching = c.gateway.onChanges((changes) => {
    for (const k of changes.cases) if (k.status === 'MATCHED') matched.add(k.caseId);
  });
  try {
    // Today: the tokens, each split into its parts by tier 1 (held by tier 1, a client of Bank B).
    const parts: string[] = [];
    const issue = await timed(TOKENS, CONCURRENCY, async () => {
      const token = await flow.acceptedToken(TOKEN_MINOR.toString(), maturity, today);
      const created = await flow.move(
        'tier1',
        token.root.partId,
        Array.from({ length: PARTS_PER_TOKEN }, () => ({
          to: 'tier1' as const,
          amountMinor: PART_MINOR.toString(),
        })),
      );
      parts.push(...created.map((p) => p.partId));
    });
    console.log(
      `${String(TOKENS)} tokens issued and split into ${String(parts.length)} parts: ${String(issue.perSecond)} tokens/s (7 transactions each)`,
    );

    // The day of maturity, 10:00 in Shanghai: every part paid in full, each payment one transaction.
    const dueMs = Date.parse(`${maturity}T02:00:00Z`);
    let tick = 0;
    const at = () => ({ timestamp: new Date(dueMs + tick++) });
    const core = await c.identity('core-finance');
    const legs = new Map<string, LegInput[]>();
    const references: string[] = [];
    const pay = await timed(parts.length, CONCURRENCY, async (i) => {
      const reference = randomUUID();
      const step = await rcv.recordPayment(
        core,
        {
          amountMinor: PART_MINOR.toString(),
          partId: parts[i] ?? '',
          payeeAccount: 'CN-TIER1-001',
          payerAccount: 'CN-CORE-001',
          paymentId: `P-${String(i)}-${reference.slice(0, 8)}`,
          reference,
        },
        at(),
      );
      if (step.result.outcome !== 'PAID') throw new Error(`part ${parts[i] ?? ''}: ${step.result.outcome}`);
      references.push(reference);
      for (const l of step.result.payment.legs) {
        const list = legs.get(l.mspId) ?? [];
        list.push(paymentLegInput(l));
        legs.set(l.mspId, list);
      }
    });
    console.log(
      `${String(parts.length)} parts paid at maturity: ${String(pay.perSecond)} payments/s, p50 ${String(pay.latencyMsP50)} ms, p99 ${String(pay.latencyMsP99)} ms`,
    );

    // Each bank's system posts its legs of the day's payments, as its node would.
    const systems: Record<string, string> = { BankAMSP: 'banka-system', BankBMSP: 'bankb-system' };
    const batches: { mspId: string; legs: LegInput[] }[] = [];
    for (const [mspId, list] of legs)
      for (let i = 0; i < list.length; i += LEGS_PER_BATCH)
        batches.push({ mspId, legs: list.slice(i, i + LEGS_PER_BATCH) });
    let legsPosted = 0;
    // One batch at a time, the banks in turn: a debit and its credit posted at once would only collide on their
    // case (MVCC) and retry.
    const post = await timed(batches.length, 1, async (i) => {
      const b = batches[i];
      if (b === undefined) return;
      const system = systems[b.mspId];
      if (system === undefined) throw new Error(`no system posts the legs of ${b.mspId}`);
      await c.gateway.postLegs(await c.identity(system), b.legs, at());
      legsPosted += b.legs.length;
    });
    const postSeconds = post.count === 0 ? 0 : post.count / post.perSecond;
    const legsPerSecond = round(legsPosted / postSeconds);
    await new Promise((r) => setTimeout(r, 200));
    const cases = references.map((r) => {
      const leg = legs.get('BankAMSP')?.find((l) => l.reference === r);
      return leg === undefined ? '' : caseIdOf(r, leg.route);
    });
    const casesMatched = cases.filter((id) => matched.has(id)).length;
    console.log(
      `${String(legsPosted)} reconciliation legs posted by the two banks: ${String(legsPerSecond)} legs/s; ${String(casesMatched)} of ${String(cases.length)} payments' cases matched`,
    );

    // The day after: the sweep finds nothing overdue, every part was paid.
    const sweep = await rcv.sweepOverdue(core, { timestamp: new Date(dueMs + 86_400_000) });
    console.log(`the sweep the day after: ${String(sweep.result.overdue.length)} parts overdue`);

    const stamp = new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '');
    const file = writeResults(`${stamp.slice(0, 10)}-receivables-maturity-${stamp.slice(11)}.json`, {
      bench: 'receivables-maturity',
      ledger: 'embedded',
      durability: 'fsync',
      at: new Date().toISOString(),
      machine: machineInfo(),
      loadAverage: loadavg().map(round),
      concurrency: CONCURRENCY,
      tokens: TOKENS,
      parts: parts.length,
      issueAndSplit: issue,
      payments: pay,
      legs: { posted: legsPosted, batches: batches.length, perSecond: legsPerSecond },
      casesMatched,
      cases: cases.length,
      overdueAfter: sweep.result.overdue.length,
    });
    console.log(`results: ${file}`);
  } finally {
    stopWatching();
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
