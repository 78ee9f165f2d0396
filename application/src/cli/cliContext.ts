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
}

export interface GlobalOptions {
  readonly json: boolean;
  readonly sessionFile: string;
  readonly timeoutMs: number;
  readonly tls: Partial<Record<keyof CliTlsFiles, string | undefined>>;
}

/**
 * Standard error for people: a progress bar redrawn in place on a terminal (a line per 10 % otherwise), and
 * everything else on a line of its own, so that an error is never glued to the bar.
 */
class StandardError {
  /** Whether a progress bar is drawn on the terminal's current line. */
  private lineOpen = false;

  constructor(private readonly io: CliIo) {}

  write(text: string): void {
    this.endLine();
    this.io.err(text);
  }

  endLine(): void {
    if (this.lineOpen) this.io.err('\n');
    this.lineOpen = false;
  }

  progress(label: string, total: number): Progress {
    let lastDecile = -1;
    return {
      tick: (done) => {
        const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
        if (this.io.isTty) {
          const width = 30;
          const filled = Math.round((pct / 100) * width);
          this.io.err(
            `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${String(done)}/${String(total)}`,
          );
          this.lineOpen = true;
          if (done >= total) this.endLine();
        } else if (Math.floor(pct / 10) > lastDecile) {
          lastDecile = Math.floor(pct / 10);
          this.write(`${label} ${String(pct)}% ${String(done)}/${String(total)}\n`);
        }
      },
    };
  }
}

/** The context of one run; `close` ends the connections it opened, `endLine` ends a progress bar's line. */
export function commandContext(
  io: CliIo,
  options: GlobalOptions,
): CommandContext & { close(): void; endLine(): void } {
  const clients: NodeClient[] = [];
  const stderr = new StandardError(io);
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
      stderr.write(
        options.json ? `${JSON.stringify({ warning: { code, message } })}\n` : `warning: ${message}\n`,
      );
    },
    progress: (label, total) => (options.json ? { tick: () => undefined } : stderr.progress(label, total)),
    endLine: () => {
      stderr.endLine();
    },
    close: () => {
      for (const c of clients) c.close();
    },
  };
}
