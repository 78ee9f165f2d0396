import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

import type { PartyNode, PartyNodeDirectory } from './partyFetch';

/**
 * The directory of the consortium's nodes a node fetches attachments from, read once at start-up. A deployment
 * names it in a JSON file, `{ "<MSP ID>": { "url": "https://…", "caCertificateFile": "/abs/ca-cert.pem" } }`;
 * `npm start`, which starts every institution's node on one machine, makes it from what it started (each node's
 * port, each institution's CA on the network it runs on).
 */
export const PARTY_NODES_ENV = 'TALLYSTICK_PARTY_NODES_FILE';

/** The directory named by TALLYSTICK_PARTY_NODES_FILE, or undefined when not set; a bad file stops start-up. */
export function readPartyNodesFile(
  env: Readonly<Record<string, string | undefined>>,
): PartyNodeDirectory | undefined {
  const file = env[PARTY_NODES_ENV];
  if (file === undefined || file === '') return undefined;
  if (!isAbsolute(file)) throw new Error(`${PARTY_NODES_ENV} must be an absolute path, got ${file}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${PARTY_NODES_ENV}: cannot read ${file} as JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${PARTY_NODES_ENV}: ${file} must hold { "<MSP ID>": { url, caCertificateFile } }`);
  const out = new Map<string, PartyNode>();
  for (const [mspId, v] of Object.entries(parsed as Record<string, unknown>)) {
    const entry = v as { url?: unknown; caCertificateFile?: unknown } | null;
    const url = entry?.url;
    const ca = entry?.caCertificateFile;
    if (typeof url !== 'string' || !/^https?:\/\/[^/]+/.test(url))
      throw new Error(`${PARTY_NODES_ENV}: ${mspId}.url must be an http(s) URL`);
    if (typeof ca !== 'string' || !isAbsolute(ca))
      throw new Error(`${PARTY_NODES_ENV}: ${mspId}.caCertificateFile must be an absolute path`);
    let pem: string;
    try {
      pem = readFileSync(ca, 'utf8');
    } catch {
      throw new Error(`${PARTY_NODES_ENV}: cannot read ${mspId}.caCertificateFile ${ca}`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new Error(`${PARTY_NODES_ENV}: ${ca} does not hold a certificate in PEM`);
    out.set(mspId, { url, caCertificatePem: pem });
  }
  return out;
}

/**
 * The directory of nodes one process starts side by side (`npm start`): each institution's node at its port on
 * `host`, with its CA certificate as `caOf` finds it (institutions without one are left out).
 */
export function localPartyNodes(
  organisations: readonly { readonly mspId: string; readonly apiPort: number }[],
  options: { host: string; portOffset: number; https: (mspId: string) => boolean },
  caOf: (mspId: string) => string | undefined,
): PartyNodeDirectory {
  const out = new Map<string, PartyNode>();
  for (const o of organisations) {
    const pem = caOf(o.mspId);
    if (pem === undefined) continue;
    const scheme = options.https(o.mspId) ? 'https' : 'http';
    out.set(o.mspId, {
      url: `${scheme}://${options.host}:${String(o.apiPort + options.portOffset)}`,
      caCertificatePem: pem,
    });
  }
  return out;
}

/** A live Fabric network's CA certificate of an institution, as the launcher wrote it. */
export function fabricCaCertificate(runDir: string, mspId: string): string | undefined {
  const file = join(runDir, 'cas', mspId, 'ca-cert.pem');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
