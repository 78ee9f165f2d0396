import { createHmac, type KeyObject } from 'node:crypto';

import { parse } from 'csv-parse/sync';

import { parseUploadItem } from '../../../chaincode/src/core/blacklist/entry';
import { BLACKLIST_LIMITS } from '../../../chaincode/src/core/blacklist/limits';
import type { BlacklistPolicy } from '../../../chaincode/src/core/blacklist/policy';
import { TallyError } from '../../../chaincode/src/core/errors';
import { canonicalJson } from '../../../chaincode/src/ledger/codec';
import type { BlacklistGateway, EntryInput } from '../ledger/blacklistGateway';
import { LedgerRejected, type Identity } from '../ledger/ledgerGateway';
import type { SubjectKeyring } from './subjectKeys';

/** Named limits of a bulk file (issue 19: up to 100,000 lines). */
export const BULK_LIMITS = {
  linesMax: 100_000,
  bytesMax: 64 * 1024 * 1024,
} as const;

/** The columns of a bulk file, in its header (any order; these names, no others). */
export const BULK_COLUMNS = [
  'type',
  'identifier',
  'category',
  'severity',
  'indicators',
  'summary',
  'document_hashes',
  'expires_on',
] as const;
type Column = (typeof BULK_COLUMNS)[number];
const REQUIRED: readonly Column[] = ['type', 'identifier', 'category', 'severity', 'indicators', 'summary'];

/** A file refused as a whole (too large, no header, malformed CSV): nothing of it was posted. */
export class BulkFileError extends Error {
  override readonly name = 'BulkFileError';
}

export interface LineRefusal {
  /** The file's line number (1 is the header) where the record starts. */
  readonly line: number;
  readonly code: string;
  /** What is wrong, never the identifier (the core's and the keyring's refusals do not echo it). */
  readonly message: string;
}

export interface BulkReport {
  /** Data lines read (the header and empty lines not counted). */
  readonly lines: number;
  readonly listed: number;
  /** Lines whose entry the ledger already held as given: a file uploaded again changes nothing. */
  readonly unchanged: number;
  readonly refused: readonly LineRefusal[];
}

export interface BulkUploadOptions {
  readonly gateway: BlacklistGateway;
  readonly who: Identity;
  readonly keyring: SubjectKeyring;
  /**
   * The node's own secret for evidence salts. A line's salt is an HMAC of its content under it: the same line
   * gets the same salt (so its upload is the same upload, UNCHANGED), and no one without the node's secret (the
   * other members included, who hold the consortium key) can test guesses against the public evidence hash.
   */
  readonly saltKey: KeyObject;
  /** The node's clock (the core checks expiry dates against its day; the ledger checks again at its own). */
  readonly now: () => Date;
  /** Entries per transaction (at most the contract's limit). */
  readonly batchSize?: number;
  /** Called once the file is read and checked, and after each batch the ledger answered. */
  readonly onProgress?: (progress: BulkProgress) => void;
}

/** A bulk upload's progress: lines done of the file's data lines, and their outcomes so far. */
export interface BulkProgress {
  readonly lines: number;
  /** Lines checked and refused, or posted and answered by the ledger. */
  readonly linesDone: number;
  readonly listed: number;
  readonly unchanged: number;
  readonly refused: number;
}

/**
 * An entry's evidence salt: an HMAC of its content (subject key, category, severity, indicators, summary,
 * document hashes, expiry) under the node's own secret. The same content gets the same salt, so the same upload
 * again is UNCHANGED (a bulk line, or a single entry posted through HTTP: both use this), and no one without the
 * node's secret can test guesses against the public evidence hash.
 */
export function evidenceSalt(
  saltKey: KeyObject,
  content: {
    readonly category: string;
    readonly documentHashes: readonly string[];
    readonly expiresOn: string | null;
    readonly indicators: readonly string[];
    readonly severity: string;
    readonly subject: { readonly keyVersion: number; readonly subjectKey: string };
    readonly summary: string;
  },
): string {
  return createHmac('sha256', saltKey)
    .update(`tallystick.blacklist.evidence-salt.v1|${canonicalJson(content)}`)
    .digest('hex')
    .slice(0, 32);
}

interface ParsedLine {
  readonly line: number;
  readonly entry: EntryInput;
}

const splitList = (text: string): string[] =>
  text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * Reads a bulk file and posts its good lines, idempotently: every line is checked first (identifier, policy) and
 * refused with its line number when bad; the good ones go to the ledger in batches; a batch the ledger refuses is
 * posted again line by line, so that one line's refusal (an entry already listed with other content) names that
 * line and does not hold back the others. Identifiers are hashed here and never leave the node.
 */
export async function bulkUpload(text: string, options: BulkUploadOptions): Promise<BulkReport> {
  if (Buffer.byteLength(text, 'utf8') > BULK_LIMITS.bytesMax)
    throw new BulkFileError(`the file is larger than ${BULK_LIMITS.bytesMax} bytes`);
  const batchSize = Math.min(
    options.batchSize ?? BLACKLIST_LIMITS.uploadBatchMax,
    BLACKLIST_LIMITS.uploadBatchMax,
  );
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      trim: true,
    });
  } catch (e) {
    const where = (e as { lines?: number }).lines;
    throw new BulkFileError(`the file is not CSV${where === undefined ? '' : ` (at line ${where})`}`);
  }
  // Line numbers counted here (csv-parse's `info` costs five times the parse, and naming several record
  // delimiters twenty times: a file's lines end the way its first one does): a record spans one line plus the
  // line breaks inside its quoted fields; an empty line is a record of one empty field, skipped.
  const rows: { record: string[]; line: number }[] = [];
  let nextLine = 1;
  for (const record of records) {
    const line = nextLine;
    nextLine += 1 + record.reduce((n, f) => n + (f.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
    if (record.length === 1 && record[0] === '') continue;
    rows.push({ line, record });
  }
  const header = rows.shift();
  if (!header) throw new BulkFileError('the file is empty: a header line names the columns');
  const columns = header.record.map((c) => c.toLowerCase());
  for (const c of columns)
    if (!(BULK_COLUMNS as readonly string[]).includes(c))
      throw new BulkFileError(
        `line ${header.line}: unknown column ${JSON.stringify(c)} (columns: ${BULK_COLUMNS.join(', ')})`,
      );
  for (const c of REQUIRED)
    if (!columns.includes(c)) throw new BulkFileError(`line ${header.line}: the column ${c} is missing`);
  if (rows.length > BULK_LIMITS.linesMax)
    throw new BulkFileError(`the file has ${rows.length} lines; at most ${BULK_LIMITS.linesMax}`);

  const policy = (await options.gateway.policy(options.who)).policy;
  const today = options.now().toISOString().slice(0, 10);
  const refused: LineRefusal[] = [];
  const good: ParsedLine[] = [];
  const seen = new Map<string, number>();
  for (const { record, line } of rows) {
    try {
      const entry = lineEntry(record, columns, line, policy, today, options);
      const id = `${entry.subject.subjectKey}:${entry.category}`;
      const earlier = seen.get(id);
      if (earlier !== undefined)
        throw new TallyError(
          'INVALID_INPUT',
          `line ${line} lists the same subject in ${entry.category} as line ${earlier}`,
        );
      seen.set(id, line);
      good.push({ entry, line });
    } catch (e) {
      if (!(e instanceof TallyError)) throw e;
      refused.push({ code: e.code, line, message: e.detail });
    }
  }

  let listed = 0;
  let unchanged = 0;
  let done = refused.length;
  const count = (outcomes: readonly { outcome: string }[]) => {
    for (const r of outcomes)
      if (r.outcome === 'LISTED') listed++;
      else unchanged++;
  };
  const progress = () =>
    options.onProgress?.({ lines: rows.length, linesDone: done, listed, unchanged, refused: refused.length });
  progress();
  for (let i = 0; i < good.length; i += batchSize) {
    const batch = good.slice(i, i + batchSize);
    try {
      count(
        (
          await options.gateway.uploadBatch(
            options.who,
            batch.map((b) => b.entry),
          )
        ).result,
      );
    } catch (e) {
      if (!(e instanceof LedgerRejected)) throw e;
      for (const b of batch) {
        try {
          count((await options.gateway.upload(options.who, b.entry)).result);
        } catch (single) {
          if (!(single instanceof LedgerRejected)) throw single;
          refused.push({ code: single.code, line: b.line, message: single.detail });
        }
      }
    }
    done += batch.length;
    progress();
  }
  refused.sort((a, b) => a.line - b.line);
  return { lines: rows.length, listed, refused, unchanged };
}

function lineEntry(
  record: readonly string[],
  columns: readonly string[],
  line: number,
  policy: BlacklistPolicy,
  today: string,
  options: BulkUploadOptions,
): EntryInput {
  const cell = (c: Column): string => {
    const i = columns.indexOf(c);
    return i < 0 ? '' : (record[i] ?? '');
  };
  if (record.length > columns.length)
    throw new TallyError(
      'INVALID_INPUT',
      `line ${line} has ${record.length} fields; the header names ${columns.length}`,
    );
  const [key] = options.keyring.keysForIdentifier(
    cell('type'),
    cell('identifier'),
    `line ${line} identifier`,
    {
      today,
    },
  );
  if (!key) throw new Error('the keyring gave no key');
  const subject = { keyVersion: options.keyring.writeVersion, subjectKey: key.subjectKey };
  const documentHashes = splitList(cell('document_hashes'));
  const expiresOn = cell('expires_on');
  const content = {
    category: cell('category'),
    documentHashes,
    expiresOn: expiresOn === '' ? null : expiresOn,
    indicators: splitList(cell('indicators')),
    severity: cell('severity'),
    subject,
    summary: cell('summary'),
  };
  const salt = evidenceSalt(options.saltKey, content);
  const raw = {
    category: content.category,
    evidence: { documentHashes, salt, summary: content.summary },
    ...(content.expiresOn === null ? {} : { expiresOn: content.expiresOn }),
    indicators: content.indicators,
    severity: content.severity,
    subject,
  };
  // The core's own rules, as the chaincode will apply them: a bad line is refused here with its number.
  parseUploadItem(raw, policy, today, `line ${line}`);
  return raw as EntryInput;
}
