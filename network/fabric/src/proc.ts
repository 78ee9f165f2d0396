import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { inNamespace, waitForExec } from './netns.js';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; never throws for a non-zero exit (the caller decides). */
export function run(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr: error !== null && stderr === '' ? error.message : stderr });
      },
    );
  });
}

export async function runOrThrow(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<string> {
  const result = await run(file, args, options);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`${file} ${args.join(' ')} exited with ${result.code}:\n${output}`);
  }
  return result.stdout;
}

export interface ProcessRecord {
  pid: number;
  bin: string;
  log: string;
  /** A chaincode server's `host:port` (older tables lack it). */
  endpoint?: string;
}

export type PidTable = Record<string, ProcessRecord>;

export function readPids(pidFile: string): PidTable {
  if (!existsSync(pidFile)) return {};
  return JSON.parse(readFileSync(pidFile, 'utf8')) as PidTable;
}

export function writePids(pidFile: string, table: PidTable): void {
  writeFileSync(pidFile, `${JSON.stringify(table, null, 2)}\n`);
}

/**
 * Alive and still the program we started: a PID can be reused after a crash, so the command line is
 * compared with the binary recorded at spawn time before anything is signalled.
 */
export function isOurs(record: ProcessRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    const state = readFileSync(`/proc/${record.pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return cmdline.split('\0').some((part) => part === record.bin) && state !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Starts a long-running node in its own process group, output appended to its log; inside `netns` when given
 * (`ip netns exec` execs the node, so the PID returned is still the node's, and its command line holds `bin`).
 */
export function startDaemon(
  bin: string,
  args: string[],
  env: Record<string, string>,
  log: string,
  cwd: string,
  netns?: string,
): number {
  const fd = openSync(log, 'a');
  try {
    const command = netns === undefined ? { file: bin, args } : inNamespace(netns, bin, args);
    const child = spawn(command.file, command.args, {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    if (netns !== undefined) waitForExec(child.pid, bin);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Stops the recorded processes: SIGTERM, then SIGKILL for any still running after the grace period. */
export async function stopProcesses(table: PidTable, graceMs = 10_000): Promise<string[]> {
  const stopped: string[] = [];
  const running = Object.entries(table).filter(([, record]) => isOurs(record));
  for (const [name, record] of running) {
    process.kill(record.pid, 'SIGTERM');
    stopped.push(name);
  }
  const deadline = Date.now() + graceMs;
  while (running.some(([, record]) => isOurs(record)) && Date.now() < deadline) await sleep(100);
  for (const [, record] of running) {
    if (isOurs(record)) process.kill(record.pid, 'SIGKILL');
  }
  return stopped;
}

export function tail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Polls `check` until it resolves true or the deadline passes. */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
