import '../../application/src/cli/quiet';

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedgerGateway';
import { startInstitutionNodes } from '../../application/src/node/institutionNodes';
import { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import type { RouteStop } from '../../chaincode/src/core/leg';
import { caseIdOf } from '../../chaincode/src/ledger/keys';
import { paymentFacts } from './payments';
import { machineInfo, writeResults } from './results';

/**
 * `npm run bench:live`: how long after its block commits a new break reaches a console's live stream. A node
 * per institution with its index (PGlite), Bruno of Bank B logged in and reading `GET /v1/events` over HTTP,
 * as the console does; each round posts a payment whose two legs disagree on the amount and times from the
 * commit of the second leg (the submit resolving) to the event naming the case. Not a test: measured only.
 */
const ROUNDS = 200;
const ROUTE: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-bench-live-'));
  const c = await startEmbeddedConsortium({ dataDir, durability: 'fsync' });
  const nodes = await startInstitutionNodes(c, { dataDir, portOffset: 2_300, log: () => undefined });
  try {
    for (const n of nodes) await n.startIndexer();
    const bankB = nodes.find((n) => n.mspId === 'BankBMSP');
    if (bankB === undefined) throw new Error('no Bank B node');
    const session = await fetch(`${bankB.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enrollmentId: 'bruno', secret: 'bruno-pw' }),
    });
    const { token } = (await session.json()) as { token: string };
    const stream = await fetch(`${bankB.url}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    if (!stream.ok || stream.body === null) throw new Error(`live stream refused: ${stream.status}`);

    // Arrival time of each case id named in an event.
    const arrived = new Map<string, number>();
    const waiting = new Map<string, () => void>();
    const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const pump = (async () => {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) return;
        const now = performance.now();
        buffer += decoder.decode(chunk.value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const m of block.matchAll(/"caseId":"([0-9a-f]{64})"/g)) {
            const id = m[1] as string;
            if (!arrived.has(id)) arrived.set(id, now);
            waiting.get(id)?.();
          }
        }
      }
    })();

    const a = await c.identity('banka-system');
    const b = await c.identity('bankb-system');
    const rnd = new Random(7);
    const latencies: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const leg = paymentFacts(rnd, ROUTE, 1_000_000);
      const caseId = caseIdOf(leg.reference);
      await c.gateway.postLegs(a, [{ ...leg, legId: `live-A-${i}`, role: 'DEBTOR_AGENT' }]);
      const seen = new Promise<void>((resolve) => waiting.set(caseId, resolve));
      await c.gateway.postLegs(b, [
        { ...leg, amountMinor: '1', legId: `live-B-${i}`, role: 'CREDITOR_AGENT' },
      ]);
      const committedAt = performance.now();
      await seen;
      waiting.delete(caseId);
      latencies.push(Math.max(0, (arrived.get(caseId) ?? committedAt) - committedAt));
    }
    await reader.cancel();
    await pump.catch(() => undefined);

    const results = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      breaks: ROUNDS,
      commitToLiveEventMs: {
        p50: Number(percentile(latencies, 50).toFixed(1)),
        p99: Number(percentile(latencies, 99).toFixed(1)),
        max: Number(Math.max(...latencies).toFixed(1)),
      },
    };
    console.log(results);
    const file = writeResults(`${results.date.slice(0, 10)}-live.json`, results);
    console.log(`written ${file}`);
  } finally {
    await Promise.all(nodes.map((n) => n.close()));
    await c.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
