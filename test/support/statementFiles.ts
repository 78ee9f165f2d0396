import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { StatementRejected } from '../../application/src/ingest/statementLine';

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
