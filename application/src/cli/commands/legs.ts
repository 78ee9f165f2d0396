import { readFile } from 'node:fs/promises';

import { LIMITS } from '../../../../chaincode/src/core/limits';
import type { CommittedLegs, Problem } from '../../http/apiTypes';
import { intOption, parseCommand } from '../cliArgs';
import type { CommandContext, Outcome } from '../cliContext';
import { CliError, usageError } from '../cliErrors';
import { request } from '../cliSession';

export const POST_OPTIONS = { batch: { type: 'string', default: '500' } } as const;

/** The legs of a JSON file, or a usage error naming the file (nothing is sent). */
export async function readLegsFile(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw usageError(
      `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      'FILE_UNREADABLE',
    );
  }
  let legs: unknown;
  try {
    legs = JSON.parse(text);
  } catch (e) {
    throw usageError(`${file} is not JSON: ${(e as Error).message}`, 'INVALID_JSON');
  }
  if (!Array.isArray(legs)) throw usageError(`${file} must hold a JSON array of legs`, 'INVALID_JSON');
  return legs as unknown[];
}

/** `legs[k]` of a batch that starts at `offset` is `legs[offset + k]` of the file. */
export function inFile(text: string, offset: number): string {
  return text.replace(/\blegs\[(\d+)\]/g, (_, k: string) => `legs[${String(offset + Number(k))}]`);
}

interface Tally {
  posted: number;
  unchanged: number;
}

/**
 * A refused or lost batch said in the file's terms: each problem at its position in the file, how many legs
 * were committed before it, and what running again does.
 */
function batchFailure(e: CliError, file: string, from: number, size: number, total: number, t: Tally) {
  const to = Math.min(total, from + size) - 1;
  const problems = (e.facts.problem?.errors ?? []).map((p: Problem['errors'][number]) => ({
    ...p,
    message: inFile(p.message, from),
    ...(p.field === undefined ? {} : { field: inFile(p.field, from) }),
  }));
  const committed = t.posted + t.unchanged;
  const fate =
    e.kind === 'refused'
      ? `the batch legs[${String(from)}]-legs[${String(to)}] was refused as a whole`
      : `the outcome of the batch legs[${String(from)}]-legs[${String(to)}] is unknown`;
  const lines = [
    inFile(e.message, from),
    // each message names its field (legs[350].currency …)
    ...(problems.length > 1 ? problems.map((p) => `  ${p.message}`) : []),
    `${String(committed)} of ${String(total)} legs were committed before it (${String(t.posted)} posted, ${String(t.unchanged)} unchanged); ${fate}, and nothing after it was sent. Posting ${file} again is safe: what was committed comes back UNCHANGED.`,
  ];
  return e.with(lines.join('\n'), {
    file,
    total,
    committed,
    posted: t.posted,
    unchanged: t.unchanged,
    batch: { from, to },
    problems,
  });
}

/** Posts a file of legs in batches, one transaction each; a failure says where in the file and what is done. */
export async function post(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { values, positionals } = parseCommand('post', argv, POST_OPTIONS);
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) throw usageError('post needs one JSON file with an array of legs');
  const batch = intOption('batch', values.batch, 1, LIMITS.batchLegsMax);
  const legs = await readLegsFile(file);
  const s = await ctx.session();
  const progress = ctx.progress('posting', legs.length);
  const tally: Tally = { posted: 0, unchanged: 0 };
  for (let from = 0; from < legs.length; from += batch) {
    let r: CommittedLegs;
    try {
      r = await request<CommittedLegs>(s, 'POST', '/v1/legs/batch', { legs: legs.slice(from, from + batch) });
    } catch (e) {
      if (e instanceof CliError) throw batchFailure(e, file, from, batch, legs.length, tally);
      throw e;
    }
    for (const l of r.result)
      if (l.outcome === 'UNCHANGED') tally.unchanged++;
      else tally.posted++;
    progress.tick(Math.min(legs.length, from + batch));
  }
  return {
    json: { file, total: legs.length, ...tally },
    lines: [
      `${String(tally.posted)} legs posted, ${String(tally.unchanged)} already on the ledger unchanged`,
    ],
  };
}
