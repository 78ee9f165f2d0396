/**
 * `npm run chaos`: a load of legs from four institutions through their nodes' HTTP API while, one at a time,
 * the process holding the embedded ledger and the nodes is killed with SIGKILL (at a random moment, or inside
 * a block's commit at a chosen step) and started again on the same data, or the PostgreSQL server holding the
 * nodes' indexes is (its postmaster and backends, then started again). Each institution also reads its index
 * (`GET /v1/queue`) throughout. Clients retry every batch that was not
 * acknowledged with the same leg ids until it is. At the end: every acknowledged leg on the ledger exactly once
 * (read back from the block file), each node's index equal to the ledger (`/v1/index/verify`, own legs
 * included) and its own-leg extract holding each acknowledged leg once, what clients saw during each outage
 * (no 400s, no 500s), and each fault's recovery time. See docs/RELIABILITY.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { loadConsortium, type Consortium } from '../../../application/src/ledger/consortium';
import type { LegInput } from '../../../application/src/ledger/ledgerGateway';
import { consortiumInstitutions, generateBusinessDay } from '../../../application/src/simulation/businessDay';
import type { CommitStep } from '../../../network/embedded/src/index';
import {
  FABRIC_FAULT_KINDS,
  formatFabricChaosReport,
  runFabricChaos,
  type FabricFaultKind,
} from './fabricChaos';
import type { LedgerProcessCommand, LedgerProcessMessage } from './ledgerProcess';
import { startPostgresServer, type PostgresServer } from './postgresServer';

/**
 * A fault: SIGKILL of the ledger process at a random moment of the load, or inside a block at `step`; or of the
 * PostgreSQL server the nodes' indexes live in (the run then starts its own server and points the nodes at it).
 */
export type FaultKind = 'kill-ledger-process' | `kill-mid-block:${CommitStep}` | 'kill-postgres';

export const FAULT_KINDS: readonly FaultKind[] = [
  'kill-ledger-process',
  'kill-mid-block:block-written',
  'kill-mid-block:private-data-written',
  'kill-mid-block:acknowledged',
  'kill-postgres',
];

/** How long the killed PostgreSQL server stays down, under load, before the run starts it again. */
const POSTGRES_DOWN_MS = 3_000;
/** How often each institution reads its index. */
const READ_EVERY_MS = 500;

export interface ChaosOptions {
  /** Legs to post at least (the business day is sized to reach it). */
  readonly legs: number;
  readonly faults: readonly FaultKind[];
  readonly seed: number;
  readonly portOffset: number;
  /** Where the ledger and the nodes' indexes live (a fresh folder). */
  readonly dataDir: string;
  readonly batchLegs?: number;
  /** Batches in flight per institution. */
  readonly inFlight?: number;
  /**
   * The port of the run's own PostgreSQL server (started when a fault kills it; the nodes' indexes then live
   * in it, one schema per node). Default 25500: below the kernel's ephemeral range (32768-60999), so that the
   * server started again on the same port after the kill cannot find it taken by an outgoing connection.
   */
  readonly postgresPort?: number;
  readonly log?: (line: string) => void;
}

export interface Outage {
  /** Answers and errors clients got between the kill and the first acknowledged batch after it. */
  readonly connectionErrors: number;
  readonly status503: number;
  readonly status401: number;
  readonly status400: number;
  readonly status500: number;
  readonly otherStatus: Record<string, number>;
  /** Batches acknowledged meanwhile (the ledger is the record: a post does not need the index). */
  readonly acknowledged: number;
}

export interface FaultReport {
  readonly kind: FaultKind;
  readonly pid: number;
  /** Acknowledged legs when the fault was injected. */
  readonly atAcknowledgedLegs: number;
  readonly killedAtMs: number;
  /** Kill to the restarted process serving (its nodes listening, indexes following). */
  readonly restartMs: number;
  /** Of which the network and nodes' own start. */
  readonly processStartMs: number;
  /**
   * Kill to the first batch acknowledged after the restart; for `kill-postgres`, to the first index read
   * answered 200 after it.
   */
  readonly recoveryMs: number;
  readonly heightAfterRestart: string;
  readonly outage: Outage;
  /** What the restarted network said about its files (torn tail dropped, unacknowledged block kept). */
  readonly ledgerNotices: readonly string[];
}

export interface InstitutionCheck {
  readonly mspId: string;
  readonly legsAcknowledged: number;
  readonly verifyDifferences: number;
  readonly ownLegsChecked: number;
  /** Debtor and creditor legs acknowledged, and found in the node's ledger extract (each once). */
  readonly extractExpected: number;
  readonly extractRows: number;
  readonly extractMissing: number;
  readonly extractDuplicated: number;
  readonly indexedToBlock: string;
}

export interface ChaosReport {
  readonly startedAt: string;
  readonly backend: 'embedded';
  readonly seed: number;
  readonly durationMs: number;
  /** Where the nodes' indexes lived. */
  readonly indexDatabase: 'pglite' | 'postgres';
  readonly legsPlanned: number;
  readonly batches: number;
  /** Index reads (`GET /v1/queue`) the institutions made during the load. */
  readonly reads: number;
  readonly attempts: number;
  readonly legsAcknowledged: number;
  /** Legs a retry found already committed (the first attempt's answer was lost with the process). */
  readonly legsAnsweredUnchanged: number;
  readonly ledger: {
    readonly height: string;
    readonly legsOnLedger: number;
    readonly lost: number;
    readonly duplicated: number;
    /** Legs on the ledger no client planned (must be 0). */
    readonly unexpected: number;
    readonly lostExamples: readonly string[];
    readonly duplicatedExamples: readonly string[];
  };
  readonly institutions: readonly InstitutionCheck[];
  readonly faults: readonly FaultReport[];
  /** Answers outside any outage that were not 201 (must be none). */
  readonly unexpectedAnswers: Record<string, number>;
  readonly passed: boolean;
  readonly failures: readonly string[];
}

const POSTERS = ['BankAMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP'] as const;
const READY_TIMEOUT_MS = 300_000;
const REQUEST_TIMEOUT_MS = 60_000;
const RETRY_DELAY_MS = 150;

type Batch = { readonly mspId: string; readonly legs: readonly LegInput[]; acknowledged: boolean };

interface Incarnation {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly messages: LedgerProcessMessage[];
  next<T extends LedgerProcessMessage['type']>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<LedgerProcessMessage, { type: T }>>;
}

/** The ledger process: the compiled module beside this one, or the TypeScript source under the test runner. */
function spawnLedger(
  dataDir: string,
  portOffset: number,
  logFile: string,
  databaseUrl: string | undefined,
): Incarnation {
  const ext = extname(__filename);
  const out = openSync(logFile, 'a');
  const child = fork(join(__dirname, `ledgerProcess${ext}`), [], {
    execArgv: [
      ...(ext === '.ts' ? ['--require', join(__dirname, 'tsRequire.js')] : []),
      '--max-semi-space-size=64',
      '--min-semi-space-size=64',
    ],
    env: {
      ...process.env,
      ...(databaseUrl === undefined ? {} : { DATABASE_URL: databaseUrl }),
      CHAOS_LEDGER: JSON.stringify({ dataDir, portOffset }),
    },
    stdio: ['ignore', out, out, 'ipc'],
  });
  closeSync(out);
  const messages: LedgerProcessMessage[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (m: LedgerProcessMessage) => {
    messages.push(m);
    for (const w of [...waiters]) w();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.on('exit', (code, signal) => {
      done({ code, signal });
      for (const w of [...waiters]) w();
    });
  });
  const next = <T extends LedgerProcessMessage['type']>(type: T, timeoutMs: number) =>
    new Promise<Extract<LedgerProcessMessage, { type: T }>>((resolve, reject) => {
      const check = () => {
        const i = messages.findIndex((m) => m.type === type || m.type === 'error');
        if (i >= 0) {
          const [m] = messages.splice(i, 1);
          finish();
          if (m?.type === 'error') reject(new Error(`ledger process: ${m.message}`));
          else resolve(m as Extract<LedgerProcessMessage, { type: T }>);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          reject(
            new Error(
              `ledger process exited (${child.exitCode ?? child.signalCode}) before '${type}'; see ${logFile}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`ledger process: no '${type}' within ${timeoutMs} ms; see ${logFile}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { child, exited, messages, next };
}

function command(inc: Incarnation, c: LedgerProcessCommand): void {
  inc.child.send(c);
}

/** One client's view of an answer: an HTTP status, or a connection that failed. */
type Answer = { status: number; body: unknown } | { error: string };

async function request(
  url: string,
  init: { method: string; token?: string; body?: unknown },
): Promise<Answer> {
  try {
    const res = await fetch(url, {
      method: init.method,
      headers: {
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      },
      // Amounts are decimal strings on the wire (a bigint in LegInput).
      ...(init.body === undefined
        ? {}
        : { body: JSON.stringify(init.body, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: a CSV extract, or a proxy's page
    }
    return { status: res.status, body };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return { error: cause?.code ?? (e instanceof Error ? `${e.name}: ${e.message}` : String(e)) };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function emptyOutage(): { -readonly [K in keyof Outage]: Outage[K] } {
  return {
    connectionErrors: 0,
    status503: 0,
    status401: 0,
    status400: 0,
    status500: 0,
    otherStatus: {},
    acknowledged: 0,
  };
}

function isoDatePlus(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Runs the load and the faults; returns the report (the caller prints and writes it). */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const database = o.faults.includes('kill-postgres')
    ? await startPostgresServer({ port: o.postgresPort ?? 25500, ...(o.log ? { log: o.log } : {}) })
    : undefined;
  try {
    return await runLoad(o, database);
  } finally {
    await database?.stop();
  }
}

/** An outage the run is in: the fault that caused it and what clients met until it ended. */
type OpenFault = {
  kind: FaultKind;
  pid: number;
  atAcknowledgedLegs: number;
  killedAt: number;
  restartedAt?: number;
  /** The process was seen gone (its exit event). */
  gone?: boolean;
  firstAckAt?: number;
  processStartMs?: number;
  heightAfterRestart?: string;
  notices?: readonly string[];
  outage: ReturnType<typeof emptyOutage>;
};

/** A fault of the plan: injected once `gate` batches have started; `open` once it has been. */
type PlannedFault = { readonly kind: FaultKind; readonly gate: number; open: boolean };

/** The day's legs, each institution's in its posting order, cut into batches. */
interface LoadPlan {
  readonly date: string;
  readonly payments: number;
  readonly queues: ReadonlyMap<string, Batch[]>;
  readonly allBatches: readonly Batch[];
  readonly legsPlanned: number;
}

type AuditMessage = Extract<LedgerProcessMessage, { type: 'audit' }>;

async function runLoad(o: ChaosOptions, database: PostgresServer | undefined): Promise<ChaosReport> {
  const log =
    o.log ??
    ((line: string) => {
      console.log(line);
    });
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const batchLegs = o.batchLegs ?? 100;
  const consortium = loadConsortium();
  mkdirSync(o.dataDir, { recursive: true });
  const plan = planLoad(o, consortium, batchLegs);
  log(
    `chaos: ${plan.legsPlanned} legs of ${plan.payments} payments in ${plan.allBatches.length} batches of up to ${batchLegs}, faults: ${o.faults.join(', ')}`,
  );
  const run = new ChaosRun(o, database, consortium, plan, log, t0);
  await run.start();
  await run.load();
  log(`chaos: load done, ${run.acknowledgedLegs} legs acknowledged in ${run.attempts} attempts; auditing`);
  const { audit, institutions } = await run.audit();
  await run.stop();

  const ledger = ledgerCheck(audit, plan.allBatches);
  const failures = failuresOf(o, plan, run, ledger, institutions);
  return {
    startedAt,
    backend: 'embedded',
    seed: o.seed,
    durationMs: Math.round(performance.now() - t0),
    indexDatabase: database ? 'postgres' : 'pglite',
    legsPlanned: plan.legsPlanned,
    batches: plan.allBatches.length,
    reads: run.reads,
    attempts: run.attempts,
    legsAcknowledged: run.acknowledgedLegs,
    legsAnsweredUnchanged: run.answeredUnchanged,
    ledger: {
      height: audit.height,
      legsOnLedger: Object.keys(audit.legs).length,
      lost: ledger.lost.length,
      duplicated: ledger.duplicated.length,
      unexpected: ledger.unexpectedOnLedger.length,
      lostExamples: ledger.lost.slice(0, 10),
      duplicatedExamples: ledger.duplicated.slice(0, 10),
    },
    institutions,
    faults: run.faults,
    unexpectedAnswers: run.unexpected,
    passed: failures.length === 0,
    failures,
  };
}

function planLoad(o: ChaosOptions, consortium: Consortium, batchLegs: number): LoadPlan {
  const date = '2026-12-01';
  const day = generateBusinessDay({
    seed: o.seed,
    payments: Math.ceil(o.legs / 2.7),
    date,
    institutions: consortiumInstitutions(consortium.organisations),
  });
  const byPoster = new Map<string, LegInput[]>(POSTERS.map((m) => [m, []]));
  for (const p of [...day.postings].sort((a, b) => a.atMs - b.atMs)) byPoster.get(p.poster)?.push(p.leg);
  const queues = new Map<string, Batch[]>();
  for (const [mspId, legs] of byPoster) {
    const list: Batch[] = [];
    for (let i = 0; i < legs.length; i += batchLegs)
      list.push({ mspId, legs: legs.slice(i, i + batchLegs), acknowledged: false });
    queues.set(mspId, list);
  }
  const allBatches = [...queues.values()].flat();
  const legsPlanned = allBatches.reduce((n, b) => n + b.legs.length, 0);
  return { date, payments: day.payments.length, queues, allBatches, legsPlanned };
}

/** The ledger against the clients: acknowledged legs missing, legs there twice, legs nobody planned. */
function ledgerCheck(
  audit: AuditMessage,
  allBatches: readonly Batch[],
): { lost: string[]; duplicated: string[]; unexpectedOnLedger: string[] } {
  const planned = new Set(allBatches.flatMap((b) => b.legs.map((l) => `${b.mspId}:${l.legId}`)));
  const acknowledgedKeys = allBatches
    .filter((b) => b.acknowledged)
    .flatMap((b) => b.legs.map((l) => `${b.mspId}:${l.legId}`));
  const lost = acknowledgedKeys.filter((k) => audit.legs[k] === undefined);
  const duplicated = Object.entries(audit.legs)
    .filter(([, n]) => n > 1)
    .map(([k]) => k);
  const unexpectedOnLedger = Object.keys(audit.legs).filter((k) => !planned.has(k));
  return { lost, duplicated, unexpectedOnLedger };
}

/** Every check of the run that did not hold, in words. */
function failuresOf(
  o: ChaosOptions,
  plan: LoadPlan,
  run: ChaosRun,
  ledger: ReturnType<typeof ledgerCheck>,
  institutions: readonly InstitutionCheck[],
): string[] {
  const failures: string[] = [];
  if (run.acknowledgedLegs !== plan.legsPlanned)
    failures.push(`${plan.legsPlanned - run.acknowledgedLegs} legs never acknowledged`);
  if (ledger.lost.length) failures.push(`${ledger.lost.length} acknowledged legs lost from the ledger`);
  if (ledger.duplicated.length)
    failures.push(`${ledger.duplicated.length} legs on the ledger more than once`);
  if (ledger.unexpectedOnLedger.length)
    failures.push(`${ledger.unexpectedOnLedger.length} legs on the ledger that nobody posted`);
  if (run.faults.length !== o.faults.length)
    failures.push(`${run.faults.length} of ${o.faults.length} faults recovered`);
  for (const f of run.faults) {
    if (f.outage.status400 > 0)
      failures.push(`${f.kind}: ${f.outage.status400} answers 400 during the outage`);
    if (f.outage.status500 > 0)
      failures.push(`${f.kind}: ${f.outage.status500} answers 500 during the outage`);
  }
  for (const [k, n] of Object.entries(run.unexpected))
    failures.push(`${n} unexpected answers ${k} outside any outage`);
  for (const i of institutions) {
    if (i.verifyDifferences !== 0)
      failures.push(`${i.mspId}: verify reports ${i.verifyDifferences} differences`);
    if (i.ownLegsChecked !== i.legsAcknowledged)
      failures.push(
        `${i.mspId}: verify checked ${i.ownLegsChecked} own legs, ${i.legsAcknowledged} acknowledged`,
      );
    if (i.extractMissing > 0 || i.extractDuplicated > 0 || i.extractRows !== i.extractExpected)
      failures.push(
        `${i.mspId}: extract has ${i.extractRows} rows for ${i.extractExpected} legs (${i.extractMissing} missing, ${i.extractDuplicated} twice)`,
      );
  }
  return failures;
}

/**
 * One chaos run under way: the ledger process (restarted whenever it dies), the clients posting and reading,
 * the fault scheduler, and what they share: the open fault, the counts, the answers met outside any outage.
 */
class ChaosRun {
  acknowledgedLegs = 0;
  answeredUnchanged = 0;
  attempts = 0;
  /** Index reads the institutions made. */
  reads = 0;
  readonly unexpected: Record<string, number> = {};
  readonly faults: FaultReport[] = [];
  private inc!: Incarnation;
  private urls: Record<string, string> = {};
  private outage: OpenFault | undefined;
  private restarting: Promise<void> | undefined;
  private stopping = false;
  private restartFailure: Error | undefined;
  private loadDone = false;
  private readonly tokens = new Map<string, string>();
  private readonly logFile: string;
  /** Batches the clients have started. */
  private started = 0;
  // Faults at even steps of the load, one at a time: the next only once the last has recovered.
  // Fault i waits until the batches before its gate have all started; clients start no batch past the gate until
  // the fault is injected, so a fault always meets load, and a mid-block kill always gets its block.
  private readonly faultPlan: PlannedFault[];

  constructor(
    private readonly o: ChaosOptions,
    private readonly database: PostgresServer | undefined,
    private readonly consortium: Consortium,
    private readonly plan: LoadPlan,
    private readonly log: (line: string) => void,
    private readonly t0: number,
  ) {
    this.logFile = join(o.dataDir, 'ledger-process.log');
    this.faultPlan = o.faults.map((kind, i) => ({
      kind,
      gate: Math.floor(((i + 1) * plan.allBatches.length) / (o.faults.length + 1)),
      open: false,
    }));
  }

  private spawn(): Incarnation {
    return spawnLedger(this.o.dataDir, this.o.portOffset, this.logFile, this.database?.url);
  }

  async start(): Promise<void> {
    this.inc = this.spawn();
    const ready = await this.inc.next('ready', READY_TIMEOUT_MS);
    this.log(`chaos: ledger process ${this.inc.child.pid} up in ${(ready.startMs / 1000).toFixed(1)} s`);
    this.urls = ready.urls;
    this.watch(this.inc);
  }

  /** The load: every batch posted until acknowledged, the index read throughout, the faults injected. */
  async load(): Promise<void> {
    const scheduler = this.injectFaults();
    const clients = POSTERS.map((mspId) => this.client(mspId));
    // Each institution reads its index throughout (its queue, as a reconciler's console does): outside faults
    // every read answers 200; during one, a connection error or 503, never a 400 or a 500.
    const readers = POSTERS.map((mspId) => this.reader(mspId));
    try {
      await Promise.all([...clients, scheduler]);
      // A fault whose end only a read can tell (PostgreSQL's): the readers go on until it has ended.
      while (this.outage !== undefined && this.restartFailure === undefined) await sleep(20);
    } finally {
      this.loadDone = true;
    }
    await Promise.all(readers);
    if (this.restarting) await this.restarting;
  }

  /** The ledger, read back from its block file, and each node's index and extract. */
  async audit(): Promise<{ audit: AuditMessage; institutions: InstitutionCheck[] }> {
    command(this.inc, { type: 'audit' });
    const audit = await this.inc.next('audit', 600_000);
    const institutions: InstitutionCheck[] = [];
    for (const mspId of POSTERS) institutions.push(await this.checkInstitution(mspId, audit));
    return { audit, institutions };
  }

  async stop(): Promise<void> {
    this.stopping = true;
    command(this.inc, { type: 'stop' });
    await this.inc.exited;
  }

  /** Closes the fault once the process is back and a batch sent after the kill was acknowledged. */
  private finishFault(): void {
    const f = this.outage;
    if (f?.restartedAt === undefined || f.firstAckAt === undefined) return;
    this.faults.push({
      kind: f.kind,
      pid: f.pid,
      atAcknowledgedLegs: f.atAcknowledgedLegs,
      killedAtMs: Math.round(f.killedAt - this.t0),
      restartMs: Math.round(f.restartedAt - f.killedAt),
      processStartMs: Math.round(f.processStartMs ?? 0),
      recoveryMs: Math.round(f.firstAckAt - f.killedAt),
      heightAfterRestart: f.heightAfterRestart ?? '',
      outage: f.outage,
      ledgerNotices: f.notices ?? [],
    });
    this.log(`chaos: recovered from ${f.kind} in ${this.faults.at(-1)?.recoveryMs ?? 0} ms`);
    this.outage = undefined;
  }

  private userOf(mspId: string, role: 'submitter' | 'admin'): { id: string; secret: string } | undefined {
    return this.consortium.organisations
      .find((org) => org.mspId === mspId)
      ?.users.find((u) => u.roles.includes(role));
  }

  private readonly systemOf = (mspId: string) => {
    const u = this.userOf(mspId, 'submitter');
    if (!u) throw new Error(`${mspId} has no submitter`);
    return u;
  };

  private async login(
    mspId: string,
    userOf: (m: string) => { id: string; secret: string } = this.systemOf,
  ): Promise<string | undefined> {
    const u = userOf(mspId);
    const r = await request(`${this.urls[mspId] ?? ''}/v1/sessions`, {
      method: 'POST',
      body: { enrollmentId: u.id, secret: u.secret },
    });
    if ('status' in r && r.status === 201) return (r.body as { token: string }).token;
    if ('status' in r && r.status === 200) return (r.body as { token: string }).token;
    this.note(r);
    return undefined;
  }

  /** Counts an answer that was not the one hoped for: against the open outage, or as unexpected. */
  private note(a: Answer): void {
    if (this.outage !== undefined) {
      const s = this.outage.outage;
      if ('error' in a) s.connectionErrors += 1;
      else if (a.status === 503) s.status503 += 1;
      else if (a.status === 401) s.status401 += 1;
      else if (a.status === 400) s.status400 += 1;
      else if (a.status === 500) s.status500 += 1;
      else s.otherStatus[String(a.status)] = (s.otherStatus[String(a.status)] ?? 0) + 1;
    } else {
      const key = 'error' in a ? `connection:${a.error}` : String(a.status);
      this.unexpected[key] = (this.unexpected[key] ?? 0) + 1;
      if (this.unexpected[key] <= 3)
        this.log(`chaos: unexpected answer outside any outage: ${JSON.stringify(a).slice(0, 400)}`);
    }
  }

  /** One institution's client: `inFlight` loops taking its next batch, each held at a fault's gate. */
  private async client(mspId: string): Promise<void> {
    const list = this.plan.queues.get(mspId) ?? [];
    let next = 0;
    await Promise.all(
      Array.from({ length: this.o.inFlight ?? 2 }, async () => {
        while (next < list.length) {
          while (this.faultPlan.some((f) => !f.open && this.started >= f.gate)) await sleep(20);
          if (next >= list.length) break;
          const b = list[next++] as Batch;
          this.started += 1;
          await this.postBatch(b);
        }
      }),
    );
  }

  private async postBatch(b: Batch): Promise<void> {
    // A client knows nothing of the restart: it retries with a growing pause (up to a second).
    let delayMs = RETRY_DELAY_MS;
    const pause = async () => {
      await sleep(delayMs);
      delayMs = Math.min(1_000, delayMs * 2);
    };
    for (;;) {
      let token = this.tokens.get(b.mspId);
      if (token === undefined) {
        // Each client logs in on its own: two logins of one system at once must both succeed (they once
        // answered 500, the wallet's shared temporary file; docs/RELIABILITY.md).
        token = await this.login(b.mspId);
        if (token === undefined) {
          await pause();
          continue;
        }
        this.tokens.set(b.mspId, token);
      }
      this.attempts += 1;
      const sentAt = performance.now();
      const a = await request(`${this.urls[b.mspId] ?? ''}/v1/legs/batch`, {
        method: 'POST',
        token,
        body: { legs: b.legs },
      });
      if ('status' in a && a.status === 201) {
        this.acknowledged(b, a.body, sentAt);
        return;
      }
      this.note(a);
      if ('status' in a && a.status === 401) this.tokens.delete(b.mspId);
      if (
        'status' in a &&
        a.status >= 400 &&
        a.status < 500 &&
        a.status !== 401 &&
        a.status !== 429 &&
        a.status !== 408
      ) {
        // A refusal is not retried: the leg ids would be refused again. It is reported.
        throw new Error(`batch of ${b.mspId} refused: ${a.status} ${JSON.stringify(a.body).slice(0, 500)}`);
      }
      await pause();
    }
  }

  private acknowledged(b: Batch, body: unknown, sentAt: number): void {
    b.acknowledged = true;
    this.acknowledgedLegs += b.legs.length;
    const result = (body as { result: { outcome: string }[] }).result;
    this.answeredUnchanged += result.filter((l) => l.outcome === 'UNCHANGED').length;
    const outage = this.outage;
    if (outage !== undefined) outage.outage.acknowledged += 1;
    // Sent after the kill: the restarted process answered (an answer of the old one may arrive late).
    // (A post needs no index: with PostgreSQL down it is answered all the same; the reads tell that fault's end.)
    if (
      outage !== undefined &&
      outage.kind !== 'kill-postgres' &&
      outage.firstAckAt === undefined &&
      sentAt > outage.killedAt &&
      outage.gone
    ) {
      outage.firstAckAt = performance.now();
      this.finishFault();
    }
  }

  /** One institution reading its queue every READ_EVERY_MS until the load is done. */
  private async reader(mspId: string): Promise<void> {
    let token: string | undefined;
    while (!this.loadDone) {
      await sleep(READ_EVERY_MS);
      token ??= await this.login(mspId);
      if (token === undefined) continue;
      const sentAt = performance.now();
      this.reads += 1;
      const a = await request(`${this.urls[mspId] ?? ''}/v1/queue?limit=20`, { method: 'GET', token });
      if ('status' in a && a.status === 200) {
        const f = this.outage;
        if (
          f?.kind === 'kill-postgres' &&
          f.restartedAt !== undefined &&
          sentAt > f.restartedAt &&
          f.firstAckAt === undefined
        ) {
          f.firstAckAt = performance.now();
          this.finishFault();
        }
        continue;
      }
      this.note(a);
      if ('status' in a && a.status === 401) token = undefined;
    }
  }

  // Restarts the ledger process after it died, whether the run killed it or it killed itself mid-block.
  private watch(current: Incarnation): void {
    void current.exited.then(({ signal, code }) => {
      if (this.stopping) return;
      if (this.outage === undefined) {
        this.unexpected[`ledger process exit ${signal ?? code}`] = 1;
        this.outage = {
          kind: 'kill-ledger-process',
          pid: current.child.pid ?? 0,
          atAcknowledgedLegs: this.acknowledgedLegs,
          killedAt: performance.now(),
          outage: emptyOutage(),
        };
      }
      const fault = this.outage;
      fault.gone = true;
      this.log(
        `chaos: ledger process ${current.child.pid} gone (${signal ?? code}) at ${this.acknowledgedLegs} acknowledged legs; restarting`,
      );
      const restarting = this.restart(fault);
      this.restarting = restarting;
      restarting.then(
        () => {
          this.restarting = undefined;
        },
        (e: unknown) => {
          this.restartFailure = e instanceof Error ? e : new Error(String(e));
        },
      );
    });
  }

  private async restart(fault: OpenFault): Promise<void> {
    this.inc = this.spawn();
    this.watch(this.inc);
    const ready = await this.inc.next('ready', READY_TIMEOUT_MS);
    this.urls = ready.urls;
    this.tokens.clear();
    fault.restartedAt = performance.now();
    fault.processStartMs = ready.startMs;
    fault.heightAfterRestart = ready.height;
    fault.notices = ready.notices;
    this.finishFault();
    this.log(
      `chaos: ledger process ${this.inc.child.pid} up at height ${ready.height} in ${(ready.startMs / 1000).toFixed(1)} s${ready.notices.length ? `; it said: ${ready.notices.join(' | ')}` : ''}`,
    );
  }

  /** The fault scheduler: each planned fault at its gate, once the one before has recovered. */
  private async injectFaults(): Promise<void> {
    for (const f of this.faultPlan) {
      while (this.started < f.gate || this.outage !== undefined || this.restarting !== undefined) {
        if (this.restartFailure) throw this.restartFailure;
        await sleep(20);
      }
      await this.inject(f);
      // (The clients and the restart clear `outage`; the compiler cannot see that through the closures.)
      while ((this.outage as OpenFault | undefined) !== undefined) {
        if (this.restartFailure) throw this.restartFailure;
        await sleep(20);
      }
    }
  }

  private async inject(f: PlannedFault): Promise<void> {
    const pid = this.inc.child.pid ?? 0;
    const current: OpenFault = {
      kind: f.kind,
      pid,
      atAcknowledgedLegs: this.acknowledgedLegs,
      killedAt: performance.now(),
      outage: emptyOutage(),
    };
    this.outage = current;
    if (f.kind === 'kill-postgres') {
      await this.killPostgres(current, f);
    } else if (f.kind === 'kill-ledger-process') {
      this.log(`chaos: SIGKILL to ledger process ${pid} at ${this.acknowledgedLegs} acknowledged legs`);
      this.inc.child.kill('SIGKILL');
      f.open = true;
    } else {
      const step = f.kind.slice('kill-mid-block:'.length) as CommitStep;
      this.log(
        `chaos: ledger process ${pid} to kill itself at '${step}' of its next block (${this.acknowledgedLegs} acknowledged legs)`,
      );
      const exited = this.inc.exited;
      command(this.inc, { type: 'arm', step });
      f.open = true;
      // The kill comes with the next block's commit; the outage clock starts when the process is gone.
      await exited;
      current.killedAt = performance.now();
    }
  }

  /** SIGKILL to the postmaster and its backends, POSTGRES_DOWN_MS down under load, then started again. */
  private async killPostgres(current: OpenFault, f: PlannedFault): Promise<void> {
    const database = this.database;
    if (!database) throw new Error('kill-postgres without the run’s own PostgreSQL server');
    const killed = await database.kill();
    current.pid = killed.postmaster;
    current.killedAt = performance.now();
    current.gone = true;
    f.open = true;
    this.log(
      `chaos: SIGKILL to PostgreSQL's postmaster ${killed.postmaster} and its ${killed.backends.length} backends at ${this.acknowledgedLegs} acknowledged legs`,
    );
    await sleep(POSTGRES_DOWN_MS);
    current.processStartMs = await database.start();
    current.restartedAt = performance.now();
    current.heightAfterRestart = '';
    current.notices = [
      `postmaster ${killed.postmaster} and ${killed.backends.length} backends killed; started again as ${database.pid}`,
    ];
    this.log(
      `chaos: PostgreSQL ${database.pid} accepting connections again after ${Math.round(current.restartedAt - current.killedAt)} ms`,
    );
  }

  /** A node's index against the ledger (`verify`, by its admin) and its own-leg extract (by its system). */
  private async checkInstitution(mspId: string, audit: AuditMessage): Promise<InstitutionCheck> {
    const url = this.urls[mspId] ?? '';
    const admin = this.userOf(mspId, 'admin');
    const adminToken = admin ? await this.login(mspId, () => admin) : undefined;
    const verify = await request(`${url}/v1/index/verify`, {
      method: 'GET',
      ...(adminToken ? { token: adminToken } : {}),
    });
    const v =
      'status' in verify && verify.status === 200
        ? (verify.body as { differences: unknown[]; ownLegsChecked: number })
        : undefined;
    if (!v) this.log(`chaos: verify at ${mspId} answered ${JSON.stringify(verify).slice(0, 300)}`);
    const systemToken = await this.login(mspId);
    const { date } = this.plan;
    const extract = await request(
      `${url}/v1/statements/ledger?from=${isoDatePlus(date, -3)}&to=${isoDatePlus(date, 10)}`,
      { method: 'GET', ...(systemToken ? { token: systemToken } : {}) },
    );
    const rows =
      'status' in extract && extract.status === 200 && typeof extract.body === 'string'
        ? extract.body
            .split('\n')
            .slice(1)
            .filter((l) => l.trim() !== '')
        : [];
    const ids = rows.map((r) => r.split(',').at(-1)?.trim() ?? '');
    const seen = new Map<string, number>();
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
    const mine = this.plan.allBatches
      .filter((b) => b.mspId === mspId && b.acknowledged)
      .flatMap((b) => b.legs);
    const expected = mine.filter((l) => l.role === 'DEBTOR_AGENT' || l.role === 'CREDITOR_AGENT');
    return {
      mspId,
      legsAcknowledged: mine.length,
      verifyDifferences: v ? v.differences.length : -1,
      ownLegsChecked: v ? v.ownLegsChecked : -1,
      extractExpected: expected.length,
      extractRows: rows.length,
      extractMissing: expected.filter((l) => !seen.has(l.legId)).length,
      extractDuplicated: [...seen.values()].filter((n) => n > 1).length,
      indexedToBlock: audit.indexedTo[mspId] ?? '',
    };
  }
}

export function formatChaosReport(r: ChaosReport): string {
  const lines = [
    `Chaos run ${r.startedAt} (${r.backend}, indexes in ${r.indexDatabase}, seed ${r.seed}): ${(r.durationMs / 1000).toFixed(1)} s`,
    `  legs planned ${r.legsPlanned}, acknowledged ${r.legsAcknowledged} (${r.batches} batches, ${r.attempts} attempts; ${r.legsAnsweredUnchanged} legs answered UNCHANGED on retry); ${r.reads} index reads`,
    `  ledger height ${r.ledger.height}: ${r.ledger.legsOnLedger} legs, lost ${r.ledger.lost}, duplicated ${r.ledger.duplicated}, unexpected ${r.ledger.unexpected}`,
    '  faults:',
    ...r.faults.map(
      (f) =>
        `    ${f.kind.padEnd(38)} at ${String(f.atAcknowledgedLegs).padStart(6)} legs: restart ${f.restartMs} ms (process ${f.processStartMs} ms), recovery ${f.recoveryMs} ms; outage: ${f.outage.connectionErrors} connection errors, ${f.outage.status503}×503, ${f.outage.status401}×401, ${f.outage.status400}×400, ${f.outage.status500}×500, ${f.outage.acknowledged} batches acknowledged${f.ledgerNotices.length ? `; ledger: ${f.ledgerNotices.join(' | ')}` : ''}`,
    ),
    '  index per institution (verify differences, own legs checked / acknowledged, extract rows / expected):',
    ...r.institutions.map(
      (i) =>
        `    ${i.mspId.padEnd(18)} ${i.verifyDifferences} differences, ${i.ownLegsChecked} / ${i.legsAcknowledged} own legs, extract ${i.extractRows} / ${i.extractExpected} (missing ${i.extractMissing}, twice ${i.extractDuplicated}), indexed to block ${i.indexedToBlock}`,
    ),
    r.passed ? '  verdict: PASSED' : `  verdict: FAILED\n${r.failures.map((f) => `    - ${f}`).join('\n')}`,
  ];
  return lines.join('\n');
}

const USAGE = `usage: npm run chaos -- [--short] [--legs N] [--faults kind,kind,...] [--seed N] [--port-offset N (default 3370; 4370 for Bank A's node on Fabric)] [--pg-port N] [--data DIR] [--keep] [--ledger embedded|fabric]

Posts at least --legs legs (default 10000; --short: 1500 and two faults) from four institutions through their
nodes' HTTP API while killing the ledger process (SIGKILL) one fault at a time, restarting it, and checking that
every acknowledged leg is on the ledger exactly once and in each node's index. Fault kinds: ${FAULT_KINDS.join(', ')}.
kill-postgres starts the run's own PostgreSQL server (Debian's binaries, a temporary folder, 127.0.0.1:--pg-port,
default 25500, below the ephemeral port range) for the nodes' indexes, and kills its postmaster and backends with SIGKILL.
With --ledger fabric (the live network up: npm run network:status; TALLYSTICK_FABRIC_RUN and
TALLYSTICK_FABRIC_PORT_OFFSET name another), a peer, the Raft leader and the chaincode server are killed by PID
instead and brought back by network:up, and Bank A's node (its own process, posted through) is killed and
started again (kinds: ${FABRIC_FAULT_KINDS.join(', ')}).
Writes bench/results/chaos-<date>.json. Exit code 0 only if every check passed.`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      short: { type: 'boolean', default: false },
      legs: { type: 'string' },
      faults: { type: 'string' },
      seed: { type: 'string', default: '20261207' },
      'port-offset': { type: 'string' },
      'pg-port': { type: 'string', default: '25500' },
      data: { type: 'string' },
      keep: { type: 'boolean', default: false },
      ledger: { type: 'string', default: 'embedded' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.ledger === 'fabric') {
    const faults = (values.faults?.split(',') ?? FABRIC_FAULT_KINDS) as FabricFaultKind[];
    for (const f of faults)
      if (!FABRIC_FAULT_KINDS.includes(f))
        throw new Error(`unknown fault ${f} on Fabric; known: ${FABRIC_FAULT_KINDS.join(', ')}`);
    const report = await runFabricChaos({
      legs: Number(values.legs ?? (values.short ? 1500 : 10_000)),
      faults,
      seed: Number(values.seed),
      repoRoot: resolve('.'),
      ...(values['port-offset'] === undefined ? {} : { nodePortOffset: Number(values['port-offset']) }),
      log: (line) => {
        console.log(line);
      },
    });
    console.log(formatFabricChaosReport(report));
    const file = resolve(
      'bench',
      'results',
      `chaos-fabric-${report.startedAt.slice(0, 19).replaceAll(':', '')}.json`,
    );
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`written to ${file}`);
    return report.passed ? 0 : 1;
  }
  if (values.ledger !== 'embedded')
    throw new Error(`--ledger must be embedded or fabric, got ${values.ledger}`);
  const legs = Number(values.legs ?? (values.short ? 1500 : 10_000));
  const faults = (values.faults?.split(',') ??
    (values.short ? ['kill-ledger-process', 'kill-mid-block:block-written'] : FAULT_KINDS)) as FaultKind[];
  for (const f of faults)
    if (!FAULT_KINDS.includes(f)) throw new Error(`unknown fault ${f}; known: ${FAULT_KINDS.join(', ')}`);
  const dataDir = values.data ? resolve(values.data) : mkdtempSync(join(tmpdir(), 'tallystick-chaos-'));
  const report = await runChaos({
    legs,
    faults,
    seed: Number(values.seed),
    portOffset: Number(values['port-offset'] ?? '3370'),
    postgresPort: Number(values['pg-port']),
    dataDir,
  });
  const text = formatChaosReport(report);
  console.log(text);
  const results = resolve('bench', 'results');
  mkdirSync(results, { recursive: true });
  const file = join(results, `chaos-${report.startedAt.slice(0, 19).replaceAll(':', '')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written to ${file}`);
  if (!values.keep && !values.data) rmSync(dataDir, { recursive: true, force: true });
  return report.passed ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(2);
    },
  );
}
