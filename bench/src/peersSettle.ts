import '../../application/src/cli/quiet';

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { loadConsortium } from '../../application/src/ledger/consortium';
import {
  defaultFabricRunDir,
  openFabricLedger,
  PEERS_SETTLE_MS,
  type FabricLedger,
} from '../../application/src/ledger/fabricLedger';
import { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import type { RouteStop } from '../../chaincode/src/core/leg';
import { POSTERS, posters, ROUTES, round1, type Poster, type Posters } from './fabricLoad';
import { paymentFacts } from './payments';

/**
 * `node dist/bench/src/peersSettle.js` (after `tsc -p tsconfig.build.json`, with the network up): what a
 * submit's wait for the other organisations' peers (FabricTransport, PEERS_SETTLE_MS) costs, measured A/B in
 * one process on one network: two transports, one waiting (the default) and one not (`peersSettleMs` 0), take
 * turns, one leg per transaction, so that the machine's load falls on both alike (on a shared machine, runs
 * minutes apart differ by more than the wait). Not a test: numbers are measured, never asserted.
 * `--rounds N` (default 100) turns of each, `--in-flight K` (default 1) submits at once per turn.
 */
const { values: args } = parseArgs({
  options: { rounds: { type: 'string' }, 'in-flight': { type: 'string' }, 'run-dir': { type: 'string' } },
});
const ROUNDS = Number(args.rounds ?? '100');
const IN_FLIGHT = Number(args['in-flight'] ?? '1');
const RUN_DIR = args['run-dir'] ?? defaultFabricRunDir();

async function turn(ledger: FabricLedger, p: Posters, rnd: Random, tag: string, out: number[]) {
  const names = Object.keys(POSTERS) as Poster[];
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async (_, k) => {
      const poster = names[(out.length + k) % names.length] as Poster;
      const route = ROUTES.find((r) => r.some((s) => s.mspId === poster)) as RouteStop[];
      const stop = route.find((s) => s.mspId === poster) as RouteStop;
      const leg = { ...paymentFacts(rnd, route, 10_000_000), legId: `${tag}-${k}`, role: stop.role };
      const s = performance.now();
      await ledger.gateway.postLegs(p.ids[poster], [leg]);
      out.push(performance.now() - s);
    }),
  );
}

const summary = (ms: number[]) => ({
  p50: round1(percentile(ms, 50)),
  p90: round1(percentile(ms, 90)),
  p99: round1(percentile(ms, 99)),
});

async function main() {
  const rnd = new Random(Date.now() % 2 ** 31);
  const consortium = loadConsortium();
  const waiting = await openFabricLedger({ runDir: RUN_DIR, consortium });
  const notWaiting = await openFabricLedger({ runDir: RUN_DIR, consortium, peersSettleMs: 0 });
  const loadStart = loadavg();
  try {
    const pw = await posters((id) => waiting.identity(id));
    const pn = await posters((id) => notWaiting.identity(id));
    const run = `settle-${Date.now().toString(36)}`;
    const w: number[] = [];
    const n: number[] = [];
    for (let i = 0; i < 5; i++) {
      await turn(waiting, pw, rnd, `${run}-warm-w${i}`, []);
      await turn(notWaiting, pn, rnd, `${run}-warm-n${i}`, []);
    }
    for (let i = 0; i < ROUNDS; i++) {
      // alternate which goes first, so neither always follows the other's block
      if (i % 2 === 0) {
        await turn(waiting, pw, rnd, `${run}-w${i}`, w);
        await turn(notWaiting, pn, rnd, `${run}-n${i}`, n);
      } else {
        await turn(notWaiting, pn, rnd, `${run}-n${i}`, n);
        await turn(waiting, pw, rnd, `${run}-w${i}`, w);
      }
    }
    console.log(
      JSON.stringify(
        {
          date: new Date().toISOString(),
          rounds: ROUNDS,
          inFlight: IN_FLIGHT,
          loadAverage: { start: loadStart.map(round1), end: loadavg().map(round1) },
          submitToReturnMs: {
            [`waiting (peersSettleMs ${PEERS_SETTLE_MS})`]: summary(w),
            'not waiting (peersSettleMs 0)': summary(n),
          },
        },
        null,
        2,
      ),
    );
  } finally {
    await waiting.close();
    await notWaiting.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
