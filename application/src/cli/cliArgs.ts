import { parseArgs } from 'node:util';

import { usageError } from './cliErrors';

type OptionsConfig = NonNullable<NonNullable<Parameters<typeof parseArgs>[0]>['options']>;

/** The options every command takes (cliHelp.ts describes them). */
export const GLOBAL_OPTIONS = {
  json: { type: 'boolean', default: false },
  session: { type: 'string' },
  timeout: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies OptionsConfig;

/**
 * A command's arguments, strictly: an option the command does not take, or one without its value, is a usage
 * error naming the command's help, never an exception.
 */
export function parseCommand<const O extends OptionsConfig>(
  command: string,
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e);
    throw usageError(`${message} (see tallystick ${command} --help)`);
  }
}

/** A whole number option within bounds, or a usage error naming it. */
export function intOption(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw usageError(`--${name} must be a whole number from ${String(min)} to ${String(max)}, got ${value}`);
  return n;
}

/**
 * The command named in `argv` (its first positional, whatever options come before it) and the arguments
 * without it. `valueOptions` are the options that take a value anywhere, so that a value is not taken for
 * the command.
 */
export function splitCommand(
  argv: readonly string[],
  valueOptions: ReadonlySet<string>,
): { command: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') return { command: argv[i + 1], rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
    if (a.startsWith('-')) {
      if (!a.includes('=') && valueOptions.has(a.replace(/^-+/, ''))) i++;
      continue;
    }
    return { command: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}
