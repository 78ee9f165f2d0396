import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';

import { answerError, CliError } from './cliErrors';
import { NodeUnreachable, type CliTlsFiles, type NodeClient } from './cliHttp';

/** What `login` keeps between commands (a file of mode 0600): the node, who logged in, how to reach it. */
export interface SavedSession {
  readonly node: string;
  /** A password login's bearer token; none when the client certificate authenticates every request. */
  readonly token?: string;
  readonly user: string;
  readonly mspId: string;
  /** The TLS files the login used (paths). */
  readonly tls?: CliTlsFiles;
}

/** A logged-in session with a client of its node: what every command after login sends its requests through. */
export interface Connection {
  readonly client: NodeClient;
  readonly token?: string | undefined;
}

const NOT_LOGGED_IN = 'not logged in: run `tallystick login --node URL --user ID` first';

/** The saved session, or NOT_LOGGED_IN (no file, an empty one after logout, or one that is not a session). */
export async function loadSession(file: string): Promise<SavedSession> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliError('refused', 'NOT_LOGGED_IN', NOT_LOGGED_IN, { session: file });
    throw new CliError(
      'usage',
      'SESSION_UNREADABLE',
      `cannot read the session ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let saved: Partial<SavedSession> | null = null;
  try {
    saved = JSON.parse(text) as Partial<SavedSession> | null;
  } catch {
    // a file that is not JSON is not a session: the same as none
  }
  if (typeof saved?.node !== 'string' || typeof saved.user !== 'string' || typeof saved.mspId !== 'string')
    throw new CliError('refused', 'NOT_LOGGED_IN', NOT_LOGGED_IN, { session: file });
  return saved as SavedSession;
}

/** Writes the session readable by its owner only (0600), in a folder only the owner may enter (0700). */
export async function saveSession(file: string, session: SavedSession): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, JSON.stringify(session), { mode: 0o600 });
  await chmod(file, 0o600);
}

export async function removeSession(file: string): Promise<void> {
  await rm(file, { force: true });
}

/** A call to the node, answering the route's declared type (apiTypes.ts); any failure is a CliError. */
export async function request<T = unknown>(
  s: Connection,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let res: { status: number; text: string };
  try {
    res = await s.client.send(
      method,
      path,
      {
        ...(s.token ? { authorization: `Bearer ${s.token}` } : {}),
        ...(body === undefined || body instanceof Readable ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body === undefined ? undefined : body instanceof Readable ? body : JSON.stringify(body),
    );
  } catch (e) {
    if (e instanceof NodeUnreachable)
      throw new CliError(e.retryable ? 'unavailable' : 'usage', e.code, e.message);
    throw e;
  }
  let payload: unknown = null;
  try {
    payload = res.text ? JSON.parse(res.text) : null;
  } catch {
    // not JSON: a proxy's page, say; an error below quotes the text, a success is refused as not an answer
    if (res.status >= 200 && res.status <= 299)
      throw new CliError('refused', 'NOT_AN_ANSWER', `${path}: the node's answer is not JSON`);
  }
  if (res.status < 200 || res.status > 299) throw answerError(res.status, payload, res.text);
  return payload as T;
}
