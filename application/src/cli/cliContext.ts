import { nodeClient, tlsFilesFrom, type CliTlsFiles, type NodeClient } from './cliHttp';
import type { SecretInput } from './cliSecret';
import { loadSession, type Connection, type SavedSession } from './cliSession';

/** Where a command's output goes; tests pass their own to read it. */
export interface CliIo {
  /** One line of the command's answer (standard output). */
  readonly out: (line: string) => void;
  /** Text for people (standard error): progress, warnings, errors, the password prompt. */
  readonly err: (text: string) => void;
  /** Whether standard error is a terminal (a progress bar redrawn in place, else a line per 10 %). */
  readonly isTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard input: `--password-stdin` reads it; a terminal there gets the password prompt. */
  readonly stdin?: SecretInput;
}

/** A command's answer: the JSON document `--json` prints, and the lines printed otherwise. */
export interface Outcome {
  readonly json: unknown;
  readonly lines: readonly string[];
  /** Not 0 for an answer that is a finding (verify's differences). */
  readonly exitCode?: number;
}

export interface Progress {
  tick(done: number): void;
}

/** What every command gets: the parsed global options, its output, and the node it talks to. */
export interface CommandContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly sessionFile: string;
  /** A client of `node` with the TLS files in force (options, else environment, else the session's). */
  connect(node: string, saved?: CliTlsFiles): NodeClient;
  /** The saved session and a client of its node; NOT_LOGGED_IN without one. */
  session(): Promise<SavedSession & Connection>;
  /** The TLS files in force without a session (login). */
  tlsFiles(): CliTlsFiles;
  /** A warning on standard error (a JSON line with `--json`). */
  warn(code: string, message: string): void;
  /** Progress on standard error; none with `--json` (standard error then holds JSON only). */
  progress(label: string, total: number): Progress;
  /** Text on standard error for people (nothing with `--json`), on a line of its own. */
  note(text: string): void;
}

export interface GlobalOptions {
  readonly json: boolean;
  readonly sessionFile: string;
  readonly timeoutMs: number;
  readonly tls: Partial<Record<keyof CliTlsFiles, string | undefined>>;
}

/** The context of one run; `close` ends the connections it opened. */
export function commandContext(
  io: CliIo,
  options: GlobalOptions,
): CommandContext & { close(): void; endLine(): void } {
  const clients: NodeClient[] = [];
  /** Whether a progress bar is drawn on the terminal's current line (anything else must start a new one). */
  let lineOpen = false;
  const err = (text: string) => {
    if (lineOpen && !text.startsWith('\r')) io.err('\n');
    lineOpen = false;
    io.err(text);
  };
  const connect = (node: string, saved?: CliTlsFiles): NodeClient => {
    const client = nodeClient(node, tlsFilesFrom(options.tls, io.env, saved), options.timeoutMs);
    clients.push(client);
    return client;
  };
  return {
    io,
    json: options.json,
    sessionFile: options.sessionFile,
    connect,
    session: async () => {
      const saved = await loadSession(options.sessionFile);
      return { ...saved, client: connect(saved.node, saved.tls) };
    },
    tlsFiles: () => tlsFilesFrom(options.tls, io.env, undefined),
    warn: (code, message) => {
      err(options.json ? `${JSON.stringify({ warning: { code, message } })}\n` : `warning: ${message}\n`);
    },
    note: (text) => {
      if (!options.json) err(`${text}\n`);
    },
    progress: (label, total) => {
      let lastDecile = -1;
      return {
        tick: (done) => {
          if (options.json) return;
          const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
          if (io.isTty) {
            const width = 30;
            const filled = Math.round((pct / 100) * width);
            err(
              `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${String(done)}/${String(total)}`,
            );
            lineOpen = done < total;
            if (done >= total) io.err('\n');
          } else if (Math.floor(pct / 10) > lastDecile) {
            lastDecile = Math.floor(pct / 10);
            err(`${label} ${String(pct)}% ${String(done)}/${String(total)}\n`);
          }
        },
      };
    },
    endLine: () => {
      if (lineOpen) io.err('\n');
      lineOpen = false;
    },
    close: () => {
      for (const c of clients) c.close();
    },
  };
}
