import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedgerGateway';
import type { Identity, LedgerGateway } from '../../application/src/ledger/ledgerGateway';

/**
 * A ledger backend for the conformance suite. The same tests run against every backend: the embedded
 * network (default) and, with TALLYSTICK_LEDGER=fabric, the live Fabric network.
 */
export interface Backend {
  readonly name: 'embedded' | 'fabric';
  /** The gateway, retrying MVCC conflicts as the application does. */
  readonly gateway: LedgerGateway;
  /** The same ledger without retries, to observe conflicts. */
  readonly rawGateway: LedgerGateway;
  identity(userId: string): Promise<Identity>;
  height(): bigint;
  stop(): Promise<void>;
  /** Backend internals some tests look at (files on disk of the embedded network). */
  readonly embedded?: EmbeddedConsortium & { dataDir: string };
}

export async function startBackend(): Promise<Backend> {
  const which = process.env.TALLYSTICK_LEDGER ?? 'embedded';
  if (which !== 'embedded')
    throw new Error(`TALLYSTICK_LEDGER=${which}: only the embedded backend is wired into the suite so far`);
  const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-test-'));
  const c = await startEmbeddedConsortium({ dataDir, durability: 'none' });
  const raw = c.gateway.withoutRetries();
  return {
    name: 'embedded',
    gateway: c.gateway,
    rawGateway: raw,
    identity: (id) => c.identity(id),
    height: () => c.network.height(),
    async stop() {
      await c.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
    embedded: { ...c, dataDir },
  };
}
