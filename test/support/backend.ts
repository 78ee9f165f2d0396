import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadConsortium } from '../../application/src/ledger/consortium';
import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import {
  defaultFabricRunDir,
  openFabricLedger,
  type FabricLedger,
} from '../../application/src/ledger/fabricLedger';
import type { Identity, LedgerGateway, SubmitOptions } from '../../application/src/ledger/ledgerGateway';

/**
 * Ledger time as a test sees it. On the embedded network time is virtual: every submit carries the
 * clock's timestamp and `reach` jumps. On Fabric the proposal timestamp is the client's clock and cannot be
 * injected, so `reach` waits real time, and tests use service levels short enough to wait for.
 */
export interface TestClock {
  /** The service level (ms) a timing test sets on its route: 60 s of virtual time, or a short real one. */
  readonly serviceLevelMs: number;
  /** Options for a submit at the clock's current time. */
  at(): SubmitOptions;
  /** Moves ledger time to `offsetMs` after the clock was started (never backwards). */
  reach(offsetMs: number): Promise<void>;
  /** Time since start, in ledger terms. */
  elapsedMs(): number;
}

function virtualClock(start: Date, serviceLevelMs: number): TestClock {
  let offset = 0;
  return {
    serviceLevelMs,
    at: () => ({ timestamp: new Date(start.getTime() + offset) }),
    reach(offsetMs) {
      offset = Math.max(offset, offsetMs);
      return Promise.resolve();
    },
    elapsedMs: () => offset,
  };
}

/** Fabric's minimum service level is 1 s; 2 s leaves room for the submits a test makes before the deadline. */
export const FABRIC_TEST_SERVICE_LEVEL_MS = 2_000;

function realClock(serviceLevelMs: number): TestClock {
  const started = Date.now();
  return {
    serviceLevelMs,
    at: () => ({}),
    async reach(offsetMs) {
      const wait = started + offsetMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    },
    elapsedMs: () => Date.now() - started,
  };
}

/**
 * A ledger backend for the conformance suite. The same tests run against every backend: the embedded
 * network (default) and, with TALLYSTICK_LEDGER=fabric, the live Fabric network of network/fabric.
 */
export interface Backend {
  readonly name: 'embedded' | 'fabric';
  /** The gateway, retrying MVCC conflicts as the application does. */
  readonly gateway: LedgerGateway;
  /** The same ledger without retries, to observe conflicts. */
  readonly rawGateway: LedgerGateway;
  identity(userId: string): Promise<Identity>;
  /** One above the highest block this client has seen committed (enough to see that nothing was added). */
  height(): bigint;
  /** A fresh clock for one timing test. */
  clock(): TestClock;
  stop(): Promise<void>;
  /** Backend internals some tests look at (files on disk of the embedded network). */
  readonly embedded?: EmbeddedConsortium & { dataDir: string };
  /** The live network's client (transport, wallets). */
  readonly fabric?: FabricLedger & { runDir: string };
}

export const fabricRunDir = defaultFabricRunDir;

/** The identities of the users named, in the order named, so that a suite can destructure them. */
export async function identitiesOf<const U extends readonly string[]>(
  backend: Backend,
  users: U,
): Promise<{ -readonly [K in keyof U]: Identity }> {
  return (await Promise.all(users.map((u) => backend.identity(u)))) as { -readonly [K in keyof U]: Identity };
}

/** The backend the suites run on: the embedded network unless TALLYSTICK_LEDGER names another. */
export const LEDGER_NAME = process.env.TALLYSTICK_LEDGER ?? 'embedded';

export async function startBackend(options: { endorsementWorker?: boolean } = {}): Promise<Backend> {
  if (LEDGER_NAME === 'fabric') return startFabricBackend();
  if (LEDGER_NAME !== 'embedded')
    throw new Error(`TALLYSTICK_LEDGER=${LEDGER_NAME}: expected embedded or fabric`);
  const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-test-'));
  const c = await startEmbeddedConsortium({
    dataDir,
    durability: 'none',
    endorsementWorker: options.endorsementWorker === true,
  });
  const raw = c.gateway.withoutRetries();
  return {
    name: 'embedded',
    gateway: c.gateway,
    rawGateway: raw,
    identity: (id) => c.identity(id),
    height: () => c.network.height(),
    clock: () => virtualClock(new Date('2030-01-01T09:00:00Z'), 60_000),
    async stop() {
      await c.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    embedded: { ...c, dataDir },
  };
}

/** The live network of network/fabric (it must be up, with the chaincode committed: npm run network:up, network:deploy). */
export async function startFabricBackend(runDir = fabricRunDir()): Promise<Backend> {
  const ledger = await openFabricLedger({ runDir, consortium: loadConsortium() });
  return {
    name: 'fabric',
    gateway: ledger.gateway,
    rawGateway: ledger.gateway.withoutRetries(),
    identity: (id) => ledger.identity(id),
    height: () => ledger.transport.height(),
    clock: () => realClock(FABRIC_TEST_SERVICE_LEVEL_MS),
    stop: () => ledger.close(),
    fabric: { ...ledger, runDir },
  };
}
