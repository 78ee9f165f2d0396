import { sign, verify, X509Certificate } from 'node:crypto';

import type { Role } from '../../../chaincode/src/core/actor';
import { readCertificate } from '../identity/certificate';
import type { Identity } from '../ledger/ledgerGateway';

/**
 * How one party's node fetches an attached file from the node of the institution that attached it (docs/
 * RECONCILIATION.md, "Attachments"). The file never goes on the ledger; its hash does, so the fetching node checks
 * the bytes against the ledger whoever served them.
 *
 * - **Finding the node**: a directory of the consortium's nodes, MSP ID → { url, the institution's CA certificate }
 *   (`npm start` knows its nodes' ports and the CAs of the network it started; a deployment names them in the
 *   file TALLYSTICK_PARTY_NODES_FILE).
 * - **Who asks**: the request is signed by the person who asked their own node for the file, with the private
 *   key of their enrolment certificate (held by their node's wallet, as for their ledger transactions). The
 *   signed text names the node asked (its MSP ID: a request signed for one node is refused by another), the break,
 *   the file's SHA-256 and the time. The serving node checks the certificate was issued by the CA of an
 *   institution in its directory (the institution is the CA's, never a claim), is within its validity, carries a
 *   reconciler or approver role, that the signature holds and the time lies within FETCH_FRESH_MS of its own
 *   clock; then that the institution is a party to the break the file was attached to (as the ledger named the
 *   parties when it committed the step).
 */

export interface PartyNode {
  /** The node's base URL (`http://127.0.0.1:3002`); /v1/party/... is below it. */
  readonly url: string;
  /** The institution's CA certificate (PEM): the enrolment certificates of its people chain to it. */
  readonly caCertificatePem: string;
}

/** The consortium's nodes by MSP ID. */
export type PartyNodeDirectory = ReadonlyMap<string, PartyNode>;

/** The headers of a signed fetch. */
export const FETCH_HEADERS = {
  certificate: 'Tallystick-Party-Certificate',
  signedAt: 'Tallystick-Party-Signed-At',
  signature: 'Tallystick-Party-Signature',
} as const;

/** How far a signed fetch's time may lie from the serving node's clock. */
export const FETCH_FRESH_MS = 5 * 60_000;
/** How long a node waits for another's answer. */
export const FETCH_TIMEOUT_MS = 15_000;

const STAFF: readonly Role[] = ['reconciler', 'approver'];

/** The text a fetch signs: what it asks of which node, and when. */
function signedText(audience: string, breakId: string, sha256: string, signedAt: string): Buffer {
  return Buffer.from(
    ['tallystick/attachment-fetch/v1', audience, breakId, sha256, signedAt].join('\n'),
    'utf8',
  );
}

/** The headers of a fetch of `sha256` on `breakId` from the node of `audience`, signed by `who`. */
export function signFetch(
  who: Identity,
  audience: string,
  breakId: string,
  sha256: string,
  now: Date,
): Record<string, string> {
  const signedAt = now.toISOString();
  const signature = sign('sha256', signedText(audience, breakId, sha256, signedAt), who.privateKeyPem);
  return {
    [FETCH_HEADERS.certificate]: Buffer.from(who.certificatePem, 'utf8').toString('base64'),
    [FETCH_HEADERS.signedAt]: signedAt,
    [FETCH_HEADERS.signature]: signature.toString('base64'),
  };
}

/** A fetch refused, and why (said to the caller: it names no secret). */
export class FetchRefused extends Error {
  override readonly name = 'FetchRefused';
}

/** Who a verified fetch comes from. */
export interface FetchCaller {
  readonly mspId: string;
  readonly enrollmentId: string;
  readonly roles: readonly Role[];
}

/**
 * Checks a signed fetch addressed to `audience` (this node's MSP ID) for `sha256` on `breakId`: the caller, or
 * FetchRefused naming what failed. Whether the caller's institution is a party is the route's to check.
 */
export function verifyFetch(
  header: (name: string) => string | undefined,
  directory: PartyNodeDirectory,
  audience: string,
  breakId: string,
  sha256: string,
  now: Date,
): FetchCaller {
  const certificateText = header(FETCH_HEADERS.certificate);
  const signedAt = header(FETCH_HEADERS.signedAt);
  const signature = header(FETCH_HEADERS.signature);
  if (certificateText === undefined || signedAt === undefined || signature === undefined)
    throw new FetchRefused(
      `a party's fetch carries ${Object.values(FETCH_HEADERS).join(', ')} (a signed request)`,
    );
  let pem: string;
  let cert: X509Certificate;
  try {
    pem = Buffer.from(certificateText, 'base64').toString('utf8');
    cert = new X509Certificate(pem);
  } catch {
    throw new FetchRefused(`${FETCH_HEADERS.certificate} is not a certificate (base64 of its PEM)`);
  }
  const mspId = issuingInstitution(cert, directory);
  if (mspId === undefined)
    throw new FetchRefused('the certificate was not issued by the CA of an institution this node knows');
  if (Date.parse(cert.validFrom) > now.getTime() || Date.parse(cert.validTo) < now.getTime())
    throw new FetchRefused('the certificate is not valid now');
  const at = Date.parse(signedAt);
  if (!/^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(signedAt) || Number.isNaN(at))
    throw new FetchRefused(`${FETCH_HEADERS.signedAt} must be a UTC ISO-8601 time`);
  if (Math.abs(now.getTime() - at) > FETCH_FRESH_MS)
    throw new FetchRefused(
      `the request was signed at ${signedAt}, more than ${String(FETCH_FRESH_MS / 60_000)} minutes from this node's clock`,
    );
  let valid = false;
  try {
    valid = verify(
      'sha256',
      signedText(audience, breakId, sha256, signedAt),
      cert.publicKey,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new FetchRefused(`the signature does not hold for this request to ${audience}`);
  const facts = readCertificate(pem);
  if (!facts.roles.some((r) => STAFF.includes(r)))
    throw new FetchRefused('only a reconciler or approver of a party fetches an attachment');
  return { mspId, enrollmentId: facts.enrollmentId, roles: facts.roles };
}

/** The institution whose CA issued and signed `cert` (one CA per institution, no intermediates), if any. */
function issuingInstitution(cert: X509Certificate, directory: PartyNodeDirectory): string | undefined {
  for (const [mspId, node] of directory) {
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(node.caCertificatePem);
    } catch {
      continue;
    }
    if (cert.checkIssued(ca) && cert.verify(ca.publicKey)) return mspId;
  }
  return undefined;
}

/** The answer of a party's node to a fetch: the bytes, or why not. */
export type FetchResult = { readonly bytes: Buffer } | { readonly failed: string };

/**
 * Fetches `sha256` of `breakId` from the node of `mspId`, signed by `who`, at most `maxBytes`. The caller checks
 * the bytes against the ledger's hash and size before it keeps or serves them.
 */
export async function fetchFromParty(
  directory: PartyNodeDirectory,
  mspId: string,
  who: Identity,
  breakId: string,
  sha256: string,
  maxBytes: number,
  now: Date = new Date(),
): Promise<FetchResult> {
  const node = directory.get(mspId);
  if (node === undefined) return { failed: `${mspId}: no node in this node's directory` };
  const url = `${node.url.replace(/\/$/, '')}/v1/party/breaks/${encodeURIComponent(breakId)}/attachments/${sha256}`;
  try {
    const res = await fetch(url, {
      headers: signFetch(who, mspId, breakId, sha256, now),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      redirect: 'error',
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { failed: `${mspId}: answered ${String(res.status)}` };
    }
    const length = Number(res.headers.get('content-length') ?? 'NaN');
    if (length > maxBytes) {
      await res.body?.cancel();
      return { failed: `${mspId}: a file of ${String(length)} bytes, over ${String(maxBytes)}` };
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length > maxBytes) return { failed: `${mspId}: a file over ${String(maxBytes)} bytes` };
    return { bytes };
  } catch (e) {
    return { failed: `${mspId}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
