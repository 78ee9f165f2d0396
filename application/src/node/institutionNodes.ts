import type { Server } from 'node:http';
import { join } from 'node:path';

import { createApp, type LogEntry } from '../http/createApp';
import { embeddedEnroller } from '../identity/embeddedEnroller';
import { SessionStore } from '../identity/sessions';
import { FileWallet } from '../identity/wallet';
import type { EmbeddedConsortium } from '../ledger/embeddedLedgerGateway';

export interface RunningNode {
  readonly mspId: string;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts one application node per institution of the consortium, each on its documented port on 127.0.0.1,
 * with its own wallet folder. All share the embedded ledger here; on the live network each institution runs its
 * own node against its own peer.
 */
export async function startInstitutionNodes(
  c: EmbeddedConsortium,
  options: { dataDir: string; host?: string; log?: (e: LogEntry) => void; portOffset?: number },
): Promise<RunningNode[]> {
  const host = options.host ?? '127.0.0.1';
  const nodes: RunningNode[] = [];
  try {
    for (const org of c.consortium.organisations) {
      const app = createApp({
        mspId: org.mspId,
        gateway: c.gateway,
        enroller: embeddedEnroller(c, org.mspId),
        wallet: await FileWallet.open(join(options.dataDir, 'wallets', org.mspId)),
        sessions: new SessionStore(() => Date.now()),
        ...(options.log ? { log: options.log } : {}),
      });
      const port = org.apiPort + (options.portOffset ?? 0);
      const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, host, () => {
          resolve(s);
        });
        s.once('error', (e: Error) => {
          reject(new Error(`cannot listen on ${host}:${port} for ${org.mspId}: ${e.message}`));
        });
      });
      nodes.push({
        mspId: org.mspId,
        url: `http://${host}:${port}`,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => {
              resolve();
            });
            server.closeAllConnections();
          }),
      });
    }
  } catch (e) {
    await Promise.all(nodes.map((n) => n.close()));
    throw e;
  }
  return nodes;
}
