import { randomUUID } from 'node:crypto';

import type { CommittedBreak } from '../../http/apiTypes';
import type { CommandContext, Outcome } from '../cliContext';
import { CliError } from '../cliErrors';
import { request } from '../cliSession';

/** The workflow steps the command line takes, each POST /v1/breaks/{id}/{step}. */
export const STEPS = [
  'assign',
  'propose',
  'approve',
  'accept',
  'reject',
  'resolve',
  'comment',
  'due',
] as const;
export type Step = (typeof STEPS)[number];

export function isStep(name: string): name is Step {
  return (STEPS as readonly string[]).includes(name);
}

export const STEP_OPTIONS = {
  assignee: { type: 'string' },
  kind: { type: 'string' },
  'root-cause': { type: 'string' },
  due: { type: 'string' },
  comment: { type: 'string' },
  reference: { type: 'string' },
  'idempotency-key': { type: 'string' },
} as const;

/** A workflow step's tries when the node is unreachable or unavailable: each under the same idempotency key. */
const STEP_ATTEMPTS = 3;
const RETRY_PAUSE_MS = 500;

/** What to tell a person whose step got no answer after its tries, so that a rerun does the right thing. */
export function lostStepAdvice(e: CliError, key: string): string {
  const rerun = `run it again with --idempotency-key ${key}`;
  const details = e.facts.problem?.details as { outcome?: string; txId?: string } | undefined;
  if (e.code === 'TIMEOUT')
    return `the node did not answer in time and may have taken the step: ${rerun}, which returns the first result if it was committed`;
  if (e.facts.status === undefined) return `the node was not reached, so the step was not sent: ${rerun}`;
  if (details?.outcome === 'NOT_SENT') return `the ledger did not take the step (nothing written): ${rerun}`;
  const tx = details?.txId === undefined ? '' : ` as transaction ${details.txId}`;
  return `the step was sent${tx} and its outcome is unknown: ${rerun}, which returns the first result if it was committed`;
}

/**
 * One workflow step, at most once: it goes out under an idempotency key (the step's name on the ledger), and a
 * node unreachable or unavailable is tried again under the same key, which returns the first result instead of
 * acting twice. After the last try the failure says how to finish the step.
 */
export async function breakStep(
  ctx: CommandContext,
  breakId: string,
  step: Step,
  values: { [K in keyof typeof STEP_OPTIONS]?: string | undefined },
): Promise<Outcome> {
  const body: Record<string, string> = {};
  for (const k of ['comment', 'reference', 'assignee', 'kind'] as const) {
    const v = values[k];
    if (v) body[k] = v;
  }
  if (values['root-cause']) body.rootCause = values['root-cause'];
  if (values.due) body.dueAt = values.due;
  const key = values['idempotency-key'] ?? randomUUID();
  const s = await ctx.session();
  const path = `/v1/breaks/${encodeURIComponent(breakId)}/${step}`;
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await request<CommittedBreak>(s, 'POST', path, body, { 'idempotency-key': key });
      return {
        json: { ...r, idempotencyKey: key },
        lines: [`${breakId} is ${r.result.status} (tx ${r.txId})`],
      };
    } catch (e) {
      if (!(e instanceof CliError) || e.kind !== 'unavailable') throw e;
      if (attempt >= STEP_ATTEMPTS)
        throw e.with(`${e.message}\n${lostStepAdvice(e, key)}`, { idempotencyKey: key });
      await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS * attempt));
    }
  }
}
