import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { StatementSource } from '../../application/src/ingest/source';
import {
  StatementRejected,
  type ParsedStatements,
  type StatementErrorCode,
} from '../../application/src/ingest/statementLine';

/** The rejection a statement parse ends in; fails the test if it parsed or failed some other way. */
export async function rejection(p: Promise<unknown>): Promise<StatementRejected> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatementRejected) return e;
    throw e;
  }
  throw new Error('expected the statement to be rejected');
}

/** Every file below `dir` that `keep` accepts (default: all). */
export function listFiles(dir: string, keep: (path: string) => boolean = () => true): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? listFiles(p, keep) : keep(p) ? [p] : [];
  });
}

/**
 * What a published sample must give (`statementSamples/<format>.json`): its statement and line counts (and the
 * first statement's balances in minor units, where known), or the code it is rejected with, where, and why.
 */
export type SampleExpectation =
  | {
      readonly statements: number;
      readonly lines: number;
      readonly opening?: string;
      readonly closing?: string;
    }
  | { readonly rejected: StatementErrorCode; readonly at: string | number; readonly why: string };

export type SampleFormat = 'camt' | 'mt940';

/** What `statementSamples/<format>.json` expects of each published sample, by its path below the samples' folder. */
export function sampleExpectations(format: SampleFormat): Record<string, SampleExpectation> {
  return JSON.parse(readFileSync(join(__dirname, 'statementSamples', `${format}.json`), 'utf8')) as Record<
    string,
    SampleExpectation
  >;
}

/** The published samples below `dir` (the files `keep` accepts), by their path below it, sorted. */
export function sampleFiles(dir: string, keep?: (path: string) => boolean): string[] {
  return listFiles(dir, keep)
    .map((f) => relative(dir, f))
    .sort();
}

/**
 * One test per published sample below `dir` (the files `keep` accepts): it parses to what
 * `statementSamples/<format>.json` says, each parsed result also passing `check`, or is rejected with that
 * code at that line or element. A sample missing from the file, or listed there and absent, fails.
 */
export function describePublishedSamples(o: {
  readonly format: SampleFormat;
  readonly dir: string;
  readonly keep?: (path: string) => boolean;
  readonly parse: (source: StatementSource) => Promise<ParsedStatements>;
  /** The read stream's chunk size for the samples that parse: small, so a record spans chunks. */
  readonly highWaterMark: number;
  readonly check?: (parsed: ParsedStatements) => void;
}): void {
  const expected = sampleExpectations(o.format);
  describe(`${o.format}: every published sample parses or is rejected for its stated reason`, () => {
    const files = sampleFiles(o.dir, o.keep);

    it('knows every sample', () => {
      expect(files).toEqual(Object.keys(expected).sort());
    });

    for (const file of files) {
      const e = expected[file];
      if (!e) continue;
      if ('rejected' in e) {
        it(`${file} is rejected at ${e.at}: ${e.why}`, async () => {
          const r = await rejection(o.parse(createReadStream(join(o.dir, file))));
          expect(r.code).toBe(e.rejected);
          expect(r.at).toBe(e.at);
        });
        continue;
      }
      it(`${file} parses`, async () => {
        const parsed = await o.parse(createReadStream(join(o.dir, file), { highWaterMark: o.highWaterMark }));
        expect(parsed.statements).toHaveLength(e.statements);
        expect(parsed.lines).toHaveLength(e.lines);
        const first = parsed.statements[0];
        if (e.opening !== undefined) expect(first?.openingBalanceMinor).toBe(BigInt(e.opening));
        if (e.closing !== undefined) expect(first?.closingBalanceMinor).toBe(BigInt(e.closing));
        o.check?.(parsed);
      });
    }
  });
}
