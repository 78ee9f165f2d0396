import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isAbsolute, resolve } from 'node:path';
import { Readable } from 'node:stream';

/**
 * How the command line reaches a node: plain HTTP, HTTPS trusting a given CA, or HTTPS presenting a client
 * certificate (mutual TLS, docs/API.md "Member systems: mutual TLS"). Paths, not contents, are what a session
 * keeps: the private key stays in its own file.
 */
export interface CliTlsFiles {
  /** The CA that issued the node's server certificate (PEM); default: the system's public roots. */
  readonly ca?: string;
  /** The client certificate (PEM) and its private key, presented in every TLS handshake. */
  readonly cert?: string;
  readonly key?: string;
}

export const CLI_TLS_ENV = {
  ca: 'TALLYSTICK_CA_FILE',
  cert: 'TALLYSTICK_CERT_FILE',
  key: 'TALLYSTICK_KEY_FILE',
} as const;

const OPTION = { ca: '--ca', cert: '--cert', key: '--key' } as const;

/**
 * Why a request got no answer: `retryable` when the node may answer a second try (refused connection, reset,
 * timeout), not when its certificate is not trusted (a second try meets the same certificate).
 */
export class NodeUnreachable extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** NODE_UNREACHABLE, TIMEOUT or NODE_NOT_TRUSTED: what a script branches on. */
    readonly code: 'NODE_UNREACHABLE' | 'TIMEOUT' | 'NODE_NOT_TRUSTED',
  ) {
    super(message);
  }
}

/** How long a request may go without a byte either way before it is given up (a node or a ledger hung). */
export const IDLE_TIMEOUT_MS_DEFAULT = 120_000;

/** A refusal of the command's own configuration (files, options): nothing was sent. */
export class CliTlsError extends Error {}

/**
 * The TLS files in force: each from its option, else its environment variable, else what the session saved.
 * Relative paths are made absolute, so a saved session works from any folder.
 */
export function tlsFilesFrom(
  options: Partial<Record<keyof CliTlsFiles, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
  saved: CliTlsFiles | undefined,
): CliTlsFiles {
  const pick = (k: keyof CliTlsFiles): string | undefined => {
    const v = options[k] ?? (env[CLI_TLS_ENV[k]] || undefined) ?? saved?.[k];
    return v === undefined ? undefined : isAbsolute(v) ? v : resolve(v);
  };
  const files = { ca: pick('ca'), cert: pick('cert'), key: pick('key') };
  if ((files.cert === undefined) !== (files.key === undefined))
    throw new CliTlsError(
      `a client certificate needs both ${OPTION.cert} and ${OPTION.key} (or ${CLI_TLS_ENV.cert} and ${CLI_TLS_ENV.key})`,
    );
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined));
}

/** The TLS errors that mean the node's certificate is not the one `--ca` vouches for: retrying cannot help. */
const UNTRUSTED_SERVER = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export interface NodeAnswer {
  readonly status: number;
  readonly text: string;
  /** The body as received (a downloaded file is not text). */
  readonly bytes: Buffer;
}

export interface NodeClient {
  send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string | Readable,
  ): Promise<NodeAnswer>;
  /** Ends the kept-alive connections (the command is done). */
  close(): void;
}

/** Reads one TLS file, refusing what does not hold `what`; a message names the file, never its content (a key). */
function readPem(files: CliTlsFiles, k: keyof CliTlsFiles, what: RegExp, described: string) {
  const file = files[k];
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliTlsError(
      `${OPTION[k]}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (!what.test(text)) throw new CliTlsError(`${OPTION[k]}: ${file} does not hold ${described} in PEM`);
  return text;
}

/** The connection pool of a node: HTTPS trusting the CA and presenting the certificate given, or plain HTTP. */
function agentFor(node: string, files: CliTlsFiles): { agent: HttpAgent; https: boolean } {
  let url: URL;
  try {
    url = new URL(node);
  } catch {
    throw new CliTlsError(`--node ${node} is not a URL`);
  }
  const https = url.protocol === 'https:';
  const given = (Object.keys(files) as (keyof CliTlsFiles)[]).filter((k) => files[k] !== undefined);
  if (!https && given.length > 0)
    throw new CliTlsError(
      `${given.map((k) => OPTION[k]).join(', ')} need an https:// node; ${node} is plain HTTP`,
    );
  if (!https) return { agent: new HttpAgent({ keepAlive: true }), https };
  const certificate = /-----BEGIN CERTIFICATE-----/;
  const ca = readPem(files, 'ca', certificate, 'CA certificates');
  const cert = readPem(files, 'cert', certificate, 'a certificate');
  const key = readPem(files, 'key', /-----BEGIN (?:EC |RSA |ENCRYPTED )?PRIVATE KEY-----/, 'a private key');
  const agent = new HttpsAgent({
    keepAlive: true,
    minVersion: 'TLSv1.2',
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined || key === undefined ? {} : { cert, key }),
  });
  return { agent, https };
}

/** Why a request to `base` got no answer, as the command line reports it. */
function unreachable(base: string, e: NodeJS.ErrnoException, idleTimeoutMs: number): NodeUnreachable {
  const code = e.code ?? '';
  if (UNTRUSTED_SERVER.has(code))
    return new NodeUnreachable(
      `the certificate of ${base} is not trusted (${code}): give the CA that issued it with ${OPTION.ca} FILE (or ${CLI_TLS_ENV.ca})`,
      false,
      'NODE_NOT_TRUSTED',
    );
  if (code === 'TIMEOUT')
    return new NodeUnreachable(
      `no answer from ${base} within ${String(idleTimeoutMs / 1000)} s (--timeout)`,
      true,
      'TIMEOUT',
    );
  return new NodeUnreachable(`cannot reach ${base}: ${e.message}`, true, 'NODE_UNREACHABLE');
}

/**
 * A client of one node, reading the TLS files once; connections are kept alive across a command's requests. A
 * request with no byte sent or received for `idleTimeoutMs` fails as TIMEOUT (a long upload that keeps sending
 * does not).
 */
export function nodeClient(
  node: string,
  files: CliTlsFiles,
  idleTimeoutMs = IDLE_TIMEOUT_MS_DEFAULT,
): NodeClient {
  const { agent, https } = agentFor(node, files);
  const base = node.replace(/\/$/, '');
  const send: NodeClient['send'] = (method, path, headers, body) =>
    new Promise((resolveAnswer, reject) => {
      const text = typeof body === 'string' ? body : undefined;
      const req = (https ? httpsRequest : httpRequest)(`${base}${path}`, {
        method,
        agent,
        headers: {
          ...headers,
          ...(text === undefined ? {} : { 'content-length': String(Buffer.byteLength(text)) }),
        },
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        reject(unreachable(base, e, idleTimeoutMs));
      });
      req.setTimeout(idleTimeoutMs, () => {
        req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' }));
      });
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => {
          reject(unreachable(base, e, idleTimeoutMs));
        });
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolveAnswer({ status: res.statusCode ?? 0, text: bytes.toString('utf8'), bytes });
        });
      });
      if (body instanceof Readable) {
        body.on('error', (e) => req.destroy(e));
        body.pipe(req);
      } else req.end(text);
    });
  return {
    send,
    close: () => {
      agent.destroy();
    },
  };
}
