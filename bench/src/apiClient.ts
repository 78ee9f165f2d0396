import { Agent, request } from 'node:http';

import type { LegInput } from '../../application/src/ledger/ledgerGateway';
import { Random } from '../../application/src/simulation/random';
import { percentile } from '../../application/src/simulation/runBusinessDay';
import type { RouteStop } from '../../chaincode/src/core/leg';
import { legsByStop, ROUTES } from './payments';

/**
 * The member systems of `npm run bench:api` (bench/src/api.ts), in a process of their own as a bank's systems
 * are: each institution's system logs in at its own node and posts `POST /v1/legs/batch` over keep-alive HTTP.
 * The bodies are made and encoded before the clock starts, so the figure is the nodes', not the generator's.
 * Driven over IPC by api.ts: `login`, then `prepare` and `go` per run.
 */

/** What the bench's process sends. */
export type ClientCommand =
  | {
      readonly type: 'login';
      readonly nodes: Readonly<Record<string, string>>;
      readonly users: Readonly<Record<string, { id: string; secret: string }>>;
    }
  | {
      readonly type: 'prepare';
      readonly tag: string;
      readonly batchLegs: number;
      readonly blocks: number;
      readonly inFlight: number;
      readonly seed: number;
    }
  | { readonly type: 'go' }
  | { readonly type: 'exit' };

export interface RunReport {
  readonly legs: number;
  readonly batches: number;
  readonly seconds: number;
  readonly legsPerSec: number;
  readonly batchMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly failures: readonly string[];
  /** Batches sent again after their connection closed under them (idempotent: see postAgain). */
  readonly resent: number;
  /** Legs acknowledged (201), by the institution that posted them. */
  readonly acknowledged: Readonly<Record<string, number>>;
  /** CPU time of this (the clients') process during the run, µs per leg. */
  readonly clientCpuMicrosPerLeg: number;
}

/** What this process answers. */
export type ClientMessage =
  | { readonly type: 'loggedIn' }
  | { readonly type: 'prepared'; readonly legs: number; readonly batches: number }
  | { readonly type: 'done'; readonly report: RunReport }
  | { readonly type: 'failed'; readonly message: string };

interface Batch {
  readonly poster: string;
  readonly legs: number;
  /** The request body, encoded before the clock starts. */
  readonly body: Buffer;
  /** The batch of the same payments' previous leg: it must be acknowledged first, as a payment's legs follow. */
  readonly after?: Batch;
  acknowledged?: Promise<void>;
  acknowledge?: () => void;
}

/**
 * `blocks` blocks of `size` payments, each block on one route (ROUTES in turn) as three batches: debits,
 * clearing entries, credits, posted by their three institutions. Each institution's queue takes them in rounds:
 * round r holds the debits of block r, the entries of block r - lag and the credits of block r - 2 lag, so
 * batches in flight together belong to different payments (no two touch one case) and every institution has
 * work from the start.
 */
function paymentBatches(rnd: Random, blocks: number, size: number, tag: string, lag: number) {
  const perBlock: Batch[][] = [];
  for (let b = 0; b < blocks; b++) {
    const route = ROUTES[b % ROUTES.length] as RouteStop[];
    const perStop = legsByStop(rnd, route, size, tag, b);
    const stages: Batch[] = [];
    route.forEach((stop, s) => {
      const after = stages[s - 1];
      const legs = perStop[s] as LegInput[];
      stages.push({
        poster: stop.mspId,
        legs: legs.length,
        body: Buffer.from(JSON.stringify({ legs })),
        ...(after ? { after } : {}),
      });
    });
    perBlock.push(stages);
  }
  const queues = new Map<string, Batch[]>();
  for (let r = 0; r < blocks + 2 * lag; r++) {
    for (let s = 0; s < 3; s++) {
      const batch = perBlock[r - s * lag]?.[s];
      if (!batch) continue;
      let promiseResolve: () => void = () => undefined;
      batch.acknowledged = new Promise<void>((resolve) => {
        promiseResolve = resolve;
      });
      batch.acknowledge = promiseResolve;
      const q = queues.get(batch.poster) ?? [];
      q.push(batch);
      queues.set(batch.poster, q);
    }
  }
  return queues;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function post(
  url: string,
  path: string,
  body: Buffer,
  token?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': String(body.length),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Batches sent again after their connection closed without an answer. */
let resent = 0;

/**
 * A post, sent again when its keep-alive connection was closed by the node as the request went out (the node
 * ends idle connections after 5 s, and a batch waiting for its payments' previous legs may idle that long).
 * Safe: legs are idempotent by their ids (the same legs again are UNCHANGED).
 */
async function postAgain(url: string, body: Buffer, token: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await post(url, '/v1/legs/batch', body, token);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (attempt >= 3 || (code !== 'ECONNRESET' && code !== 'EPIPE')) throw e;
      resent++;
    }
  }
}

const nodes = new Map<string, string>();
const tokens = new Map<string, string>();
let prepared: Map<string, Batch[]> | undefined;
let preparedInFlight = 1;

async function login(command: Extract<ClientCommand, { type: 'login' }>): Promise<ClientMessage> {
  for (const [mspId, url] of Object.entries(command.nodes)) nodes.set(mspId, url);
  for (const [mspId, user] of Object.entries(command.users)) {
    const url = nodes.get(mspId);
    if (url === undefined) throw new Error(`no node for ${mspId}`);
    const r = await post(
      url,
      '/v1/sessions',
      Buffer.from(JSON.stringify({ enrollmentId: user.id, secret: user.secret })),
    );
    if (r.status !== 201) throw new Error(`login of ${user.id}: ${r.status} ${r.text.slice(0, 200)}`);
    tokens.set(mspId, (JSON.parse(r.text) as { token: string }).token);
  }
  return { type: 'loggedIn' };
}

function prepare(command: Extract<ClientCommand, { type: 'prepare' }>): ClientMessage {
  // With lag ≥ in flight + 1, an institution's batches in flight together are of different blocks.
  prepared = paymentBatches(
    new Random(command.seed),
    command.blocks,
    command.batchLegs,
    command.tag,
    command.inFlight + 1,
  );
  preparedInFlight = command.inFlight;
  const all = [...prepared.values()].flat();
  return { type: 'prepared', legs: all.reduce((s, b) => s + b.legs, 0), batches: all.length };
}

async function go(): Promise<ClientMessage> {
  const queues = prepared;
  if (!queues) throw new Error('go before prepare');
  prepared = undefined;
  const latencies: number[] = [];
  const failures: string[] = [];
  const acknowledged: Record<string, number> = {};
  let legs = 0;
  resent = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    [...queues].flatMap(([poster, queue]) => {
      const url = nodes.get(poster);
      const token = tokens.get(poster);
      if (url === undefined || token === undefined) throw new Error(`${poster} is not logged in`);
      let next = 0;
      // `inFlight` requests per institution at most, each waiting for its payments' previous legs.
      return Array.from({ length: preparedInFlight }, async () => {
        while (next < queue.length) {
          const b = queue[next++] as Batch;
          if (b.after) await b.after.acknowledged;
          const s = performance.now();
          const r = await postAgain(url, b.body, token);
          latencies.push(performance.now() - s);
          if (r.status === 201) {
            acknowledged[poster] = (acknowledged[poster] ?? 0) + b.legs;
            legs += b.legs;
          } else failures.push(`${poster}: ${r.status} ${r.text.slice(0, 300)}`);
          // A refused batch still releases the next stage (which then joins cases without this leg).
          b.acknowledge?.();
        }
      });
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    type: 'done',
    report: {
      legs,
      batches: latencies.length,
      seconds: Number(seconds.toFixed(2)),
      legsPerSec: Math.round(legs / seconds),
      batchMs: {
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
        max: Math.round(Math.max(...latencies)),
      },
      failures,
      resent,
      acknowledged,
      clientCpuMicrosPerLeg: Number(((cpu.user + cpu.system) / Math.max(1, legs)).toFixed(1)),
    },
  };
}

async function handle(command: ClientCommand): Promise<ClientMessage | undefined> {
  switch (command.type) {
    case 'login':
      return login(command);
    case 'prepare':
      return prepare(command);
    case 'go':
      return go();
    case 'exit':
      agent.destroy();
      process.disconnect();
      return undefined;
  }
}

process.on('message', (command: ClientCommand) => {
  handle(command).then(
    (answer) => {
      if (answer) process.send?.(answer);
    },
    (e: unknown) => {
      process.send?.({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
    },
  );
});
