import '../../application/src/cli/quiet';

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { bulkUpload } from '../../application/src/blacklist/bulkUpload';
import { openNodeBlacklist, type NodeBlacklist } from '../../application/src/blacklist/nodeBlacklist';
import { createSubjectKeyFile } from '../../application/src/blacklist/subjectKeys';
import type { LedgerConnection } from '../../application/src/ledger/connection';
import { loadConsortium } from '../../application/src/ledger/consortium';
import { startEmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import { defaultFabricRunDir, openFabricLedger } from '../../application/src/ledger/fabricLedger';
import type { Identity } from '../../application/src/ledger/ledgerGateway';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import { machineInfo, writeResults } from './results';

/**
 * `npm run bench:blacklist`: the shared blacklist on the embedded network (durability fsync), through the node's
 * own code paths (no HTTP): bulk upload entries/s (`bulkUpload`: each line's identifier normalised and hashed,
 * checked against the policy, posted in transactions of 500), and the latency of recorded queries (a submitted
 * transaction each, `BlacklistGateway.query`), first with 1,000 entries listed, then with 100,000 or more: is it
 * flat? The queries are Bank A's, the institution that uploads: metering (issue 19 item 4) gives a member 100 queries
 * a period plus 5 per entry it lists, so a member that lists nothing runs out after 100. Written to
 * bench/results/<date>-blacklist-<HHMM>.json. Measured, never asserted.
 */
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '300' },
    // fabric: the live network the launcher runs (TALLYSTICK_FABRIC_RUN), with a key file made for the run.
    ledger: { type: 'string', default: 'embedded' },
  },
});
if (values.ledger !== 'embedded' && values.ledger !== 'fabric')
  throw new Error(`--ledger is embedded or fabric, not ${values.ledger}`);
const LEDGER = values.ledger;
const TOTAL = Number(values.entries);
const QUERIES = Number(values.queries);
const FILE_LINES = 20_000;

/** The i-th subject: a mainland mobile number (valid: 1[3-9] and nine digits). */
const mobile = (i: number) => `139${String(i).padStart(8, '0')}`;

function csvOf(from: number, to: number): string {
  const lines = ['type,identifier,category,severity,indicators,summary'];
  for (let i = from; i < to; i++)
    lines.push(`MOBILE,${mobile(i)},SERIOUS_DEFAULT,LOW,DEFAULT_OVER_90_DAYS,bench entry ${String(i)}`);
  return `${lines.join('\n')}\n`;
}

async function upload(bl: NodeBlacklist, who: Identity, from: number, to: number) {
  const started = performance.now();
  let listed = 0;
  for (let at = from; at < to; at += FILE_LINES) {
    const report = await bulkUpload(csvOf(at, Math.min(to, at + FILE_LINES)), {
      gateway: bl.gateway,
      who,
      keyring: bl.keyring,
      saltKey: bl.saltKey,
      now: bl.now,
    });
    if (report.refused.length > 0)
      throw new Error(`bench file refused lines: ${JSON.stringify(report.refused[0])}`);
    listed += report.listed;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    entries: to - from,
    listed,
    seconds: round(seconds),
    entriesPerSecond: Math.round((to - from) / seconds),
  };
}

/** Recorded queries one after another: half of subjects listed (a hit), half never listed (a miss). */
async function queries(bl: NodeBlacklist, who: Identity, listed: number, count = QUERIES) {
  const latencies: number[] = [];
  let hits = 0;
  for (let q = 0; q < count; q++) {
    const i = q % 2 === 0 ? Math.floor((q * 7919) % listed) : 50_000_000 + q;
    const subjects = bl.keyring.keysForIdentifier('MOBILE', mobile(i), 'identifier');
    const t = performance.now();
    const r = await bl.gateway.query(who, { subjects, purpose: 'FRAUD_INVESTIGATION' });
    latencies.push(performance.now() - t);
    hits += r.result.entries.length > 0 ? 1 : 0;
  }
  return {
    queries: count,
    hits,
    latencyMsP50: round(percentile(latencies, 50)),
    latencyMsP90: round(percentile(latencies, 90)),
    latencyMsP99: round(percentile(latencies, 99)),
    latencyMsMax: round(Math.max(...latencies)),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-bench-blacklist-'));
  const c: LedgerConnection =
    LEDGER === 'embedded'
      ? await startEmbeddedConsortium({ dataDir: join(dir, 'ledger'), durability: 'fsync' })
      : await openFabricLedger({ runDir: defaultFabricRunDir(), consortium: loadConsortium() });
  try {
    // On Fabric a node serves the blacklist only with configured key files: one made for the run (so a
    // long-lived network gets fresh subjects), outside the data directory as the node requires.
    const keyFile = join(dir, 'keys', 'v1.key');
    if (LEDGER === 'fabric') {
      mkdirSync(join(dir, 'keys'), { mode: 0o700 });
      await createSubjectKeyFile(keyFile, 1);
    }
    const open = (mspId: string) =>
      openNodeBlacklist(c.gateway, {
        mspId,
        env: LEDGER === 'fabric' ? { TALLYSTICK_BLACKLIST_KEY_FILES: keyFile } : {},
        dataDir: join(dir, 'ledger'),
        ...(LEDGER === 'embedded' ? { demoKeyDir: join(dir, 'keys') } : {}),
      });
    const a = await open('BankAMSP');
    if (!a) throw new Error('no blacklist');
    for (const admin of ['banka-admin', 'bankb-admin', 'payco-admin'])
      await a.gateway.join(await c.identity(admin));
    const alice = await c.identity('alice');
    const load = () => loadavg().map(round);
    // Members that list nothing (their allowance: the base 100 queries), to tell the ledger's cost of a query from
    // the metering's count of the querier's own entries.
    const [pavel, bruno] = [await c.identity('pavel'), await c.identity('bruno')];

    // Warm-up (unmeasured): V8 compiles the hot paths.
    await upload(a, alice, 0, 1_000);
    await queries(a, alice, 1_000);
    const small = {
      listed: 1_000,
      loadBefore: load(),
      queries: await queries(a, alice, 1_000),
      byNonContributor: await queries(a, pavel, 1_000, 90),
    };
    console.log(
      `1,000 entries listed: recorded query p50 ${String(small.queries.latencyMsP50)} ms, p99 ${String(small.queries.latencyMsP99)} ms; by a member that lists nothing p50 ${String(small.byNonContributor.latencyMsP50)} ms`,
    );
    const bulk = await upload(a, alice, 1_000, TOTAL);
    console.log(
      `bulk upload: ${String(bulk.entries)} entries in ${String(bulk.seconds)} s, ${String(bulk.entriesPerSecond)} entries/s`,
    );
    const large = {
      listed: TOTAL,
      loadBefore: load(),
      queries: await queries(a, alice, TOTAL),
      byNonContributor: await queries(a, bruno, TOTAL, 90),
    };
    console.log(
      `${String(TOTAL)} entries listed: recorded query p50 ${String(large.queries.latencyMsP50)} ms, p99 ${String(large.queries.latencyMsP99)} ms; by a member that lists nothing p50 ${String(large.byNonContributor.latencyMsP50)} ms`,
    );
    // The same file again: every line UNCHANGED (what a re-upload costs).
    const again = await upload(a, alice, 1_000, Math.min(TOTAL, 21_000));
    console.log(
      `the first ${String(again.entries)} lines again (UNCHANGED): ${String(again.entriesPerSecond)} entries/s`,
    );
    const now = new Date();
    const stamp = `${now.toISOString().slice(0, 10)}-blacklist${LEDGER === 'fabric' ? '-fabric' : ''}-${now.toISOString().slice(11, 16).replace(':', '')}`;
    const file = writeResults(`${stamp}.json`, {
      bench: 'blacklist',
      backend: LEDGER,
      ...(LEDGER === 'embedded' ? { durability: 'fsync' } : {}),
      at: now.toISOString(),
      machine: machineInfo(),
      bulkUpload: bulk,
      reUploadUnchanged: again,
      queriesWith1000Listed: small,
      queriesWithAllListed: large,
    });
    console.log(`results: ${file}`);
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
