/**
 * The worker thread's side of `StatementWorkers` (workerPool.ts): parses one upload at a time as its bytes are
 * pulled from the main thread, asks for the ledger's legs of the statement's period, compares and builds the
 * report. One job at a time; the main thread measures and ends it.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

import type { LedgerLeg } from './compare';
import { parseStatement } from './index';
import { buildReport, statementPeriod } from './report';
import { StatementRejected } from './statementLine';
import type { FromWorker, ToWorker, WorkerJob } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('statementWorker runs in a worker thread');

/** The job running, and what arrived for it. */
let current = -1;
let chunks: (Uint8Array | null)[] = [];
let wake: (() => void) | undefined;
let ledger: ((legs: LedgerLeg[]) => void) | undefined;
let ledgerLegs: LedgerLeg[] = [];

const send = (m: FromWorker): void => {
  port.postMessage(m);
};

/**
 * The upload's bytes as they arrive. The main thread sends a window of chunks ahead; each chunk taken gives one
 * back (`pull`), so a busy machine's thread wake-ups are not paid once per chunk, and no more than the window
 * ever waits here.
 */
async function* body(): AsyncGenerator<Uint8Array> {
  for (;;) {
    if (chunks.length === 0) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    const next = chunks.shift();
    if (next === undefined) continue;
    if (next === null) return;
    send({ t: 'pull' });
    yield next;
  }
}

async function run(id: number, job: WorkerJob): Promise<void> {
  try {
    const parsed = await parseStatement(body(), job.upload, job.limits);
    const period = statementPeriod(parsed.lines);
    const legs = await new Promise<LedgerLeg[]>((resolve) => {
      ledger = resolve;
      send({ t: 'period', ...period });
    });
    send({ t: 'done', report: buildReport(parsed, legs, job.request) });
  } catch (e) {
    if (e instanceof StatementRejected) send({ t: 'rejected', code: e.code, at: e.at, detail: e.detail });
    else send({ t: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  } finally {
    if (current === id) {
      current = -1;
      chunks = [];
      ledgerLegs = [];
      wake = undefined;
      ledger = undefined;
    }
  }
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'start') {
    current = m.id;
    chunks = [];
    void run(m.id, m.job);
    return;
  }
  if (m.id !== current) return;
  switch (m.t) {
    case 'chunk':
    case 'end':
      chunks.push(m.t === 'chunk' ? m.bytes : null);
      wake?.();
      wake = undefined;
      return;
    case 'ledger':
      for (const leg of m.legs) ledgerLegs.push(leg);
      if (m.last) {
        const legs = ledgerLegs;
        ledgerLegs = [];
        ledger?.(legs);
        ledger = undefined;
      }
      return;
  }
});
/** This thread's id (Linux): the main thread reads the thread's own CPU time by it. */
function threadId(): number | undefined {
  try {
    const tid = Number.parseInt(readFileSync('/proc/thread-self/stat', 'utf8'), 10);
    return Number.isSafeInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}
const tid = threadId();
send(tid === undefined ? { t: 'ready' } : { t: 'ready', tid });
