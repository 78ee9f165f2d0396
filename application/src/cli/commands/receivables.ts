import { readFile } from 'node:fs/promises';

import { intOption, parseCommand } from '../cliArgs';
import type { CommandContext, Outcome } from '../cliContext';
import { usageError } from '../cliErrors';
import { table } from '../cliFormat';
import { request } from '../cliSession';
import type { Shape } from '../../http/routes/schema';
import type {
  ListPage,
  Me,
  PolicyProposal,
  PolicyVersion,
  RECORD_KINDS,
  Tree,
} from '../../http/routes/receivablesShapes';

/**
 * `tallystick receivables …`: supply-chain receivable tokens through the node's /v1/receivables routes
 * (docs/RECEIVABLES.md), for enterprises' and banks' systems. Lists come from the node's index; every change is
 * the ledger's, refused with the chaincode's code. Inputs that carry amounts, parties or document hashes are JSON
 * files in the API's shape (`--file`); ids are arguments.
 */

export const RECEIVABLES_OPTIONS = {
  file: { type: 'string' },
  status: { type: 'string' },
  mine: { type: 'boolean', default: false },
  token: { type: 'string' },
  trade: { type: 'string' },
  'due-from': { type: 'string' },
  'due-to': { type: 'string' },
  'long-term': { type: 'boolean', default: false },
  order: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  part: { type: 'string' },
  bank: { type: 'string' },
  'offer-id': { type: 'string' },
  decision: { type: 'string' },
  reason: { type: 'string' },
  'rate-bp': { type: 'string' },
  'day-count': { type: 'string' },
  fee: { type: 'string' },
  id: { type: 'string' },
} as const;

export const RECEIVABLES_SUBCOMMANDS = [
  'me',
  'list',
  'tree',
  'register-trade',
  'confirm-trade',
  'propose-issue',
  'sign-issue',
  'answer-issue',
  'propose-move',
  'sign-move',
  'offer',
  'withdraw',
  'answer-offer',
  'pay',
  'sweep',
  'policy',
  'propose-policy',
  'approve-policy',
] as const;
type Sub = (typeof RECEIVABLES_SUBCOMMANDS)[number];
type Values = ReturnType<typeof parseCommand<typeof RECEIVABLES_OPTIONS>>['values'];
type Kind = (typeof RECORD_KINDS)[number];
const KINDS: readonly Kind[] = ['TRADE', 'TOKEN', 'PART', 'MOVE', 'PAYMENT', 'FINANCING'];

export const RECEIVABLES_HELP = `tallystick receivables SUBCOMMAND [ARGUMENTS] [OPTIONS]

Supply-chain receivable tokens (docs/RECEIVABLES.md), as the signed-in person of an enterprise or a bank.
Lists come from the node's index; changes go to the ledger (the chaincode decides who may do what).
  me                                  who you are in receivables (enterprise or bank, roles)
  list KIND [--status S,S] [--mine] [--token ID] [--trade ID] [--due-from DAY] [--due-to DAY] [--long-term]
       [--order newest|due] [--limit N] [--cursor C]
                                      KIND: trades, tokens, parts, moves, payments, financings
  tree TOKEN                          a token's parts you may see, each with its parent (the trace to the trade)
  register-trade --file TRADE.json    the buyer registers a trade (documents' SHA-256 only)
  confirm-trade TRADE                 the seller confirms it
  propose-issue --file ISSUE.json     the core enterprise's finance proposes a token
  sign-issue TOKEN                    an approver of the core enterprise signs it (four eyes)
  answer-issue TOKEN --decision ACCEPT|DECLINE [--reason TEXT]
  propose-move --file MOVE.json       the holder's finance proposes a split and/or transfer
  sign-move MOVE                      an approver of the holder signs it (four eyes)
  offer --part PART --bank MSP --offer-id ID        offer a part for financing
  withdraw --part PART                withdraw the offer
  answer-offer --part PART --offer-id ID --decision ACCEPT|DECLINE [--rate-bp N --day-count ACT/360|ACT/365F
       [--fee MINOR]]                 the bank's financier answers (the discount is computed on the ledger)
  pay --file PAYMENT.json             the core enterprise records a payment at maturity
  sweep                               marks parts unpaid after maturity overdue (ledger time)
  policy                              the policy in force and the proposals (open, adopted, superseded)
  propose-policy --file POLICY.json --id ID   a governing bank's admin proposes a whole policy
  approve-policy ID                   a governing bank's approver approves; the majority's approval adopts it
Every change is idempotent by the id it carries: the same request again answers UNCHANGED.`;

const need = (values: Values, name: keyof typeof RECEIVABLES_OPTIONS, sub: string): string => {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw usageError(`receivables ${sub} needs --${name}`);
  return v;
};

function one(positionals: readonly string[], sub: string, what: string): string {
  const [id, ...rest] = positionals;
  if (id === undefined || rest.length > 0) throw usageError(`receivables ${sub} takes one ${what}`);
  return id;
}

async function jsonFile(values: Values, sub: string): Promise<unknown> {
  const path = need(values, 'file', sub);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw usageError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw usageError(`${path} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const enc = encodeURIComponent;
type Step = { txId: string; blockNumber: string; result: { outcome?: string } & Record<string, unknown> };
const stepLines = (what: string, r: Step): string[] => [
  `${what}: ${r.result.outcome ?? 'done'} (transaction ${r.txId}, block ${r.blockNumber})`,
];

function kindOf(word: string | undefined): Kind {
  const kind = KINDS.find((k) => `${k.toLowerCase()}s` === word || k === word);
  if (kind === undefined)
    throw usageError(`receivables list needs a kind: ${KINDS.map((k) => `${k.toLowerCase()}s`).join(', ')}`);
  return kind;
}

type Item = Shape<typeof ListPage>['items'][number];
const row = (x: Item): string[] => [
  x.id,
  x.status,
  x.holder ?? '',
  x.currency === null ? x.amountMinor : `${x.currency} ${x.amountMinor}`,
  x.dueOn ?? '',
  x.longTerm ? 'over 6 months' : '',
];
const HEAD = ['ID', 'STATUS', 'HOLDER', 'AMOUNT (MINOR)', 'DUE', 'TERM'];

async function list(ctx: CommandContext, positionals: readonly string[], v: Values): Promise<Outcome> {
  const kind = kindOf(positionals[0]);
  const q = new URLSearchParams({ kind });
  if (v.status !== undefined) q.set('status', v.status);
  if (v.mine) q.set('mine', 'true');
  if (v.token !== undefined) q.set('tokenId', v.token);
  if (v.trade !== undefined) q.set('tradeId', v.trade);
  if (v['due-from'] !== undefined) q.set('dueFrom', v['due-from']);
  if (v['due-to'] !== undefined) q.set('dueTo', v['due-to']);
  if (v['long-term']) q.set('longTerm', 'true');
  if (v.order !== undefined) q.set('order', v.order);
  if (v.limit !== undefined) q.set('limit', String(intOption('limit', v.limit, 1, 200)));
  if (v.cursor !== undefined) q.set('cursor', v.cursor);
  const r = await request<Shape<typeof ListPage>>(
    await ctx.session(),
    'GET',
    `/v1/receivables/records?${q.toString()}`,
  );
  return {
    json: r,
    lines: [
      ...table([HEAD, ...r.items.map(row)]),
      ...(r.nextCursor === null ? [] : [`more: --cursor ${r.nextCursor}`]),
    ],
  };
}

async function tree(ctx: CommandContext, tokenId: string): Promise<Outcome> {
  const r = await request<Shape<typeof Tree>>(
    await ctx.session(),
    'GET',
    `/v1/receivables/tree?tokenId=${enc(tokenId)}`,
  );
  const parent = (x: Item) => (x.kind === 'PART' ? (x.record.parentId ?? '(root)') : '');
  return {
    json: r,
    lines: [
      ...(r.token ? [`token ${r.token.id}: ${r.token.status}, trade ${r.token.tradeId ?? ''}`] : []),
      ...table([
        [...HEAD, 'PARENT', 'TRADE'],
        ...r.parts.map((x) => [...row(x), parent(x), x.tradeId ?? '']),
      ]),
    ],
  };
}

async function policy(ctx: CommandContext): Promise<Outcome> {
  const session = await ctx.session();
  const current = await request<Shape<typeof PolicyVersion>>(session, 'GET', '/v1/receivables/policy');
  const proposals = await request<Shape<typeof PolicyProposal>[]>(
    session,
    'GET',
    '/v1/receivables/policy/proposals',
  );
  const p = current.policy;
  const mins = Object.entries(p.minPartMinor).map(([c, m]) => `${c} ${m}`);
  return {
    json: { current, proposals },
    lines: [
      `policy version ${String(current.version)}${current.txId === null ? ' (genesis)' : `, adopted in transaction ${current.txId} (${current.approvedBy.join(', ')})`}`,
      `  smallest part (minor units): ${[...mins, `other ${p.minPartMinorDefault}`].join(', ')}`,
      `  outputs per move at most ${String(p.outputsMax)}; fee at most ${String(p.feeBpMax)} bp; on a blacklist hit: ${p.screeningOnHit}`,
      `  governed by ${p.governors.join(', ')}`,
      ...table([
        ['PROPOSAL', 'STATUS', 'BASE', 'BY', 'APPROVED BY'],
        ...proposals.map((x) => [
          x.proposalId,
          x.status,
          String(x.baseVersion),
          `${x.proposedBy.name}@${x.proposedBy.mspId}`,
          x.approvals.map((a) => a.mspId).join(', '),
        ]),
      ]),
    ],
  };
}

async function change(ctx: CommandContext, what: string, path: string, body?: unknown): Promise<Outcome> {
  const r = await request<Step>(await ctx.session(), 'POST', path, body);
  return { json: r, lines: stepLines(what, r) };
}

async function run(ctx: CommandContext, sub: Sub, p: readonly string[], v: Values): Promise<Outcome> {
  switch (sub) {
    case 'me': {
      const r = await request<Shape<typeof Me>>(await ctx.session(), 'GET', '/v1/receivables/me');
      return {
        json: r,
        lines: [`${r.party ?? '(no party)'}: ${r.roles.join(', ') || 'no receivables role'}`],
      };
    }
    case 'list':
      return list(ctx, p, v);
    case 'tree':
      return tree(ctx, one(p, sub, 'token id'));
    case 'register-trade':
      return change(ctx, 'trade', '/v1/receivables/trades', await jsonFile(v, sub));
    case 'confirm-trade':
      return change(ctx, 'trade', `/v1/receivables/trades/${enc(one(p, sub, 'trade id'))}/confirm`);
    case 'propose-issue':
      return change(ctx, 'issue', '/v1/receivables/tokens', await jsonFile(v, sub));
    case 'sign-issue':
      return change(ctx, 'issue', `/v1/receivables/tokens/${enc(one(p, sub, 'token id'))}/sign`);
    case 'answer-issue': {
      const decision = need(v, 'decision', sub);
      return change(ctx, 'answer', `/v1/receivables/tokens/${enc(one(p, sub, 'token id'))}/answer`, {
        decision,
        ...(v.reason === undefined ? {} : { reason: v.reason }),
      });
    }
    case 'propose-move':
      return change(ctx, 'move', '/v1/receivables/moves', await jsonFile(v, sub));
    case 'sign-move':
      return change(ctx, 'move', `/v1/receivables/moves/${enc(one(p, sub, 'move id'))}/sign`);
    case 'offer':
      return change(ctx, 'offer', '/v1/receivables/offers', {
        offerId: need(v, 'offer-id', sub),
        partId: need(v, 'part', sub),
        bank: need(v, 'bank', sub),
      });
    case 'withdraw':
      return change(ctx, 'offer', '/v1/receivables/offers/withdraw', { partId: need(v, 'part', sub) });
    case 'answer-offer': {
      const decision = need(v, 'decision', sub);
      const terms =
        decision === 'ACCEPT'
          ? {
              terms: {
                rateBp: intOption('rate-bp', need(v, 'rate-bp', sub), 0, 1_000_000),
                dayCount: need(v, 'day-count', sub),
                ...(v.fee === undefined ? {} : { feeMinor: v.fee }),
              },
            }
          : {};
      return change(ctx, 'financing', '/v1/receivables/financings', {
        partId: need(v, 'part', sub),
        offerId: need(v, 'offer-id', sub),
        decision,
        ...terms,
      });
    }
    case 'pay':
      return change(ctx, 'payment', '/v1/receivables/payments', await jsonFile(v, sub));
    case 'sweep':
      return change(ctx, 'sweep', '/v1/receivables/sweep');
    case 'policy':
      return policy(ctx);
    case 'propose-policy':
      return change(ctx, 'policy proposal', '/v1/receivables/policy/proposals', {
        proposalId: need(v, 'id', sub),
        policy: await jsonFile(v, sub),
      });
    case 'approve-policy':
      return change(
        ctx,
        'policy approval',
        `/v1/receivables/policy/proposals/${enc(one(p, sub, 'proposal id'))}/approve`,
      );
  }
}

export async function receivables(ctx: CommandContext, argv: readonly string[]): Promise<Outcome> {
  const { positionals, values } = parseCommand('receivables', argv, RECEIVABLES_OPTIONS);
  const [word, ...rest] = positionals;
  const sub = RECEIVABLES_SUBCOMMANDS.find((s) => s === word);
  if (sub === undefined)
    throw usageError(
      `receivables needs a subcommand: ${RECEIVABLES_SUBCOMMANDS.join(', ')} (see tallystick receivables --help)`,
    );
  return run(ctx, sub, rest, values);
}
