import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

import { compareBooks, type LedgerLeg } from '../../application/src/ingest/compare';
import { parseCamt } from '../../application/src/ingest/camt';
import { parseCsv } from '../../application/src/ingest/csv';
import {
  bookRow,
  camt053Chunks,
  csvChunks,
  GENERATED_CSV_MAPPING,
  legOfRow,
  rows,
} from '../../test/support/statementBooks';
import { machineInfo, resultsFile, writeResults } from './results';

/**
 * `npm run build && node dist/bench/src/statements.js [--lines 1000000] [--format csv|camt]`: writes a generated
 * day's books as one statement file, then parses it from disk and compares it with as many ledger legs (three
 * planted differences), reporting seconds and peak resident memory. Not a test: numbers are measured, never
 * asserted. Results go to bench/results/<date>-statements.json (one entry per format, latest run wins).
 */
const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    format: { type: 'string', default: 'csv' },
    seed: { type: 'string', default: '20261127' },
  },
});
const n = Number(values.lines);
const seed = Number(values.seed);
const format = values.format === 'camt' ? 'camt.053' : 'csv';
if (!Number.isSafeInteger(n) || n < 10) throw new Error('--lines must be an integer of at least 10');

const SECONDS_MAX = 30;
const RSS_MIB_MAX = 512;
const MISSING_ROW = Math.floor(n / 3);
const CHANGED_ROW = Math.floor((2 * n) / 3);

/** The ledger's legs, generated one at a time as an index query would stream them. */
function* ledgerLegs(): Generator<LedgerLeg> {
  for (let i = 0; i <= n; i++) {
    if (i === MISSING_ROW) continue;
    const leg = legOfRow(bookRow(seed, i));
    yield i === CHANGED_ROW ? { ...leg, amountMinor: (BigInt(leg.amountMinor) + 1n).toString() } : leg;
  }
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-statements-'));
  const file = join(dir, format === 'csv' ? 'books.csv' : 'books.xml');
  try {
    let t = performance.now();
    const chunks =
      format === 'csv' ? csvChunks(rows(seed, n)) : camt053Chunks({ [Symbol.iterator]: () => rows(seed, n) });
    await pipeline(Readable.from(chunks), createWriteStream(file));
    const generateSeconds = (performance.now() - t) / 1000;
    const fileBytes = statSync(file).size;

    // What generating the ledger's legs alone costs: part of compareSeconds, since they are streamed into it.
    t = performance.now();
    let drained = 0;
    for (const _leg of ledgerLegs()) drained++;
    const ledgerGenerateSeconds = (performance.now() - t) / 1000;

    const rssBefore = process.memoryUsage().rss;
    t = performance.now();
    const parsed =
      format === 'csv'
        ? await parseCsv(createReadStream(file), GENERATED_CSV_MAPPING)
        : await parseCamt(createReadStream(file));
    const parseSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const report = compareBooks(parsed.lines, ledgerLegs());
    const compareSeconds = (performance.now() - t) / 1000;
    // ru_maxrss: the peak resident set of the whole process, in KiB (Linux), generation included.
    const peakRssMiB = mib(process.resourceUsage().maxRSS * 1024);
    const heapUsedMiB = mib(process.memoryUsage().heapUsed);
    const totalSeconds = parseSeconds + compareSeconds;

    const result = {
      format,
      lines: parsed.lines.length,
      ledgerLegs: report.ledgerLegsCompared,
      ledgerLegsGenerated: drained,
      fileMiB: mib(fileBytes),
      generateSeconds: round(generateSeconds),
      parseSeconds: round(parseSeconds),
      compareSeconds: round(compareSeconds),
      ledgerLegGenerationInCompareSeconds: round(ledgerGenerateSeconds),
      totalSeconds: round(totalSeconds),
      peakRssMiB,
      rssBeforeParseMiB: mib(rssBefore),
      heapUsedAfterMiB: heapUsedMiB,
      differences: {
        onlyInMyBooks: report.onlyInMyBooks.length,
        onlyOnLedger: report.onlyOnLedger.length,
        fieldDifferences: report.fieldDifferences.length,
        matched: report.matched,
      },
      withinTargets: totalSeconds <= SECONDS_MAX && peakRssMiB <= RSS_MIB_MAX,
      targets: { secondsMax: SECONDS_MAX, rssMiBMax: RSS_MIB_MAX },
    };
    const date = new Date().toISOString().slice(0, 10);
    const name = `${date}-statements.json`;
    const previous = readPrevious(resultsFile(name));
    const out = writeResults(name, { date, machine: machineInfo(), runs: { ...previous, [format]: result } });
    console.log(JSON.stringify(result, null, 2));
    console.log(`written to ${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(s: number): number {
  return Math.round(s * 100) / 100;
}

function readPrevious(path: string): Record<string, unknown> {
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { runs?: Record<string, unknown> };
    return json.runs ?? {};
  } catch {
    return {};
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
