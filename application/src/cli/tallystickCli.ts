import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';

import type {
  CommittedBreak,
  CommittedLegs,
  MutualTlsProvisioned,
  Problem,
  QueuePage,
  Session,
  StatementReport,
  User,
  VerifyReport,
} from '../http/apiTypes';
import {
  CLI_TLS_ENV,
  CliTlsError,
  NodeUnreachable,
  nodeClient,
  tlsFilesFrom,
  type CliTlsFiles,
  type NodeClient,
} from './cliHttp';

export const CLI_USAGE = `tallystick — the command line of an institution node

  tallystick login --node URL --user ID --secret SECRET     log in (the session is kept in ~/.tallystick, 0600)
  tallystick login --node https://… --cert FILE --key FILE [--ca FILE] [--user ID --secret SECRET]
                                                             a system on a node with mutual TLS: every request
                                                             presents the certificate (no token); with --user
                                                             and --secret it first provisions the node's
                                                             signing credential for that identity
  tallystick logout
  tallystick post FILE.json [--batch N]                      post legs (a JSON array), in batches, idempotent
  tallystick upload FILE --format camt|mt940|csv [--counterparty MSP] [--clearing MSP] [--post]
                                                             compare my books with the ledger; --post posts
                                                             the legs proposed for what is only in my books
  tallystick breaks [--reason R] [--status S] [--limit N]    the open-breaks queue
  tallystick break ID assign|propose|approve|accept|reject|resolve|comment
                   [--assignee NAME] [--kind K] [--comment TEXT] [--reference REF] [--idempotency-key KEY]
                                                             one workflow step, at most once per key: a
                                                             node unreachable or unavailable (503) is retried
                                                             with the same key; run again with the key it
                                                             prints to finish an interrupted step
  tallystick verify                                          compare the node's index with the ledger

Options: --session FILE (default ~/.tallystick/session.json, or TALLYSTICK_SESSION).
TLS: --ca FILE (${CLI_TLS_ENV.ca}) the CA of the node's certificate, default the system's roots;
     --cert FILE --key FILE (${CLI_TLS_ENV.cert}, ${CLI_TLS_ENV.key}) the client certificate and key (PEM).
     Given at login they are kept in the session (as paths); given to another command they replace them.`;

interface SavedSession {
  readonly node: string;
  /** A password login's bearer token; none when the client certificate authenticates every request. */
  readonly token?: string;
  readonly user: string;
  readonly mspId: string;
  /** The TLS files the login used (paths). */
  readonly tls?: CliTlsFiles;
}

export interface CliIo {
  readonly out: (line: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

class CliError extends Error {
  constructor(
    message: string,
    /** The node answered this HTTP status (undefined: it was not reached). */
    readonly status?: number,
    readonly unreachable = false,
    /** For a 503: whether the write may have happened (NOT_SENT or UNKNOWN) and the transaction it went out as. */
    readonly outcome?: { readonly outcome?: string; readonly txId?: string },
  ) {
    super(message);
  }
}

/** What to tell a person whose step got no answer after its tries, so that a rerun does the right thing. */
function lostStepAdvice(e: CliError, key: string): string {
  const rerun = `run it again with --idempotency-key ${key}`;
  if (e.unreachable) return `the node was not reached, so the step was not sent: ${rerun}\n`;
  if (e.outcome?.outcome === 'NOT_SENT')
    return `the ledger did not take the step (nothing written): ${rerun}\n`;
  const tx = e.outcome?.txId === undefined ? '' : ` as transaction ${e.outcome.txId}`;
  return `the step was sent${tx} and its outcome is unknown: ${rerun}, which returns the first result if it was committed\n`;
}

/** A workflow step's tries when the node is unreachable or unavailable: each under the same idempotency key. */
const STEP_ATTEMPTS = 3;

/** A progress bar on stderr when it is a terminal; a line per 10 % otherwise. */
function progress(io: CliIo, label: string, total: number): (done: number) => void {
  let lastDecile = -1;
  return (done) => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (io.isTty) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      io.err(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${done}/${total}`,
      );
      if (done >= total) io.err('\n');
    } else if (Math.floor(pct / 10) > lastDecile) {
      lastDecile = Math.floor(pct / 10);
      io.err(`${label} ${pct}% ${done}/${total}\n`);
    }
  };
}

/** A call to the node, answering the route's declared type (apiTypes.ts); a refusal is a CliError. */
async function request<T = unknown>(
  s: { client: NodeClient; token?: string | undefined },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
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
    if (e instanceof NodeUnreachable) throw new CliError(e.message, undefined, e.retryable);
    throw e;
  }
  const { text } = res;
  const payload: unknown = text ? JSON.parse(text) : null;
  if (res.status < 200 || res.status > 299) {
    // Problem details (RFC 9457): the stable code, the detail for people, and the facts of some codes.
    const problem = (payload ?? {}) as Partial<Problem> & {
      details?: { outcome?: string; txId?: string; reason?: string };
    };
    // a refused client certificate names why in details.reason (CERTIFICATE_REVOKED, …)
    const reason = problem.details?.reason;
    throw new CliError(
      `${problem.code ?? res.status}${reason === undefined ? '' : ` (${reason})`}: ${problem.detail ?? text}`,
      res.status,
      false,
      res.status === 503 ? problem.details : undefined,
    );
  }
  return payload as T;
}

/** Runs one command; returns the exit code. Output goes through `io` so tests can read it. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      node: { type: 'string' },
      user: { type: 'string' },
      secret: { type: 'string' },
      session: { type: 'string' },
      batch: { type: 'string', default: '500' },
      format: { type: 'string' },
      counterparty: { type: 'string' },
      clearing: { type: 'string' },
      post: { type: 'boolean', default: false },
      reason: { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string', default: '50' },
      assignee: { type: 'string' },
      kind: { type: 'string' },
      comment: { type: 'string' },
      reference: { type: 'string' },
      'idempotency-key': { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const sessionFile =
    values.session ?? io.env.TALLYSTICK_SESSION ?? join(homedir(), '.tallystick', 'session.json');
  const clients: NodeClient[] = [];
  /** A client of `node` with the TLS files in force (options, else environment, else the session's). */
  const connect = (node: string, saved?: CliTlsFiles): NodeClient => {
    const client = nodeClient(node, tlsFilesFrom(values, io.env, saved));
    clients.push(client);
    return client;
  };
  const load = async (): Promise<SavedSession & { client: NodeClient }> => {
    let saved: SavedSession;
    try {
      saved = JSON.parse(await readFile(sessionFile, 'utf8')) as SavedSession;
    } catch {
      throw new CliError('not logged in: run `tallystick login --node URL --user ID --secret SECRET` first');
    }
    if (typeof saved.node !== 'string')
      throw new CliError('not logged in: run `tallystick login --node URL --user ID --secret SECRET` first');
    return { ...saved, client: connect(saved.node, saved.tls) };
  };
  const [command, ...rest] = positionals;
  try {
    switch (command) {
      case undefined:
      case 'help':
        io.out(CLI_USAGE);
        return values.help || command === 'help' ? 0 : 2;
      case 'login': {
        const tls = tlsFilesFrom(values, io.env, undefined);
        const byCertificate = tls.cert !== undefined;
        if (!values.node || (!byCertificate && (!values.user || !values.secret)))
          throw new CliError(
            'login needs --node, --user and --secret, or --node with --cert and --key (a client certificate)',
          );
        if ((values.user === undefined) !== (values.secret === undefined))
          throw new CliError('--user and --secret go together');
        const node = values.node.replace(/\/$/, '');
        const s = { client: connect(node) };
        let token: string | undefined;
        let user: User | undefined;
        if (values.user !== undefined && values.secret !== undefined) {
          // With a certificate: the node provisions its signing credential for the identity, and answers
          // without a token (every request presents the certificate); without: a password session.
          const r = await request<Session | MutualTlsProvisioned>(s, 'POST', '/v1/sessions', {
            enrollmentId: values.user,
            secret: values.secret,
          });
          token = 'token' in r ? r.token : undefined;
          user = r.user;
        }
        if (byCertificate && token === undefined) {
          // What the node makes of the certificate alone (refused with its reason, e.g. NO_SIGNING_CREDENTIAL)
          user = await request<User>(s, 'GET', '/v1/me');
        }
        if (!user) throw new CliError('the node did not say who logged in');
        await mkdir(dirname(sessionFile), { recursive: true, mode: 0o700 });
        await writeFile(
          sessionFile,
          JSON.stringify({
            node,
            ...(token === undefined ? {} : { token }),
            user: user.enrollmentId,
            mspId: user.mspId,
            ...(Object.keys(tls).length === 0 ? {} : { tls }),
          } satisfies SavedSession),
          { mode: 0o600 },
        );
        await chmod(sessionFile, 0o600);
        io.out(
          `logged in as ${user.enrollmentId} of ${user.mspId} (${user.roles.join(', ')}) at ${node}${token === undefined ? ' by its client certificate' : ''}`,
        );
        return 0;
      }
      case 'logout': {
        const s = await load();
        if (s.token !== undefined) await request(s, 'DELETE', '/v1/sessions/current').catch(() => undefined);
        await writeFile(sessionFile, '{}', { mode: 0o600 });
        io.out('logged out');
        return 0;
      }
      case 'post': {
        const s = await load();
        const file = rest[0];
        if (!file) throw new CliError('post needs a JSON file with an array of legs');
        const legs = JSON.parse(await readFile(file, 'utf8')) as unknown;
        if (!Array.isArray(legs)) throw new CliError(`${file} must hold a JSON array of legs`);
        const batch = Number(values.batch);
        if (!Number.isInteger(batch) || batch < 1 || batch > 1000)
          throw new CliError('--batch must be 1-1000');
        const tick = progress(io, 'posting', legs.length);
        let posted = 0;
        let unchanged = 0;
        for (let i = 0; i < legs.length; i += batch) {
          const r = await request<CommittedLegs>(s, 'POST', '/v1/legs/batch', {
            legs: legs.slice(i, i + batch),
          });
          for (const l of r.result)
            if (l.outcome === 'UNCHANGED') unchanged++;
            else posted++;
          tick(Math.min(legs.length, i + batch));
        }
        io.out(`${posted} legs posted, ${unchanged} already on the ledger unchanged`);
        return 0;
      }
      case 'upload': {
        const s = await load();
        const file = rest[0];
        if (!file || !values.format) throw new CliError('upload needs a file and --format camt|mt940|csv');
        const size = (await stat(file)).size;
        const tick = progress(io, 'uploading', size);
        let sent = 0;
        const stream = createReadStream(file);
        stream.on('data', (chunk) => {
          sent += chunk.length;
          tick(sent);
        });
        const q = new URLSearchParams({ format: values.format });
        if (values.counterparty) q.set('counterparty', values.counterparty);
        if (values.clearing) q.set('clearing', values.clearing);
        const type =
          values.format === 'camt' ? 'application/xml' : values.format === 'csv' ? 'text/csv' : 'text/plain';
        const report = await request<StatementReport>(s, 'POST', `/v1/statements?${q.toString()}`, stream, {
          'content-type': type,
        });
        const c = report.counts;
        io.out(
          `${c.lines} lines: ${c.matched} matched, ${c.onlyInMyBooks} only in my books, ${c.onlyOnLedger} only on the ledger, ${c.fieldDifferences} with differing fields, ${c.notBooked} not booked`,
        );
        for (const l of report.onlyInMyBooks)
          io.out(
            `  only in my books   ${l.uetr ?? l.endToEndId ?? '?'}  ${l.amountMinor} ${l.currency}  (${String(l.at)})`,
          );
        for (const l of report.onlyOnLedger)
          io.out(`  only on the ledger ${l.reference}  ${l.amountMinor} ${l.currency}  leg ${l.legId}`);
        for (const m of report.fieldDifferences) {
          io.out(
            `  differs            leg ${m.leg.legId}: ${m.differences.map((d) => `${d.field} mine ${d.mine} / ledger ${d.ledger}`).join('; ')}`,
          );
        }
        if (values.post) {
          if (!Array.isArray(report.proposedLegs))
            throw new CliError(
              'nothing to post: give --counterparty (and --clearing) so the report can propose legs',
            );
          if (report.proposedLegs.length > 0)
            await request(s, 'POST', '/v1/legs/batch', { legs: report.proposedLegs });
          io.out(`${report.proposedLegs.length} missing legs posted`);
        }
        return 0;
      }
      case 'breaks': {
        const s = await load();
        const q = new URLSearchParams({ limit: values.limit });
        if (values.reason) q.set('reason', values.reason);
        if (values.status) q.set('status', values.status);
        const page = await request<QueuePage>(s, 'GET', `/v1/queue?${q.toString()}`);
        for (const b of page.items) {
          io.out(
            `${b.breakId}  ${b.reason.padEnd(20)} ${b.status.padEnd(9)} ${String(Math.round(b.ageMs / 60000)).padStart(6)} min  ${b.assignee?.name ?? '-'}`,
          );
        }
        io.out(`${page.items.length} open breaks shown`);
        return 0;
      }
      case 'break': {
        const s = await load();
        const [breakId, action] = rest;
        const actions = ['assign', 'propose', 'approve', 'accept', 'reject', 'resolve', 'comment'];
        if (!breakId || !action || !actions.includes(action))
          throw new CliError(`break needs an id and one of ${actions.join(', ')}`);
        const body: Record<string, string> = {};
        if (values.comment) body.comment = values.comment;
        if (values.reference) body.reference = values.reference;
        if (values.assignee) body.assignee = values.assignee;
        if (values.kind) body.kind = values.kind;
        // The step's name on the ledger: a retry under it returns the first result instead of acting twice.
        const key = values['idempotency-key'] ?? randomUUID();
        const path = `/v1/breaks/${encodeURIComponent(breakId)}/${action}`;
        for (let attempt = 1; ; attempt++) {
          try {
            const r = await request<CommittedBreak>(s, 'POST', path, body, { 'idempotency-key': key });
            io.out(`${breakId} is ${r.result.status} (tx ${r.txId})`);
            return 0;
          } catch (e) {
            const retryable = e instanceof CliError && (e.unreachable || e.status === 503);
            if (!retryable || attempt >= STEP_ATTEMPTS) {
              if (retryable) io.err(lostStepAdvice(e, key));
              throw e;
            }
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
      }
      case 'verify': {
        const s = await load();
        const r = await request<VerifyReport>(s, 'GET', '/v1/index/verify');
        io.out(
          `${r.casesChecked} cases and ${r.breaksChecked} breaks checked: ${r.differences.length} differences`,
        );
        for (const d of r.differences) io.out(`  ${JSON.stringify(d)}`);
        return r.differences.length === 0 ? 0 : 1;
      }
      default:
        throw new CliError(`unknown command ${command}\n\n${CLI_USAGE}`);
    }
  } catch (e) {
    if (e instanceof CliError || e instanceof CliTlsError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    for (const c of clients) c.close();
  }
}
