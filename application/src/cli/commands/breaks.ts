import type { Break, OpenCase, Provenance, QueuePage, SealedBreak } from '../../http/apiTypes';
import { intOption, parseCommand } from '../cliArgs';
import type { CommandContext, Outcome } from '../cliContext';
import { usageError } from '../cliErrors';
import { formatAge, formatAmount, table } from '../cliFormat';
import { request } from '../cliSession';
import { attach, listAttachments, saveAttachment } from './attachments';
import { breakStep, isStep, STEP_OPTIONS, STEPS } from './breakSteps';

export const BREAKS_OPTIONS = {
  reason: { type: 'string' },
  status: { type: 'string' },
  assignee: { type: 'string' },
  currency: { type: 'string' },
  counterparty: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'root-cause': { type: 'string' },
  escalated: { type: 'boolean' },
  sort: { type: 'string' },
  order: { type: 'string' },
  limit: { type: 'string', default: '50' },
  cursor: { type: 'string' },
} as const;

/** The queue's query parameters of each option (the node checks their values and names a bad one). */
const QUEUE_PARAMS = {
  reason: 'reason',
  status: 'status',
  assignee: 'assignee',
  currency: 'currency',
  counterparty: 'counterparty',
  from: 'valueDateFrom',
  to: 'valueDateTo',
  'root-cause': 'rootCause',
  sort: 'sort',
  order: 'order',
  cursor: 'cursor',
} as const;

/** A queue line: the break, its age (! past its service level), and the institution's own leg if it has one. */
function queueRow(b: QueuePage['items'][number]): string[] {
  const flag = b.serviceLevel === 'BREACHED' ? ' !' : b.serviceLevel === 'AT_RISK' ? ' ~' : '';
  return [
    b.breakId,
    b.rootCause ? `${b.reason}/${b.rootCause}` : b.reason,
    b.status,
    `${formatAge(b.ageMs)}${flag}${b.escalated ? ' ESCALATED' : ''}`,
    b.amountMinor === null || b.currency === null ? '-' : formatAmount(b.amountMinor, b.currency),
    b.valueDate ?? '-',
    b.counterparties.join(',') || '-',
    b.assignee?.name ?? '-',
  ];
}

/** The queue of breaks from the node's index, a page at a time. */
export async function breaks(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { values, positionals } = parseCommand('breaks', argv, BREAKS_OPTIONS);
  if (positionals.length > 0) throw usageError(`breaks takes no argument, got ${positionals.join(' ')}`);
  const q = new URLSearchParams({ limit: String(intOption('limit', values.limit, 1, 1000)) });
  for (const [option, param] of Object.entries(QUEUE_PARAMS)) {
    const v = values[option as keyof typeof QUEUE_PARAMS];
    if (v !== undefined) q.set(param, v);
  }
  if (values.escalated === true) q.set('escalated', 'true');
  const s = await ctx.session();
  const page = await request<QueuePage>(s, 'GET', `/v1/queue?${q.toString()}`);
  return {
    json: page,
    lines: [
      ...table(page.items.map(queueRow)),
      `${String(page.items.length)} breaks shown (age: ~ at risk, ! past the service level)`,
      ...(page.nextCursor === null ? [] : [`more: tallystick breaks --cursor ${page.nextCursor}`]),
    ],
  };
}

export const BREAK_OPTIONS = {
  ...STEP_OPTIONS,
  case: { type: 'string' },
  break: { type: 'string' },
  of: { type: 'string' },
  out: { type: 'string' },
  type: { type: 'string' },
} as const;

/** `break show|open|provenance …`, or a workflow step `break ID STEP`. */
export async function breakCommand(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { values, positionals } = parseCommand('break', argv, BREAK_OPTIONS);
  const [first, second, ...extra] = positionals;
  if (first === 'open' && extra.length === 0) return openCase(ctx, second, values.case, values.break);
  // Attachments: `break ID attach FILE`, `break ID attachments`, `break ID attachment SHA256 --out FILE`.
  if (first !== undefined && second === 'attach' && extra.length === 1)
    return attach(ctx, first, extra[0] ?? '', values.type, values['idempotency-key']);
  if (first !== undefined && second === 'attachments' && extra.length === 0)
    return listAttachments(ctx, first);
  if (first !== undefined && second === 'attachment' && extra.length === 1)
    return saveAttachment(ctx, first, extra[0] ?? '', values.out);
  if (first === undefined || second === undefined || extra.length > 0)
    throw usageError(
      'break needs show ID, open REFERENCE, provenance ID, or ID and a step (see tallystick break --help)',
    );
  switch (first) {
    case 'show':
      return showBreak(ctx, second, values.reference);
    case 'provenance':
      return provenance(ctx, second, values.of ?? 'break');
    default:
      if (!isStep(second))
        throw usageError(`break ${first}: the step must be one of ${STEPS.join(', ')}, got ${second}`);
      return breakStep(ctx, first, second, values);
  }
}

/** Who took a step: a person of an institution, or the ledger itself (matching opens and clears). */
const actorText = (a: { name: string; mspId: string }): string =>
  a.name === '' && a.mspId === '' ? '(matching)' : `${a.name} (${a.mspId})`;

/**
 * A break's lines for people: what it is, who holds it, and its timeline. Its comments are sealed unless the
 * break was read with its payment reference (`opened`): a sealed comment is said to be so, not printed. A break
 * the node could not open (it holds no reference of the case) names no person: that is said too.
 */
export function breakLines(b: Break | SealedBreak, opened: boolean): string[] {
  if ('people' in b) return sealedBreakLines(b);
  const legs = (b.detail.legs ?? []).map((l) => `${l.mspId}:${l.legId} (${l.role})`);
  const missing = (b.detail.missing ?? []).map((m) => `${m.mspId} (${m.role})`);
  return [
    ...table([
      ...headerRows(b),
      ...(b.assignee ? [['assignee', actorText(b.assignee)]] : []),
      ...(b.proposal
        ? [
            [
              'proposal',
              `${b.proposal.kind}${b.proposal.rootCause ? ` (${b.proposal.rootCause})` : ''} by ${actorText(b.proposal.proposer)}`,
            ],
          ]
        : []),
      ...outcomeRows(b),
      ...(b.detail.fields ? [['fields', b.detail.fields.join(', ')]] : []),
      ...(legs.length > 0 ? [['legs', legs.join(', ')]] : []),
      ...(missing.length > 0 ? [['missing', missing.join(', ')]] : []),
    ]),
    'timeline:',
    ...table(
      b.timeline.map((t) => [
        ...stepCells(t),
        actorText(t.actor),
        t.comment === '' || opened ? t.comment : SEALED_COMMENT,
      ]),
    ),
  ];
}

const SEALED_COMMENT = '(comment sealed: --reference opens it)';

/** A timeline step's number, time, action and transition, as both forms of a break print them. */
function stepCells(t: {
  seq: number;
  at: string;
  action: string;
  from?: string | null;
  to: string;
  rootCause?: string;
  dueAt?: string;
}): string[] {
  const what = t.rootCause ? `${t.action} ${t.rootCause}` : t.dueAt ? `${t.action} ${t.dueAt}` : t.action;
  return [`  ${String(t.seq)}`, t.at, what, `${t.from ?? '-'} -> ${t.to}`];
}

/** What every break shows, opened or sealed: which break, why, where it stands, and its case. */
function headerRows(b: Break | SealedBreak): string[][] {
  return [
    ['break', b.breakId],
    ['reason', b.reason],
    ['status', b.status],
    ['case', b.caseId],
    ['parties', b.parties.join(', ')],
    ['opened', b.openedAt],
    ['updated', b.updatedAt],
    ...(b.dueAt ? [['due', b.dueAt]] : []),
  ];
}

/** Who accepted and how it ended, when they have. */
function outcomeRows(b: Break | SealedBreak): string[][] {
  return [
    ...(b.acceptedBy.length > 0 ? [['accepted by', b.acceptedBy.join(', ')]] : []),
    ...(b.resolution ? [['resolution', b.resolution]] : []),
    ...(b.rootCause ? [['root cause', b.rootCause]] : []),
  ];
}

function sealedBreakLines(b: SealedBreak): string[] {
  return [
    ...table([
      ...headerRows(b),
      ['persons', '(sealed: --reference opens them)'],
      ...(b.proposal
        ? [['proposal', `${b.proposal.kind}${b.proposal.rootCause ? ` (${b.proposal.rootCause})` : ''}`]]
        : []),
      ...outcomeRows(b),
    ]),
    'timeline:',
    ...table(
      b.timeline.map((t) => [
        ...stepCells(t),
        t.people === '' ? '(matching)' : '(sealed)',
        t.comment === '' ? '' : SEALED_COMMENT,
      ]),
    ),
  ];
}

/** A break as anyone allowed sees it (comments sealed), or opened with its reference (comments in clear). */
async function showBreak(ctx: CommandContext, breakId: string, reference: string | undefined) {
  const s = await ctx.session();
  const path = `/v1/breaks/${encodeURIComponent(breakId)}`;
  const b =
    reference === undefined
      ? await request<Break | SealedBreak>(s, 'GET', path)
      : await request<Break>(s, 'POST', `${path}/open`, { reference });
  return { json: b, lines: breakLines(b, reference !== undefined) };
}

/** A case id: 64 hex digits (a payment reference is at most 36 characters, so never one). */
const CASE_ID = /^[0-9a-f]{64}$/;

/**
 * A case opened: its legs in clear and its breaks with comments. Named by its payment reference (in the body,
 * never the URL), by its case id (`--case`, or a case id in the reference's place), or by a break of it
 * (`--break`); without the reference the node supplies it when it holds it (a case of its institution's legs).
 */
async function openCase(
  ctx: CommandContext,
  given: string | undefined,
  caseOption: string | undefined,
  breakId: string | undefined,
) {
  const reference = given !== undefined && !CASE_ID.test(given) ? given : undefined;
  const caseIds = [given === reference ? undefined : given, caseOption].filter((x) => x !== undefined);
  if (caseIds.length + (breakId === undefined ? 0 : 1) > 1)
    throw usageError('break open takes one case: a case id (or --case) or --break, not both');
  if (reference === undefined && caseIds.length === 0 && breakId === undefined)
    throw usageError('break open needs a payment reference, a case id (--case) or a break (--break)');
  const s = await ctx.session();
  const caseId =
    breakId === undefined
      ? caseIds[0]
      : (await request<Break | SealedBreak>(s, 'GET', `/v1/breaks/${encodeURIComponent(breakId)}`)).caseId;
  const opened = await request<OpenCase>(s, 'POST', '/v1/cases/open', {
    ...(reference === undefined ? {} : { reference }),
    ...(caseId === undefined ? {} : { caseId }),
  });
  return { json: opened, lines: caseLines(opened) };
}

/** An opened case's lines for people: the case, its legs (amounts in major units), and its breaks. */
function caseLines(opened: OpenCase): string[] {
  const c = opened.case;
  const legRows = opened.legs.map((l) => [
    `  ${l.mspId}:${l.legId}`,
    l.role,
    formatAmount(l.detail.amountMinor, l.detail.currency),
    l.detail.valueDate,
    `${l.detail.payerRef} -> ${l.detail.payeeRef}`,
    l.detail.outcome,
  ]);
  return [
    `case ${c.caseId}  ${c.status}  parties ${c.parties.join(', ')}`,
    ...(c.otherCases.length > 0 ? [`other cases of this reference: ${c.otherCases.join(', ')}`] : []),
    `legs (${String(opened.legs.length)}):`,
    ...table(legRows),
    `breaks (${String(opened.breaks.length)}):`,
    ...opened.breaks.flatMap((b) => ['', ...breakLines(b, true)]),
  ];
}

const PROVENANCE_KINDS = ['break', 'case', 'leg'] as const;

/** Every committed version of a record: when, by which transaction and block, signed by whom. */
async function provenance(ctx: CommandContext, id: string, kind: string) {
  if (!(PROVENANCE_KINDS as readonly string[]).includes(kind))
    throw usageError(`--of must be break, case or leg, got ${kind}`);
  const s = await ctx.session();
  const p = await request<Provenance>(s, 'GET', `/v1/provenance/${kind}/${encodeURIComponent(id)}`);
  const status = (value: unknown) =>
    typeof value === 'object' && value !== null && 'status' in value ? String(value.status) : '';
  return {
    json: p,
    lines: [
      `${p.kind} ${p.id}: ${String(p.history.length)} versions, newest first`,
      ...table(
        p.history.map((v) => [
          `  v${String(v.version)}`,
          v.timestamp,
          `tx ${v.txId}`,
          `block ${v.blockNumber ?? '?'}`,
          v.signer === null ? 'signer not in the index' : `${v.signer.mspId} ${v.signer.subject}`,
          v.isDelete ? 'deleted' : status(v.value),
        ]),
      ),
    ],
  };
}
