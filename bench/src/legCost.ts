import '../../application/src/cli/quiet';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import type { Identity, LegInput } from '../../application/src/ledger/ledgerGateway';
import { Random } from '../../application/src/simulation/random';
import { threeLegPayments } from './payments';

/**
 * The chaincode alone, CPU µs per leg (`npm run bench`'s "chaincode alone" figure, on its own and by CPU time,
 * for a loaded machine): a peer simulates postLegs in batches of 500 (evaluate: nothing signed, ordered or
 * committed), for the first legs of new payments and, on the same ledger, for the later legs that complete them.
 * Each figure is the median of `--runs` rounds, each on payments of its own; the process's CPU time (user and
 * system) over the round's legs, so other work on the machine does not count. Not a test: measured, never
 * asserted.
 *
 *   node dist/bench/src/legCost.js [--runs 5] [--legs 10000]
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    legs: { type: 'string', default: '10000' },
  },
});
const runs = Number(values.runs);
const legsPerRound = Number(values.legs);
const BATCH = 500;

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-legcost-'));
  const c = await startEmbeddedConsortium({ dataDir: dir, durability: 'none' });
  try {
    const [debitor, clearing] = await Promise.all(
      ['banka-system', 'clearing-system'].map((u) => c.identity(u)),
    );
    const rnd = new Random(7);
    const cpuPerLeg = async (who: Identity, legs: readonly LegInput[]): Promise<number> => {
      const batches: string[] = [];
      for (let i = 0; i < legs.length; i += BATCH) batches.push(JSON.stringify(legs.slice(i, i + BATCH)));
      const cpu0 = process.cpuUsage();
      for (const b of batches) await c.network.evaluate(who, { fcn: 'postLegs', transient: { legs: b } });
      const cpu = process.cpuUsage(cpu0);
      return (cpu.user + cpu.system) / legs.length;
    };
    const first: number[] = [];
    const later: number[] = [];
    // A warm-up round first (V8 compiles the hot path), then the measured rounds.
    for (let round = 0; round <= runs; round++) {
      const p = threeLegPayments(rnd, legsPerRound, `cost-${String(round)}-`);
      // The first legs are committed so that the later legs find their cases; the figure for first legs is of
      // other payments' (simulated only, so their cases stay new).
      for (let i = 0; i < p.debit.length; i += BATCH)
        await c.gateway.postLegs(debitor as Identity, p.debit.slice(i, i + BATCH));
      const fresh = threeLegPayments(rnd, legsPerRound, `cost-new-${String(round)}-`);
      const f = await cpuPerLeg(debitor as Identity, fresh.debit);
      const l = await cpuPerLeg(clearing as Identity, p.entry);
      if (round > 0) {
        first.push(f);
        later.push(l);
      }
    }
    console.log(
      JSON.stringify({
        legsPerRound,
        runs,
        firstLegOfNewPaymentCpuMicros: Number(median(first).toFixed(1)),
        laterLegCpuMicros: Number(median(later).toFixed(1)),
        rounds: {
          first: first.map((x) => Number(x.toFixed(1))),
          later: later.map((x) => Number(x.toFixed(1))),
        },
      }),
    );
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
