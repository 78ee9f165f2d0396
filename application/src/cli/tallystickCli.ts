import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { GLOBAL_OPTIONS, intOption, splitCommand } from './cliArgs';
import { commandContext, type CliIo, type CommandContext, type Outcome } from './cliContext';
import { CliError, EXIT_CODES, usageError } from './cliErrors';
import { CLI_USAGE, commandHelp, isCommandName, type CommandName } from './cliHelp';
import { CliTlsError, IDLE_TIMEOUT_MS_DEFAULT } from './cliHttp';
import { blacklist, BLACKLIST_OPTIONS } from './commands/blacklist';
import { BREAK_OPTIONS, breakCommand, breaks, BREAKS_OPTIONS } from './commands/breaks';
import { post, POST_OPTIONS } from './commands/legs';
import { receivables, RECEIVABLES_OPTIONS } from './commands/receivables';
import { login, LOGIN_OPTIONS, logout } from './commands/session';
import { upload, UPLOAD_OPTIONS } from './commands/statements';
import { verify } from './commands/verify';

export type { CliIo } from './cliContext';
export { CLI_USAGE } from './cliHelp';

const COMMANDS: Record<CommandName, (ctx: CommandContext, argv: readonly string[]) => Promise<Outcome>> = {
  login,
  logout,
  post,
  upload,
  breaks,
  break: breakCommand,
  verify,
  blacklist,
  receivables,
};

/** Every option of every command: which of them take a value (so a value is never taken for the command). */
const ALL_OPTIONS = {
  ...GLOBAL_OPTIONS,
  ...LOGIN_OPTIONS,
  ...POST_OPTIONS,
  ...UPLOAD_OPTIONS,
  ...BREAKS_OPTIONS,
  ...BREAK_OPTIONS,
  ...BLACKLIST_OPTIONS,
  ...RECEIVABLES_OPTIONS,
};
const VALUE_OPTIONS: ReadonlySet<string> = new Set(
  Object.entries(ALL_OPTIONS)
    .filter(([, o]) => o.type === 'string')
    .map(([name]) => name),
);

/** The options every command reads before it runs: output mode, session file, timeout, TLS files. */
function globalOptions(argv: readonly string[], env: CliIo['env']) {
  const { values } = parseArgs({
    args: [...argv],
    options: ALL_OPTIONS,
    strict: false,
    allowPositionals: true,
  });
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const timeout = str(values.timeout);
  return {
    json: values.json === true,
    help: values.help === true,
    sessionFile:
      str(values.session) ?? env.TALLYSTICK_SESSION ?? join(homedir(), '.tallystick', 'session.json'),
    timeoutMs: timeout === undefined ? undefined : intOption('timeout', timeout, 1, 3600) * 1000,
    tls: { ca: str(values.ca), cert: str(values.cert), key: str(values.key) },
  };
}

/** A failure for the person (its message) or for a program (one JSON line with its code and exit code). */
function reportFailure(io: CliIo, json: boolean, e: CliError): number {
  if (json) {
    const { problem, ...facts } = e.facts;
    io.err(
      `${JSON.stringify({
        error: {
          code: e.code,
          message: e.message,
          kind: e.kind,
          exitCode: e.exitCode,
          ...facts,
          ...(problem ? { problem } : {}),
        },
      })}\n`,
    );
  } else io.err(`${e.message}\n`);
  return e.exitCode;
}

/** Any failure as a CliError: a TLS file problem is the command's (usage); anything unforeseen exits 1. */
function asCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof CliTlsError) return usageError(e.message, 'TLS_FILES');
  return new CliError('refused', 'CLI_FAILED', e instanceof Error ? e.message : String(e));
}

/**
 * Runs one command; returns the exit code (EXIT_CODES). Output goes through `io` so tests can read it: the
 * answer on `out` (one JSON document with --json), progress, warnings and errors on `err`.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const { command, rest } = splitCommand(argv, VALUE_OPTIONS);
  let json = argv.includes('--json');
  let ctx: ReturnType<typeof commandContext> | undefined;
  try {
    const g = globalOptions(argv, io.env);
    json = g.json;
    if (command === undefined || command === 'help') {
      const topic = command === 'help' ? splitCommand(rest, VALUE_OPTIONS).command : undefined;
      if (topic !== undefined && !isCommandName(topic))
        throw usageError(`no command ${topic}\n\n${CLI_USAGE}`);
      // Asked for, help is the answer (standard output); a bare `tallystick` is a usage error (standard error).
      if (command === undefined && !g.help) {
        io.err(`${CLI_USAGE}\n`);
        return EXIT_CODES.usage;
      }
      io.out(topic === undefined ? CLI_USAGE : commandHelp(topic));
      return EXIT_CODES.ok;
    }
    if (!isCommandName(command)) throw usageError(`unknown command ${command}\n\n${CLI_USAGE}`);
    if (g.help) {
      io.out(commandHelp(command));
      return EXIT_CODES.ok;
    }
    ctx = commandContext(io, { ...g, timeoutMs: g.timeoutMs ?? IDLE_TIMEOUT_MS_DEFAULT });
    const outcome = await COMMANDS[command](ctx, rest);
    ctx.endLine();
    if (json) io.out(JSON.stringify(outcome.json, null, 2));
    else for (const line of outcome.lines) io.out(line);
    return outcome.exitCode ?? EXIT_CODES.ok;
  } catch (e) {
    ctx?.endLine();
    return reportFailure(io, json, asCliError(e));
  } finally {
    ctx?.close();
  }
}
