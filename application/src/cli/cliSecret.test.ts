import { PassThrough, Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { CliError } from './cliErrors';
import { PASSWORD_ENV, readSecret, type SecretSources } from './cliSecret';

/** A terminal on standard input: what is typed arrives as raw key presses once raw mode is on. */
function terminal() {
  const stream = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void };
  const modes: boolean[] = [];
  stream.isTTY = true;
  stream.setRawMode = (raw: boolean) => {
    modes.push(raw);
  };
  return { stream, modes };
}

function sources(over: Partial<SecretSources>) {
  let err = '';
  const warnings: string[] = [];
  const s: SecretSources = {
    passwordStdin: false,
    secretArgument: undefined,
    env: {},
    stdin: undefined,
    prompt: (t) => {
      err += t;
    },
    warn: (code) => warnings.push(code),
    ...over,
  };
  return { s, err: () => err, warnings };
}

describe('the password of a login', () => {
  it('is typed at a terminal prompt without echo; Backspace erases, Enter ends; the mode is restored', async () => {
    const t = terminal();
    const { s, err } = sources({ stdin: t.stream });
    const read = readSecret('bruno at http://node', s);
    for (const key of ['b', 'r', 'u', 'x', '\u007f', 'no-pw', '\r']) t.stream.write(key);
    expect(await read).toBe('bruno-pw');
    expect(err()).toBe('Password for bruno at http://node: \n');
    expect(t.modes).toEqual([true, false]);
  });

  it('is cancelled by Ctrl-C at the prompt (exit 130), the terminal restored', async () => {
    const t = terminal();
    const read = readSecret('bruno', sources({ stdin: t.stream }).s);
    t.stream.write('abc\u0003');
    const e = await read.catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CliError);
    expect([(e as CliError).code, (e as CliError).exitCode]).toEqual(['CANCELLED', 130]);
    expect(t.modes).toEqual([true, false]);
  });

  it('is the first line of standard input with --password-stdin', async () => {
    const { s, warnings } = sources({ passwordStdin: true, stdin: Readable.from(['s3cret\r\n', 'more\n']) });
    expect(await readSecret('bruno', s)).toBe('s3cret');
    expect(warnings).toEqual([]);
  });

  it('with --password-stdin on a terminal, is still read without echo', async () => {
    const t = terminal();
    const { s, err } = sources({ passwordStdin: true, stdin: t.stream });
    const read = readSecret('bruno', s);
    t.stream.write('typed\r');
    expect(await read).toBe('typed');
    expect(err()).toBe('Password for bruno: \n');
    expect(t.modes).toEqual([true, false]);
  });

  it('comes from the environment', async () => {
    expect(await readSecret('bruno', sources({ env: { [PASSWORD_ENV]: 'from-env' } }).s)).toBe('from-env');
  });

  it('may still be an argument, with a warning', async () => {
    const { s, warnings } = sources({ secretArgument: 'visible', env: { [PASSWORD_ENV]: 'other' } });
    expect(await readSecret('bruno', s)).toBe('visible');
    expect(warnings).toEqual(['SECRET_ON_COMMAND_LINE']);
  });

  it('is a usage error when there is no source: no terminal, no pipe, no variable; or empty', async () => {
    const none = await readSecret('bruno', sources({ stdin: Readable.from([]) }).s).catch((x: unknown) => x);
    expect([(none as CliError).code, (none as CliError).exitCode]).toEqual(['PASSWORD_REQUIRED', 2]);
    expect((none as CliError).message).toMatch(/--password-stdin, or set TALLYSTICK_PASSWORD/);
    const empty = await readSecret(
      'bruno',
      sources({ passwordStdin: true, stdin: Readable.from(['\n']) }).s,
    ).catch((x: unknown) => x);
    expect((empty as CliError).exitCode).toBe(2);
    const both = await readSecret(
      'bruno',
      sources({ passwordStdin: true, secretArgument: 'x', stdin: Readable.from(['y\n']) }).s,
    ).catch((x: unknown) => x);
    expect((both as CliError).message).toMatch(/not both/);
  });
});
