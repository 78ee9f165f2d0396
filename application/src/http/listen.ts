import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Express } from 'express';

/**
 * Serves `app` on `host:port` (port 0: any free one) and resolves once it listens, with the URL it answers on;
 * rejects naming the address (and `what` listens there) when it cannot (port taken, address not local).
 */
export function listen(
  app: Express,
  port: number,
  host: string,
  what?: string,
): Promise<{ server: Server; url: string }> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, () => {
      resolve({ server, url: `http://${host}:${(server.address() as AddressInfo).port}` });
    });
    server.once('error', (e: Error) => {
      reject(new Error(`cannot listen on ${host}:${port}${what ? ` for ${what}` : ''}: ${e.message}`));
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
