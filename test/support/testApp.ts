import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';

import { migrate } from '../../application/src/db/migrate';
import type { Database } from '../../application/src/db/pool';
import { BlockIndexer, type BlockIndexerOptions } from '../../application/src/indexer/blockIndexer';
import type { AppDeps } from '../../application/src/http/createApp';
import { closeServer } from '../../application/src/http/listen';
import { SessionStore } from '../../application/src/identity/sessions';
import { FileWallet } from '../../application/src/identity/wallet';
import type { EmbeddedConsortium } from '../../application/src/ledger/embeddedLedger';
import { ownLegsOf } from '../../application/src/node/institutionNodes';
import { directoryOf } from '../../application/src/identity/directory';
import { openTestDatabase } from './testDatabase';

/**
 * An institution's index for a test: a fresh database (`openTestDatabase(label)`), migrated, and a block indexer
 * on it that reads `source` (default: the consortium's gateway) with the institution's own legs from its private
 * data, as `npm start` runs it. The test stops the indexer and closes the database.
 */
export async function startTestIndex(
  consortium: EmbeddedConsortium,
  institution: string,
  label: string,
  source: BlockIndexerOptions['gateway'] = consortium.gateway,
): Promise<{ db: Database; indexer: BlockIndexer }> {
  const db = await openTestDatabase(label);
  await migrate(db.pool);
  const indexer = await BlockIndexer.start({
    gateway: source,
    pool: db.pool,
    institution,
    ownLegs: ownLegsOf(consortium, institution),
  });
  return { db, indexer };
}

/**
 * What `createApp` needs to serve `mspId` on an embedded consortium: its gateway and CA, a wallet in
 * `<dir>/wallets/<mspId>`, sessions on the wall clock, no log; `over` replaces or adds any of it.
 */
export async function testAppDeps(
  consortium: EmbeddedConsortium,
  mspId: string,
  dir: string,
  over: Partial<AppDeps> = {},
): Promise<AppDeps> {
  return {
    mspId,
    gateway: consortium.gateway,
    enroller: consortium.enroller(mspId),
    ...peopleOf(consortium, mspId),
    wallet: over.wallet ?? (await FileWallet.open(join(dir, 'wallets', mspId))),
    sessions: new SessionStore(() => Date.now()),
    log: () => undefined,
    ...over,
  };
}

/** The institution's reconcilers and approvers, as its node knows them (when the consortium names it). */
export function peopleOf(
  consortium: EmbeddedConsortium,
  mspId: string,
): { people?: ReturnType<typeof directoryOf> } {
  const org = consortium.consortium.organisations.find((o) => o.mspId === mspId);
  return org === undefined ? {} : { people: directoryOf(org) };
}

/** Stops what a test's nodes stand on, in order: their servers, the index, the ledger; then removes `dir`. */
export async function stopTestApp(o: {
  readonly servers: readonly Server[];
  readonly index?: { readonly indexer: BlockIndexer; readonly db: Database };
  readonly consortium: EmbeddedConsortium;
  readonly dir: string;
}): Promise<void> {
  for (const s of o.servers) await closeServer(s);
  await o.index?.indexer.stop();
  await o.index?.db.close();
  await o.consortium.close();
  rmSync(o.dir, { recursive: true, force: true });
}
