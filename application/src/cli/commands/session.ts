import type { MutualTlsProvisioned, Session, User } from '../../http/apiTypes';
import { parseCommand } from '../cliArgs';
import type { CommandContext, Outcome } from '../cliContext';
import { CliError, usageError } from '../cliErrors';
import { readSecret } from '../cliSecret';
import { removeSession, request, saveSession } from '../cliSession';

export const LOGIN_OPTIONS = {
  node: { type: 'string' },
  user: { type: 'string' },
  secret: { type: 'string' },
  'password-stdin': { type: 'boolean', default: false },
} as const;

/**
 * Logs in with a password (a token kept in the session), or with a client certificate (every request presents
 * it; with --user, the node first provisions its signing credential for the identity).
 */
export async function login(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { values, positionals } = parseCommand('login', argv, LOGIN_OPTIONS);
  if (positionals.length > 0) throw usageError(`login takes no argument, got ${positionals.join(' ')}`);
  const tls = ctx.tlsFiles();
  const byCertificate = tls.cert !== undefined;
  if (!values.node) throw usageError('login needs --node URL (see tallystick login --help)');
  if (!byCertificate && !values.user)
    throw usageError('login needs --user ID (a password login), or --cert and --key (a client certificate)');
  if (values.user === undefined && (values.secret !== undefined || values['password-stdin']))
    throw usageError('a password goes with --user');
  const node = values.node.replace(/\/$/, '');
  const s = { client: ctx.connect(node) };
  let token: string | undefined;
  let user: User | undefined;
  if (values.user !== undefined) {
    const secret = await readSecret(`${values.user} at ${node}`, {
      passwordStdin: values['password-stdin'],
      secretArgument: values.secret,
      env: ctx.io.env,
      stdin: ctx.io.stdin,
      prompt: (text) => {
        ctx.io.err(text);
      },
      warn: (code, message) => {
        ctx.warn(code, message);
      },
    });
    // With a certificate the node answers without a token (every request presents the certificate).
    const r = await request<Session | MutualTlsProvisioned>(s, 'POST', '/v1/sessions', {
      enrollmentId: values.user,
      secret,
    });
    token = 'token' in r ? r.token : undefined;
    user = r.user;
  }
  // What the node makes of the certificate alone (refused with its reason, e.g. NO_SIGNING_CREDENTIAL)
  if (byCertificate && token === undefined) user = await request<User>(s, 'GET', '/v1/me');
  if (!user) throw new CliError('refused', 'NO_USER', 'the node did not say who logged in');
  await saveSession(ctx.sessionFile, {
    node,
    ...(token === undefined ? {} : { token }),
    user: user.enrollmentId,
    mspId: user.mspId,
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
  });
  const how = token === undefined ? 'client certificate' : 'password';
  return {
    json: { node, user, authentication: how, session: ctx.sessionFile },
    lines: [
      `logged in as ${user.enrollmentId} of ${user.mspId} (${user.roles.join(', ')}) at ${node}${token === undefined ? ' by its client certificate' : ''}`,
    ],
  };
}

/** Ends the session at the node (best effort) and removes the file; without a session there is nothing to do. */
export async function logout(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { positionals } = parseCommand('logout', argv, {});
  if (positionals.length > 0) throw usageError(`logout takes no argument, got ${positionals.join(' ')}`);
  let s: Awaited<ReturnType<CommandContext['session']>>;
  try {
    s = await ctx.session();
  } catch (e) {
    if (e instanceof CliError && e.code === 'NOT_LOGGED_IN')
      return { json: { loggedOut: false, reason: 'NOT_LOGGED_IN' }, lines: ['not logged in'] };
    throw e;
  }
  // The node forgets the token; if it cannot be reached, the token still expires there on its own.
  if (s.token !== undefined) await request(s, 'DELETE', '/v1/sessions/current').catch(() => undefined);
  await removeSession(ctx.sessionFile);
  return { json: { loggedOut: true, user: s.user, node: s.node }, lines: ['logged out'] };
}
