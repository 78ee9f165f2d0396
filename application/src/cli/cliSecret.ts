import { CliError, usageError } from './cliErrors';

/** The environment variable a script may set instead of typing the password or piping it. */
export const PASSWORD_ENV = 'TALLYSTICK_PASSWORD';

/** What the command line reads a password from: standard input, as a pipe or as a terminal. */
export interface SecretInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

export interface SecretSources {
  /** `--password-stdin`: the first line of standard input. */
  readonly passwordStdin: boolean;
  /** `--secret` on the command line: still accepted, with a warning (other users see it in `ps`). */
  readonly secretArgument: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: SecretInput | undefined;
  /** Where the prompt goes (standard error: standard output stays the command's answer). */
  readonly prompt: (text: string) => void;
  readonly warn: (code: string, message: string) => void;
}

const ENDS_LINE = new Set(['\r', '\n']);
const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const ERASES = new Set(['\u007f', '\b']);

/**
 * The password of a login, from the first source given: `--password-stdin`, `--secret` (warned against),
 * TALLYSTICK_PASSWORD, else a prompt when standard input is a terminal (typed without echo). Never required on
 * the command line.
 */
export async function readSecret(label: string, s: SecretSources): Promise<string> {
  if (s.passwordStdin && s.secretArgument !== undefined)
    throw usageError('give the password once: --password-stdin or --secret, not both');
  if (s.passwordStdin) {
    if (s.stdin === undefined) throw usageError('--password-stdin: there is no standard input to read');
    // a terminal there would echo what is typed: read it as the prompt does
    if (s.stdin.isTTY === true && s.stdin.setRawMode !== undefined)
      return nonEmpty(await promptWithoutEcho(s.stdin, s.prompt, `Password for ${label}: `), 'the prompt');
    return nonEmpty(await firstLine(s.stdin), 'standard input');
  }
  if (s.secretArgument !== undefined) {
    s.warn(
      'SECRET_ON_COMMAND_LINE',
      `a password on the command line can be seen by other users (ps) and stays in the shell's history: type it at the prompt, pipe it with --password-stdin, or set ${PASSWORD_ENV}`,
    );
    return nonEmpty(s.secretArgument, '--secret');
  }
  const fromEnv = s.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return nonEmpty(fromEnv, PASSWORD_ENV);
  if (s.stdin?.isTTY === true && s.stdin.setRawMode !== undefined)
    return nonEmpty(await promptWithoutEcho(s.stdin, s.prompt, `Password for ${label}: `), 'the prompt');
  throw usageError(
    `a password is needed and standard input is not a terminal: pipe it with --password-stdin, or set ${PASSWORD_ENV}`,
    'PASSWORD_REQUIRED',
  );
}

function nonEmpty(secret: string, from: string): string {
  if (secret === '') throw usageError(`the password from ${from} is empty`, 'PASSWORD_REQUIRED');
  return secret;
}

/** Standard input up to its first line end (or its end), without the line end. */
async function firstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (/[\r\n]/.test(text)) break;
  }
  return text.split(/\r?\n|\r/)[0] ?? '';
}

/**
 * Reads a line from the terminal in raw mode, so nothing typed is echoed; Backspace erases, Enter ends,
 * Ctrl-C or Ctrl-D on an empty line cancels. The terminal is put back as it was whatever happens.
 */
function promptWithoutEcho(
  stdin: SecretInput,
  prompt: (text: string) => void,
  text: string,
): Promise<string> {
  prompt(text);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (result: () => void) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      prompt('\n');
      result();
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (ENDS_LINE.has(ch)) {
          done(() => {
            resolve(typed);
          });
          return;
        }
        if (ch === CTRL_C || (ch === CTRL_D && typed === '')) {
          done(() => {
            reject(new CliError('cancelled', 'CANCELLED', 'cancelled at the password prompt'));
          });
          return;
        }
        if (ERASES.has(ch)) typed = Array.from(typed).slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
