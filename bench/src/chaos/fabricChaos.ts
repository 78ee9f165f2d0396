/**
 * `npm run chaos -- --ledger fabric`: the chaos run on the live Fabric network the launcher runs
 * (`npm run network:up`). The four institutions' systems post legs through the Fabric gateway while, one at a
 * time, a peer, the Raft leader orderer and the chaincode server are killed with SIGKILL (by the PID the
 * launcher recorded in network/fabric/.run/pids.json) and brought back with `network:up`, which starts only what
 * is not running. Then: every acknowledged leg on the ledger exactly once (from the block events from block 0),
 * every peer at the same height, and for each institution an index built from the ledger that `verifyIndex`
 * finds equal to it, own legs included.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { migrate } from '../../../application/src/db/migrate';
import { openTestDatabase } from '../../../application/src/db/testing';
import { BlockIndexer } from '../../../application/src/indexer/blockIndexer';
import { ownLegReader } from '../../../application/src/indexer/ownLegs';
import { verifyIndex } from '../../../application/src/indexer/verify';
import { loadConsortium } from '../../../application/src/ledger/consortium';
import { openFabricLedger } from '../../../application/src/ledger/fabricLedgerGateway';
import {
  LedgerRejected,
  LedgerUnavailable,
  type ChangeNotice,
  type Identity,
  type LegInput,
} from '../../../application/src/ledger/ledgerGateway';
import { consortiumInstitutions, generateBusinessDay } from '../../../application/src/simulation/businessDay';

export type FabricFaultKind = 'kill-peer' | 'kill-raft-leader' | 'kill-chaincode-server';
export const FABRIC_FAULT_KINDS: readonly FabricFaultKind[] = [
  'kill-peer',
  'kill-raft-leader',
  'kill-chaincode-server',
];

export interface FabricFaultReport {
  readonly kind: FabricFaultKind;
  /** The launcher's name of the process killed, and its PID. */
  readonly node: string;
  readonly pid: number;
  readonly atAcknowledgedLegs: number;
  /** Kill to `network:up` done (it starts only what is down). */
  readonly restartMs: number;
  /** Kill to the first batch acknowledged after the restart. */
  readonly recoveryMs: number;
  /** What clients got meanwhile: LedgerUnavailable is the node's 503; a refusal would be a 4xx. */
  readonly outage: {
    unavailable503: number;
    refused4xx: number;
    other5xx: number;
    acknowledged: number;
    /** Failed attempts per institution. */
    failedBy: Record<string, number>;
  };
  /** Not recovered within the deadline: the run stopped posting and audited what it had. */
  readonly recovered: boolean;
}

/** How long after the restart a fault may take to recover before the run gives up on it. */
const RECOVERY_DEADLINE_MS = 180_000;

export interface FabricChaosReport {
  readonly startedAt: string;
  readonly backend: 'fabric';
  readonly seed: number;
  readonly durationMs: number;
  readonly legsPlanned: number;
  readonly legsAcknowledged: number;
  readonly legsAnsweredUnchanged: number;
  readonly attempts: number;
  readonly ledger: { legsOnLedger: number; lost: number; duplicated: number; unexpected: number };
  readonly peerHeights: Record<string, string>;
  readonly peersEqualAfterMs: number;
  readonly institutions: readonly {
    mspId: string;
    legsAcknowledged: number;
    verifyDifferences: number;
    /** Differences by kind and field, and a few of them. */
    differencesBy: Record<string, number>;
    differenceExamples: unknown[];
    ownLegsChecked: number;
  }[];
  readonly faults: readonly FabricFaultReport[];
  readonly passed: boolean;
  readonly failures: readonly string[];
}

const POSTERS = ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP'] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function launcher(repoRoot: string, command: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'network', 'fabric', 'cli.mjs'), command],
      { cwd: repoRoot, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` });
      },
    );
  });
}

type PidTable = Record<string, { pid: number; bin: string; log: string }>;

/** The orderer that leads the channel's Raft cluster now, from the orderers' own logs. */
function raftLeader(runDir: string, pids: PidTable): string {
  // Each orderer's log names its own Raft id (`node=N`) on every consensus line, and the newest
  // "Raft leader changed: a -> b" line across the logs names the leader's id.
  const ids = new Map<number, string>();
  let newest: { at: string; leader: number } | undefined;
  for (const name of Object.keys(pids).filter((n) => n.startsWith('orderer'))) {
    const text = readFileSync(join(runDir, 'logs', `${name}.log`), 'utf8');
    for (const m of text.matchAll(
      /(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+).*Raft leader changed: \d+ -> (\d+).*node=(\d+)/g,
    )) {
      const [, at, leader, self] = m;
      if (at === undefined || leader === undefined || self === undefined) continue;
      ids.set(Number(self), name);
      if (newest === undefined || at > newest.at) newest = { at, leader: Number(leader) };
    }
  }
  const leader = newest === undefined ? undefined : ids.get(newest.leader);
  if (leader === undefined) throw new Error('cannot tell the Raft leader from the orderers’ logs');
  return leader;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function runFabricChaos(o: {
  legs: number;
  faults: readonly FabricFaultKind[];
  seed: number;
  repoRoot: string;
  log: (line: string) => void;
}): Promise<FabricChaosReport> {
  const { log } = o;
  const runDir = join(o.repoRoot, 'network', 'fabric', '.run');
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const consortium = loadConsortium();
  const status = await launcher(o.repoRoot, 'status');
  if (status.code !== 0)
    throw new Error(`the live network is not up (npm run network:status):\n${status.out}`);
  const ledger = await openFabricLedger({ runDir, consortium });
  try {
    const systemUser = (mspId: string): string => {
      const u = consortium.organisations
        .find((org) => org.mspId === mspId)
        ?.users.find((x) => x.roles.includes('submitter'));
      if (!u) throw new Error(`${mspId} has no submitter`);
      return u.id;
    };
    const systems = new Map<string, Identity>();
    for (const mspId of POSTERS) systems.set(mspId, await ledger.identity(systemUser(mspId)));
    // A fresh business date per run: the live ledger keeps earlier runs' legs (leg ids carry the seed and date).
    const date = new Date(Date.UTC(2030, 0, 1) + (o.seed % 3000) * 86_400_000).toISOString().slice(0, 10);
    const day = generateBusinessDay({
      seed: o.seed,
      payments: Math.ceil(o.legs / 2.7),
      date,
      institutions: consortiumInstitutions(consortium.organisations),
    });
    type Batch = { mspId: string; legs: LegInput[]; acknowledged: boolean; round: number };
    const batches: Batch[] = [];
    for (const mspId of POSTERS) {
      const legs = day.postings
        .filter((p) => p.poster === mspId)
        .sort((a, b) => a.atMs - b.atMs)
        .map((p) => p.leg);
      for (let i = 0; i < legs.length; i += 100)
        batches.push({ mspId, legs: legs.slice(i, i + 100), acknowledged: false, round: i / 100 });
    }
    // Interleaved, so that every institution posts throughout (a fault of one institution's peer meets its load).
    const order = (mspId: string) => (POSTERS as readonly string[]).indexOf(mspId);
    batches.sort((a, b) => a.round - b.round || order(a.mspId) - order(b.mspId));
    const legsPlanned = batches.reduce((n, b) => n + b.legs.length, 0);
    log(
      `chaos (fabric): ${legsPlanned} legs of ${day.payments.length} payments (value date ${date}) in ${batches.length} batches; faults: ${o.faults.join(', ')}`,
    );

    let acknowledged = 0;
    let unchanged = 0;
    let attempts = 0;
    let lastBlock = 0n;
    let lastTx: { txId: string; blockNumber: bigint } | undefined;
    const outsideOutage = { refused4xx: 0, other5xx: 0 };
    type Current = {
      kind: FabricFaultKind;
      node: string;
      pid: number;
      at: number;
      killedAt: number;
      restartedAt?: number;
      outage: FabricFaultReport['outage'];
    };
    let current: Current | undefined;
    const faults: FabricFaultReport[] = [];
    const failures: string[] = [];

    let abandoned = false;
    const post = async (b: Batch) => {
      const who = systems.get(b.mspId) as Identity;
      for (;;) {
        attempts += 1;
        try {
          const r = await ledger.gateway.postLegs(who, b.legs);
          b.acknowledged = true;
          acknowledged += b.legs.length;
          unchanged += r.result.filter((l) => l.outcome === 'UNCHANGED').length;
          if (r.result.some((l) => l.outcome === 'POSTED') && r.blockNumber > lastBlock) {
            lastBlock = r.blockNumber;
            lastTx = { txId: r.txId, blockNumber: r.blockNumber };
          }
          if (current) current.outage.acknowledged += 1;
          if (current?.restartedAt !== undefined) {
            faults.push({
              recovered: true,
              kind: current.kind,
              node: current.node,
              pid: current.pid,
              atAcknowledgedLegs: current.at,
              restartMs: Math.round(current.restartedAt - current.killedAt),
              recoveryMs: Math.round(performance.now() - current.killedAt),
              outage: current.outage,
            });
            log(`chaos (fabric): recovered from ${current.kind} in ${faults.at(-1)?.recoveryMs ?? 0} ms`);
            current = undefined;
          }
          return;
        } catch (e) {
          const bucket = current?.outage ?? outsideOutage;
          if (current) {
            current.outage.failedBy[b.mspId] = (current.outage.failedBy[b.mspId] ?? 0) + 1;
            const n = Object.values(current.outage.failedBy).reduce((x, y) => x + y, 0);
            if (n <= 3 || n % 25 === 0)
              log(
                `chaos (fabric): ${b.mspId} attempt failed (${n} during ${current.kind}): ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`.slice(
                  0,
                  400,
                ),
              );
          }
          if (e instanceof LedgerUnavailable) {
            if (current) current.outage.unavailable503 += 1;
            else failures.push(`unavailable outside any fault: ${e.message}`);
          } else if (e instanceof LedgerRejected) {
            bucket.refused4xx += 1;
            failures.push(`${b.mspId} batch refused: ${e.code} ${e.detail}`.slice(0, 300));
            return;
          } else {
            bucket.other5xx += 1;
            failures.push(
              `${b.mspId} batch failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300),
            );
          }
          if (abandoned) return;
          await sleep(250);
        }
      }
    };

    // As on the embedded network: no batch past a fault's gate starts before the fault is injected, so every
    // fault meets load and has batches left to recover with.
    const plan = o.faults.map((kind, i) => ({
      kind,
      gate: Math.floor(((i + 1) * batches.length) / (o.faults.length + 1)),
      open: false,
    }));
    let started = 0;
    const scheduler = (async () => {
      for (const f of plan) {
        while (started < f.gate || current !== undefined) await sleep(50);
        const pids = JSON.parse(readFileSync(join(runDir, 'pids.json'), 'utf8')) as PidTable;
        const node =
          f.kind === 'kill-peer'
            ? 'peer0-bankb'
            : f.kind === 'kill-raft-leader'
              ? raftLeader(runDir, pids)
              : (Object.keys(pids)
                  .filter((n) => n.startsWith('chaincode') && isAlive(pids[n]?.pid ?? 0))
                  .at(-1) ?? '');
        const record = pids[node];
        if (!record || !isAlive(record.pid))
          throw new Error(`no running process ${node} in ${runDir}/pids.json`);
        const fault: Current = {
          kind: f.kind,
          node,
          pid: record.pid,
          at: acknowledged,
          killedAt: performance.now(),
          outage: { unavailable503: 0, refused4xx: 0, other5xx: 0, acknowledged: 0, failedBy: {} },
        };
        current = fault;
        log(`chaos (fabric): SIGKILL to ${node} (pid ${record.pid}) at ${acknowledged} acknowledged legs`);
        process.kill(record.pid, 'SIGKILL');
        f.open = true;
        // The network runs without it for a while under load, then the launcher brings back what is down.
        await sleep(5_000);
        const up = await launcher(o.repoRoot, 'up');
        if (up.code !== 0)
          throw new Error(`network:up after killing ${node} failed:\n${up.out.slice(-3000)}`);
        fault.restartedAt = performance.now();
        log(`chaos (fabric): ${node} back after ${Math.round(fault.restartedAt - fault.killedAt)} ms`);
        while ((current as Current | undefined) !== undefined) {
          if (performance.now() - (fault.restartedAt ?? 0) > RECOVERY_DEADLINE_MS) {
            faults.push({
              recovered: false,
              kind: fault.kind,
              node: fault.node,
              pid: fault.pid,
              atAcknowledgedLegs: fault.at,
              restartMs: Math.round((fault.restartedAt ?? 0) - fault.killedAt),
              recoveryMs: -1,
              outage: fault.outage,
            });
            failures.push(
              `${fault.kind} (${node}): no batch acknowledged within ${RECOVERY_DEADLINE_MS / 1000} s of the restart; failed attempts ${JSON.stringify(fault.outage.failedBy)}`,
            );
            log(
              `chaos (fabric): ${fault.kind} not recovered in ${RECOVERY_DEADLINE_MS / 1000} s; stopping the load`,
            );
            abandoned = true;
            current = undefined;
            return;
          }
          await sleep(50);
        }
      }
    })();
    let next = 0;
    const clients = Array.from({ length: 8 }, async () => {
      while (next < batches.length && !abandoned) {
        while (plan.some((f) => !f.open && started >= f.gate)) await sleep(20);
        if (next >= batches.length) break;
        started += 1;
        await post(batches[next++] as Batch);
      }
    });
    await Promise.all([...clients, scheduler]);
    log(`chaos (fabric): load done, ${acknowledged} legs acknowledged in ${attempts} attempts; auditing`);

    // The audit opens its own connections: an observer that did not live through the faults.
    const auditor = await openFabricLedger({ runDir, consortium });
    try {
      // The ledger from block 0: every leg posted, by its event.
      const counts = new Map<string, number>();
      await new Promise<void>((resolve) => {
        let quiet: NodeJS.Timeout | undefined;
        const off = auditor.gateway.onChanges(
          (n: ChangeNotice) => {
            for (const l of n.legs)
              counts.set(`${l.mspId}:${l.legId}`, (counts.get(`${l.mspId}:${l.legId}`) ?? 0) + 1);
            if (n.blockNumber >= lastBlock) {
              clearTimeout(quiet);
              quiet = setTimeout(() => {
                off();
                resolve();
              }, 2_000);
            }
          },
          { startBlock: 0n },
        );
      });
      const planned = new Set(batches.flatMap((b) => b.legs.map((l) => `${b.mspId}:${l.legId}`)));
      const acked = batches
        .filter((b) => b.acknowledged)
        .flatMap((b) => b.legs.map((l) => `${b.mspId}:${l.legId}`));
      const mine = [...counts].filter(([k]) => planned.has(k));
      const lost = acked.filter((k) => !counts.has(k)).length;
      const duplicated = mine.filter(([, n]) => n > 1).length;
      const unexpected = [...counts.keys()].filter(
        (k) => !planned.has(k) && k.includes(`-${date.replaceAll('-', '')}-`),
      ).length;

      // Every peer at the same height, within two minutes.
      const heightsStart = performance.now();
      let peerHeights: Record<string, string> = {};
      for (;;) {
        const s = await launcher(o.repoRoot, 'status');
        peerHeights = Object.fromEntries(
          [...s.out.matchAll(/^(peer\S+)\s+peer\s+\S+\s+up\s+\S+@(\d+)/gm)].map((m) => [
            m[1] ?? '',
            m[2] ?? '',
          ]),
        );
        const values = new Set(Object.values(peerHeights));
        if (
          (Object.keys(peerHeights).length === 5 && values.size === 1) ||
          performance.now() - heightsStart > 120_000
        )
          break;
        await sleep(2_000);
      }
      const peersEqualAfterMs = Math.round(performance.now() - heightsStart);

      // Each institution's index, built from the ledger, against the ledger.
      const institutions: FabricChaosReport['institutions'][number][] = [];
      for (const mspId of POSTERS) {
        const who = await auditor.identity(systemUser(mspId));
        const db = await openTestDatabase(`chaos${mspId}`);
        try {
          await migrate(db.pool);
          const indexer = await BlockIndexer.start({
            gateway: auditor.gateway,
            pool: db.pool,
            institution: mspId,
            ownLegs: ownLegReader(auditor.gateway, who),
          });
          if (lastTx) await indexer.waitFor(lastTx, 600_000);
          await indexer.stop();
          const v = await verifyIndex({ pool: db.pool, gateway: auditor.gateway, who, institution: mspId });
          institutions.push({
            mspId,
            legsAcknowledged: batches
              .filter((b) => b.mspId === mspId && b.acknowledged)
              .reduce((n, b) => n + b.legs.length, 0),
            verifyDifferences: v.differences.length,
            differencesBy: v.differences.reduce<Record<string, number>>((acc, d) => {
              const k = `${d.kind}.${d.field}`;
              acc[k] = (acc[k] ?? 0) + 1;
              return acc;
            }, {}),
            differenceExamples: v.differences.slice(0, 3),
            ownLegsChecked: v.ownLegsChecked,
          });
        } finally {
          await db.close();
        }
      }

      if (acknowledged !== legsPlanned)
        failures.push(`${legsPlanned - acknowledged} legs never acknowledged`);
      if (lost) failures.push(`${lost} acknowledged legs lost`);
      if (duplicated) failures.push(`${duplicated} legs on the ledger more than once`);
      if (new Set(Object.values(peerHeights)).size !== 1)
        failures.push(`peers' heights differ: ${JSON.stringify(peerHeights)}`);
      for (const f of faults)
        if (f.outage.refused4xx > 0)
          failures.push(`${f.kind}: ${f.outage.refused4xx} refusals during the outage`);
      for (const i of institutions) {
        if (i.verifyDifferences !== 0)
          failures.push(`${i.mspId}: verify reports ${i.verifyDifferences} differences`);
      }
      return {
        startedAt,
        backend: 'fabric',
        seed: o.seed,
        durationMs: Math.round(performance.now() - t0),
        legsPlanned,
        legsAcknowledged: acknowledged,
        legsAnsweredUnchanged: unchanged,
        attempts,
        ledger: { legsOnLedger: mine.length, lost, duplicated, unexpected },
        peerHeights,
        peersEqualAfterMs,
        institutions,
        faults,
        passed: failures.length === 0,
        failures,
      };
    } finally {
      await auditor.close();
    }
  } finally {
    await ledger.close();
  }
}

export function formatFabricChaosReport(r: FabricChaosReport): string {
  return [
    `Chaos run ${r.startedAt} (live Fabric, seed ${r.seed}): ${(r.durationMs / 1000).toFixed(1)} s`,
    `  legs planned ${r.legsPlanned}, acknowledged ${r.legsAcknowledged} (${r.attempts} attempts; ${r.legsAnsweredUnchanged} answered UNCHANGED on retry)`,
    `  ledger: ${r.ledger.legsOnLedger} of this run's legs, lost ${r.ledger.lost}, duplicated ${r.ledger.duplicated}, unexpected ${r.ledger.unexpected}`,
    `  peers' heights ${JSON.stringify(r.peerHeights)} (equal after ${r.peersEqualAfterMs} ms)`,
    '  faults:',
    ...r.faults.map(
      (f) =>
        `    ${f.kind.padEnd(22)} ${f.node} (pid ${f.pid}) at ${f.atAcknowledgedLegs} legs: back ${f.restartMs} ms, ${f.recovered ? `recovery ${f.recoveryMs} ms` : 'NOT RECOVERED'}; ${f.outage.unavailable503}×503, ${f.outage.refused4xx}×4xx, ${f.outage.other5xx}×5xx, ${f.outage.acknowledged} batches acknowledged meanwhile; failed attempts ${JSON.stringify(f.outage.failedBy)}`,
    ),
    ...r.institutions.map(
      (i) =>
        `    ${i.mspId.padEnd(18)} index: ${i.verifyDifferences} differences, ${i.ownLegsChecked} / ${i.legsAcknowledged} own legs checked`,
    ),
    r.passed ? '  verdict: PASSED' : `  verdict: FAILED\n${r.failures.map((f) => `    - ${f}`).join('\n')}`,
  ].join('\n');
}
