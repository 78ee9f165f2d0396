import { Type } from '@sinclair/typebox';

import {
  RECEIVABLES_ACCESS,
  type ReceivablesOperation,
} from '../../../../chaincode/src/core/receivables/access';
import type { SubmitOptions } from '../../ledger/ledgerGateway';
import { TransportGateway } from '../../ledger/transportGateway';
import { ReceivablesGateway, screeningKeysOf } from '../../receivables/receivablesGateway';
import { ApiError } from '../errors';
import {
  ClientId,
  Committed,
  Financing,
  FinancingAnswerInput,
  IssueInput,
  Move,
  MoveInput,
  OfferInput,
  Part,
  Policy,
  PolicyProposal,
  PolicyStep,
  PolicyVersion,
  PartId,
  Payment,
  PaymentInput,
  Token,
  Trade,
  TradeInput,
} from './receivablesShapes';
import { receivablesIndexRoutes } from './receivablesIndexRoutes';
import { route, type RouteContext } from './route';
import { Int, Nullable, Obj, OneOf, Str } from './schema';

/**
 * Supply-chain receivable tokens (docs/RECEIVABLES.md), for the people of the bank's client enterprises and the
 * bank's financiers signed in at this node. Who may do what is the chaincode's (`RECEIVABLES_ACCESS`, asked with
 * the certificate's `enterpriseId` and `roles`), so these routes check no role themselves: every refusal is the
 * chaincode's, with its code. Every mutation is idempotent by the client-chosen id it carries (tradeId, tokenId,
 * moveId, offerId, paymentId): the same request again answers UNCHANGED, other content under the same id is 409
 * IDEMPOTENCY_CONFLICT. A refused request writes nothing.
 */

const who = (op: ReceivablesOperation): string => {
  const rule = RECEIVABLES_ACCESS[op];
  return `${rule.what[0]?.toUpperCase() ?? ''}${rule.what.slice(1)}: needs the role ${rule.roles.join(' or ')}${rule.auditors ? ' (or auditor)' : ''}, acting for the ${rule.party.toLowerCase()} (refused by the chaincode: ROLE_REQUIRED, ${rule.party === 'HOLDER' ? 'NOT_HOLDER' : 'NOT_A_PARTY'}).`;
};

/** The use cases over the node's own ledger connection (both transports are a TransportGateway). */
const receivablesOf = (ctx: RouteContext): ReceivablesGateway =>
  ctx.state('receivablesGateway', () => {
    const g = ctx.deps.gateway;
    if (!(g instanceof TransportGateway))
      throw new ApiError(
        'LEDGER_UNAVAILABLE',
        'this node’s ledger connection does not reach the receivables contract',
      );
    // Transfers and financings screen the receiving enterprise with the node's blacklist keys (none: refused).
    const keyring = ctx.deps.blacklist?.keyring;
    return new ReceivablesGateway(g, keyring === undefined ? undefined : screeningKeysOf(keyring));
  });

/**
 * Options for a submit: on the embedded network a node may be given `receivablesClock` (a test's clock, as
 * everyRoute.test.ts does to reach a maturity date); on Fabric the proposal carries the client's own time.
 */
const ledgerTime = (ctx: RouteContext): SubmitOptions => {
  const clock = ctx.deps.receivablesClock;
  return clock === undefined ? {} : { timestamp: clock() };
};

const committed = <T>(r: { txId: string; blockNumber: bigint; result: T }) => ({
  txId: r.txId,
  blockNumber: r.blockNumber.toString(),
  result: r.result,
});

const Step = <T extends Parameters<typeof Obj>[0]>(result: T) => Obj({ ...Committed, result: Obj(result) });
const TradeStep = Step({ outcome: OneOf(['REGISTERED', 'CONFIRMED', 'UNCHANGED'] as const), trade: Trade });
const TokenStep = Step({
  outcome: OneOf(['PROPOSED', 'SIGNED', 'ACCEPTED', 'DECLINED', 'UNCHANGED'] as const),
  token: Token,
  root: Nullable(Part),
});
const MoveStep = Step({
  outcome: OneOf(['PROPOSED', 'SIGNED', 'UNCHANGED', 'SCREENING_REFUSED'] as const),
  move: Move,
  created: Type.Array(Part),
});
const PartStep = Step({
  outcome: OneOf(['OFFERED', 'WITHDRAWN', 'DECLINED', 'FINANCED', 'UNCHANGED', 'SCREENING_REFUSED'] as const),
  part: Part,
  financing: Nullable(Financing),
});
const PaymentStep = Step({
  outcome: OneOf(['PAID', 'PARTLY_PAID', 'UNCHANGED'] as const),
  part: Part,
  payment: Payment,
});

const TradeParams = Type.Object({ tradeId: ClientId('a trade id') });
const TokenParams = Type.Object({ tokenId: ClientId('a token id') });
const MoveParams = Type.Object({ moveId: ClientId('a move id') });
const PartQuery = Type.Object({ partId: PartId });

export const receivablesRoutes = [
  route({
    operationId: 'registerTrade',
    method: 'post',
    path: '/receivables/trades',
    summary: 'Register a trade (the buyer)',
    description: `${who('REGISTER_TRADE')} The documents stay with the parties: the ledger gets their SHA-256. The invoice, by its hash and by its code and number, names one trade across the network: a second trade naming it is 409 INVOICE_ALREADY_USED.`,
    tags: ['receivables'],
    auth: 'session',
    body: TradeInput,
    responses: { 201: { description: 'committed', schema: TradeStep } },
    errors: [403, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesRegisterTrade', () =>
        receivablesOf(ctx).registerTrade(ctx.session.identity, body, ledgerTime(ctx)),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'confirmTrade',
    method: 'post',
    path: '/receivables/trades/{tradeId}/confirm',
    summary: 'Confirm a trade (the seller)',
    description: `${who('CONFIRM_TRADE')} Only a confirmed trade backs a token or a transfer. Confirming again is UNCHANGED.`,
    tags: ['receivables'],
    auth: 'session',
    params: TradeParams,
    responses: { 200: { description: 'committed', schema: TradeStep } },
    errors: [403, 404],
    handle: async ({ params }, ctx) => {
      const r = await ctx.counted('receivablesConfirmTrade', () =>
        receivablesOf(ctx).confirmTrade(ctx.session.identity, params.tradeId, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getTrade',
    method: 'get',
    path: '/receivables/trades/{tradeId}',
    summary: 'A trade (its buyer, its seller, auditors)',
    tags: ['receivables'],
    auth: 'session',
    params: TradeParams,
    responses: { 200: { description: 'the trade', schema: Trade } },
    errors: [403, 404],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).trade(ctx.session.identity, params.tradeId),
    }),
  }),
  route({
    operationId: 'proposeIssue',
    method: 'post',
    path: '/receivables/tokens',
    summary: 'Propose a token against a confirmed trade (the core enterprise’s finance)',
    description: `${who('PROPOSE_ISSUE')} The maturity date must be after today, at most 12 calendar months on (400 TERM_TOO_LONG); beyond 6 months it needs longTermReason (400 REASON_REQUIRED) and the token is flagged longTerm. An approver of the same enterprise, another person, signs it (POST …/sign).`,
    tags: ['receivables'],
    auth: 'session',
    body: IssueInput,
    responses: { 201: { description: 'committed', schema: TokenStep } },
    errors: [403, 404, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesProposeIssue', () =>
        receivablesOf(ctx).proposeIssue(ctx.session.identity, body, ledgerTime(ctx)),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'signIssue',
    method: 'post',
    path: '/receivables/tokens/{tokenId}/sign',
    summary: 'Sign a proposed token: it is issued (four eyes)',
    description: `${who('SIGN_ISSUE')} The proposer cannot sign (403 SELF_APPROVAL). The term is checked again from today, the issue day.`,
    tags: ['receivables'],
    auth: 'session',
    params: TokenParams,
    responses: { 200: { description: 'committed', schema: TokenStep } },
    errors: [403, 404, 409],
    handle: async ({ params }, ctx) => {
      const r = await ctx.counted('receivablesSignIssue', () =>
        receivablesOf(ctx).signIssue(ctx.session.identity, params.tokenId, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'answerIssue',
    method: 'post',
    path: '/receivables/tokens/{tokenId}/answer',
    summary: 'Accept or decline a signed token (the supplier)',
    description: `${who('ANSWER_ISSUE')} Accepting creates the root part, held by the supplier; declining (with a reason) frees the trade.`,
    tags: ['receivables'],
    auth: 'session',
    params: TokenParams,
    body: Obj({
      decision: OneOf(['ACCEPT', 'DECLINE'] as const),
      reason: Type.Optional(
        Str({ min: 1, max: 500, description: 'why the token is declined (required then)' }),
      ),
    }),
    responses: { 200: { description: 'committed', schema: TokenStep } },
    errors: [403, 404, 409],
    handle: async ({ params, body }, ctx) => {
      const answer =
        body.decision === 'ACCEPT'
          ? { decision: 'ACCEPT' as const }
          : { decision: 'DECLINE' as const, reason: body.reason ?? '' };
      const r = await ctx.counted('receivablesAnswerIssue', () =>
        receivablesOf(ctx).answerIssue(ctx.session.identity, params.tokenId, answer, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getToken',
    method: 'get',
    path: '/receivables/tokens/{tokenId}',
    summary: 'A token and the parts you may see',
    description: `${who('READ')} The core enterprise and auditors see every part; anyone else the parts on its branches, each with its trace to the root part.`,
    tags: ['receivables'],
    auth: 'session',
    params: TokenParams,
    responses: { 200: { description: 'the token', schema: Obj({ token: Token, parts: Type.Array(Part) }) } },
    errors: [403, 404],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).token(ctx.session.identity, params.tokenId),
    }),
  }),
  route({
    operationId: 'getPart',
    method: 'get',
    path: '/receivables/parts',
    summary: 'A part and its branch from the root part',
    description: `${who('READ')} The part id holds "/", so it is a query parameter.`,
    tags: ['receivables'],
    auth: 'session',
    query: PartQuery,
    responses: {
      200: { description: 'the part', schema: Obj({ part: Part, branch: Type.Array(Part) }) },
    },
    errors: [403, 404],
    handle: async ({ query }, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).part(ctx.session.identity, query.partId),
    }),
  }),
  route({
    operationId: 'proposeMove',
    method: 'post',
    path: '/receivables/moves',
    summary: 'Propose a split and/or transfer of a part (the holder’s finance)',
    description: `${who('PROPOSE_MOVE')} The outputs add up to the part exactly (400 AMOUNT_MISMATCH); each is at least the policy's smallest part; an output to another enterprise names a confirmed trade between the holder and it. Nothing moves on or after maturity (409 PART_MATURED), while offered or financed (409 PART_LOCKED), or once spent (409 PART_SPENT). An approver of the holder signs (POST …/sign).`,
    tags: ['receivables'],
    auth: 'session',
    body: MoveInput,
    responses: { 201: { description: 'committed', schema: MoveStep } },
    errors: [403, 404, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesProposeMove', () =>
        receivablesOf(ctx).proposeMove(ctx.session.identity, body, ledgerTime(ctx)),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'signMove',
    method: 'post',
    path: '/receivables/moves/{moveId}/sign',
    summary: 'Sign a split or transfer: the part is spent, its outputs created',
    description: `${who('SIGN_MOVE')} Every rule is checked again as things are now: of two proposals on one part, the first signed wins and the other is 409 PART_SPENT.`,
    tags: ['receivables'],
    auth: 'session',
    params: MoveParams,
    responses: { 200: { description: 'committed', schema: MoveStep } },
    errors: [403, 404, 409],
    handle: async ({ params }, ctx) => {
      const r = await ctx.counted('receivablesSignMove', () =>
        receivablesOf(ctx).signMove(ctx.session.identity, params.moveId, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getMove',
    method: 'get',
    path: '/receivables/moves/{moveId}',
    summary: 'A split or transfer',
    tags: ['receivables'],
    auth: 'session',
    params: MoveParams,
    responses: { 200: { description: 'the move', schema: Move } },
    errors: [403, 404],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).move(ctx.session.identity, params.moveId),
    }),
  }),
  route({
    operationId: 'offerFinancing',
    method: 'post',
    path: '/receivables/offers',
    summary: 'Offer a part to a bank for financing (the holder’s finance)',
    description: `${who('OFFER_FINANCING')} The part is locked (PART_LOCKED) until the bank answers or the offer is withdrawn.`,
    tags: ['receivables'],
    auth: 'session',
    body: OfferInput,
    responses: { 201: { description: 'committed', schema: PartStep } },
    errors: [403, 404, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesOffer', () =>
        receivablesOf(ctx).offerFinancing(ctx.session.identity, body, ledgerTime(ctx)),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'withdrawOffer',
    method: 'post',
    path: '/receivables/offers/withdraw',
    summary: 'Withdraw an open offer (the holder)',
    description: who('WITHDRAW_OFFER'),
    tags: ['receivables'],
    auth: 'session',
    body: Obj({ partId: PartId }),
    responses: { 200: { description: 'committed', schema: PartStep } },
    errors: [403, 404, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesWithdrawOffer', () =>
        receivablesOf(ctx).withdrawOffer(ctx.session.identity, body.partId, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'answerFinancing',
    method: 'post',
    path: '/receivables/financings',
    summary: 'Accept an offer with terms, or decline it (the bank offered the part)',
    description: `${who('ANSWER_FINANCING')} Terms: a rate in whole basis points a year (0 to 3600; more is 400 INVALID_INPUT), ACT/360 or ACT/365F, and a fee within the policy's cap (400 POLICY_VIOLATION). The discount is computed in integers, rounded half up to a minor unit; the fee is its own line. The part passes to the bank, FINANCED, with a registration record for the public registry.`,
    tags: ['receivables'],
    auth: 'session',
    body: FinancingAnswerInput,
    responses: { 200: { description: 'committed', schema: PartStep } },
    errors: [403, 404, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesAnswerFinancing', () =>
        receivablesOf(ctx).answerFinancing(ctx.session.identity, body, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getFinancing',
    method: 'get',
    path: '/receivables/financings',
    summary: 'A part’s financing and its registration record',
    description: `${who('READ')} For the bank, the enterprise it financed, the core enterprise and auditors.`,
    tags: ['receivables'],
    auth: 'session',
    query: PartQuery,
    responses: { 200: { description: 'the financing', schema: Financing } },
    errors: [403, 404],
    handle: async ({ query }, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).financing(ctx.session.identity, query.partId),
    }),
  }),
  route({
    operationId: 'recordPayment',
    method: 'post',
    path: '/receivables/payments',
    summary: 'Record a payment of a part at maturity (the core enterprise’s finance)',
    description: `${who('RECORD_PAYMENT')} From the maturity date on (before it 409 INVALID_TRANSITION), at most what is unpaid (400 AMOUNT_MISMATCH); several payments make a partial payment whole. The answer holds the two legs the reconciliation ledger should see, ready to post: each bank's system posts its own through POST /v1/legs, so a payment that never arrives or arrives short becomes a break there like any other.`,
    tags: ['receivables'],
    auth: 'session',
    body: PaymentInput,
    responses: { 201: { description: 'committed', schema: PaymentStep } },
    errors: [403, 404, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesRecordPayment', () =>
        receivablesOf(ctx).recordPayment(ctx.session.identity, body, ledgerTime(ctx)),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getPayment',
    method: 'get',
    path: '/receivables/payments/{paymentId}',
    summary: 'A payment and its legs',
    description: who('READ'),
    tags: ['receivables'],
    auth: 'session',
    params: Type.Object({
      paymentId: Str({ pattern: '^[A-Za-z0-9._:-]{1,56}$', description: 'a payment id' }),
    }),
    responses: { 200: { description: 'the payment', schema: Payment } },
    errors: [403, 404],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).payment(ctx.session.identity, params.paymentId),
    }),
  }),
  route({
    operationId: 'sweepOverdueParts',
    method: 'post',
    path: '/receivables/sweep',
    summary: 'Mark the parts unpaid after maturity OVERDUE, on ledger time',
    description: `${who('SWEEP_OVERDUE')} At most a thousand due parts per call: call again while \`examined\` is 1000.`,
    tags: ['receivables'],
    auth: 'session',
    responses: {
      200: {
        description: 'committed',
        schema: Step({
          overdue: Type.Array(Type.String(), { description: 'the parts this sweep marked overdue' }),
          examined: Int({ description: 'due parts read' }),
        }),
      },
    },
    errors: [403],
    handle: async (_input, ctx) => {
      const r = await ctx.counted('receivablesSweep', () =>
        receivablesOf(ctx).sweepOverdue(ctx.session.identity, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getReceivablesPolicy',
    method: 'get',
    path: '/receivables/policy',
    summary: 'The receivables policy in force (or an earlier version)',
    description:
      'Anyone signed in reads it: the smallest part per currency, the most outputs of a move, the fee cap, what a blacklist hit does to a transfer or financing, and the banks that govern it. `version`: 0 (default) the one in force, 1 the genesis.',
    tags: ['receivables'],
    auth: 'session',
    query: Type.Object({ version: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$' })) }),
    responses: { 200: { description: 'the version', schema: PolicyVersion } },
    errors: [400],
    handle: async ({ query }, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).policy(ctx.session.identity, Number(query.version ?? '0')),
    }),
  }),
  route({
    operationId: 'listReceivablesPolicyProposals',
    method: 'get',
    path: '/receivables/policy/proposals',
    summary: 'Receivables policy proposals, with their approvals and status',
    description:
      'OPEN until adopted; SUPERSEDED once another version was adopted after the one it was made against (propose it again).',
    tags: ['receivables'],
    auth: 'session',
    responses: { 200: { description: 'the proposals, in id order', schema: Type.Array(PolicyProposal) } },
    errors: [],
    handle: async (_input, ctx) => ({
      status: 200 as const,
      body: await receivablesOf(ctx).policyProposals(ctx.session.identity),
    }),
  }),
  route({
    operationId: 'proposeReceivablesPolicy',
    method: 'post',
    path: '/receivables/policy/proposals',
    summary: 'Propose a whole receivables policy (a governing bank’s admin)',
    description:
      'Needs the member role admin at a bank the policy in force names among its governors (403 ROLE_REQUIRED, NOT_A_PARTY). Against the version in force; the same proposalId with the same policy is UNCHANGED, with another 409 IDEMPOTENCY_CONFLICT; a policy equal to the one in force is 400. Nothing changes until a majority of the governing banks approved it.',
    tags: ['receivables'],
    auth: 'session',
    body: Obj({ proposalId: ClientId('the proposal id, chosen by the client'), policy: Policy }),
    responses: { 201: { description: 'committed', schema: Step(PolicyStep.properties) } },
    errors: [400, 403, 409],
    handle: async ({ body }, ctx) => {
      const r = await ctx.counted('receivablesProposePolicy', () =>
        receivablesOf(ctx).proposePolicy(ctx.session.identity, body.proposalId, body.policy, ledgerTime(ctx)),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'approveReceivablesPolicy',
    method: 'post',
    path: '/receivables/policy/proposals/{proposalId}/approve',
    summary: 'Approve a policy proposal (a governing bank’s approver); the majority’s approval adopts it',
    description:
      'Needs the member role approver at a governing bank, another person than the proposer (403 SELF_APPROVAL); one approval per bank (again: UNCHANGED). The approval that makes more than half of the governing banks adopts the proposal as the next version, effective from this transaction (outcome ADOPTED). A proposal already adopted or superseded is 409 ALREADY_DECIDED.',
    tags: ['receivables'],
    auth: 'session',
    params: Type.Object({ proposalId: ClientId('a proposal id') }),
    responses: { 200: { description: 'committed', schema: Step(PolicyStep.properties) } },
    errors: [403, 404, 409],
    handle: async ({ params }, ctx) => {
      const r = await ctx.counted('receivablesApprovePolicy', () =>
        receivablesOf(ctx).approvePolicy(ctx.session.identity, params.proposalId, ledgerTime(ctx)),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  ...receivablesIndexRoutes,
];
