import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

import type { Express } from 'express';

import { serverTlsOptions, watchRevocationList, type NodeTls } from './mutualTls';

/**
 * Serves `app` on `host:port` (port 0: any free one) and resolves once it listens, with the URL it answers on;
 * rejects naming the address (and `what` listens there) when it cannot (port taken, address not local).
 *
 * With `tls`, HTTPS (TLS 1.2 at least) with the node's server certificate, asking every client for a
 * certificate and checking it against `tls.clientCa` only (not the system's public roots). A client without
 * one, or with one that does not verify, still gets through the handshake: the application answers it 401 with
 * the reason (mutualTls.ts), or serves it if it logs in (people, and systems where password logins are on).
 */
export function listen(
  app: Express,
  port: number,
  host: string,
  what?: string,
  tls?: NodeTls,
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    let server: Server;
    if (tls) {
      const https = createHttpsServer(serverTlsOptions(tls), app);
      // the revocation list in force, reloaded from its file when it changes (without a restart)
      https.once('close', watchRevocationList(https, tls));
      server = https;
    } else server = createHttpServer(app);
    server.once('error', (e: Error) => {
      reject(new Error(`cannot listen on ${host}:${port}${what ? ` for ${what}` : ''}: ${e.message}`));
    });
    server.listen(port, host, () => {
      resolve({
        server,
        url: `${tls ? 'https' : 'http'}://${host}:${(server.address() as AddressInfo).port}`,
      });
    });
  });
}

/** Stops listening and ends every open connection (keep-alive ones too), resolving once the server is closed. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}
