import type {
  FinancingView,
  IndexedKind,
  IndexedRecord,
  IndexPage,
  IndexRecords,
  MoveStep,
  PartStep,
  PartView,
  PaymentStep,
  PolicyProposalView,
  PolicyStep,
  PolicyVersionView,
  SweepResult,
  TokenStep,
  TokenView,
  TradeStep,
} from '../api/receivables';
import type { EntryRecord } from '../core/blacklist/entry';
import { GENESIS_VERSION, type PolicyVersion } from '../core/blacklist/policy';
import { fail } from '../core/errors';
import { LIMITS } from '../core/limits';
import { decideAccess, mayReadForIndex, requireAccess } from '../core/receivables/access';
import {
  decideFinancingAnswer,
  decideOffer,
  decideOfferWithdrawal,
  parseFinancingTerms,
  parseOfferInput,
} from '../core/receivables/financing';
import {
  decidePolicyApproval,
  decidePolicyProposal,
  GENESIS_RECEIVABLES_VERSION,
  parseGovernedPolicy,
  parsePolicyProposalId,
  policyProposalStatus,
  policyWire,
  type GovernanceMeta,
  type GovernedPolicy,
  type PolicyProposal,
  type ReceivablesPolicyVersion,
} from '../core/receivables/governance';
import {
  decidePayment,
  parsePaymentInput,
  requireSweepAccess,
  sweepOverdue as sweepParts,
  type PaymentRecord,
} from '../core/receivables/maturity';
import {
  branchOf,
  branchParties,
  decideMoveProposal,
  decideMoveSigning,
  parseMoveInput,
  type MoveRecord,
  type PartRecord,
} from '../core/receivables/part';
import type { EnterpriseParty, Party } from '../core/receivables/parties';
import {
  decideScreening,
  financingConsentOf,
  keysOf,
  parseScreeningKeys,
  refusedBy,
  screenedByFinancing,
  screenedByMove,
  transferConsentOf,
  type Screening,
  type ScreeningKeys,
  type ScreeningPurpose,
} from '../core/receivables/screening';
import {
  decideIssueAnswer,
  decideIssueProposal,
  decideIssueSigning,
  parseIssueInput,
  type TokenRecord,
} from '../core/receivables/token';
import {
  decideTradeConfirmation,
  decideTradeRegistration,
  parseTradeInput,
  todayOf,
  type MutationMeta,
  type TradeRecord,
} from '../core/receivables/trade';
import {
  financingViewers,
  moveViewers,
  partViewers,
  paymentViewers,
  tokenViewers,
  tradeViewers,
} from '../core/receivables/viewers';
import { parseClientId, parseText } from '../core/reference';
import { blacklistKeys } from '../ledger/blacklistKeys';
import { canonicalJson, utf8Text } from '../ledger/codec';
import { receivablesKeys as keys } from '../ledger/receivablesKeys';
import { sha256Hex } from '../ledger/seal';
import type { ReceivablesContext } from './receivablesContext';

/**
 * The receivables contract's transactions (docs/RECEIVABLES.md): load the records the core needs, ask the core,
 * write what it returns, record the change. Every rule, the access table included, is the core's
 * (core/receivables); this layer reads keys, hashes inputs (the core has no crypto) and writes. A refusal
 * throws before anything is written, and a transaction that throws commits nothing, so no request is half done.
 */

/** Most parts one token may have (a token's tree is read whole to trace branches). */
const PARTS_PER_TOKEN_MAX = 10_000;

// ---- The policy in force, and its governance (core/receivables/governance.ts) -----------------------------------

type StoredVersion = PolicyVersionView;
type StoredProposal = Omit<PolicyProposalView, 'status'> & { readonly status: PolicyProposal['status'] };

const versionOf = (stored: StoredVersion): ReceivablesPolicyVersion => ({
  ...stored,
  policy: parseGovernedPolicy(stored.policy),
});
const proposalOf = (stored: StoredProposal): PolicyProposal => ({
  ...stored,
  policy: parseGovernedPolicy(stored.policy),
});
const storedVersion = (v: ReceivablesPolicyVersion): StoredVersion => ({
  ...v,
  policy: policyWire(v.policy) as unknown as PolicyVersionView['policy'],
});
const storedProposal = (p: PolicyProposal): StoredProposal => ({
  ...p,
  policy: policyWire(p.policy) as unknown as PolicyVersionView['policy'],
});

/**
 * The policy version in force (public state, read in this transaction: a transaction endorsed under an older
 * version fails Fabric's read check when the adoption commits first, so none applies a stale policy).
 */
async function policyVersionInForce(ctx: ReceivablesContext): Promise<ReceivablesPolicyVersion> {
  const stored = await ctx.getJson<StoredVersion>(keys.policyCurrent());
  return stored === undefined ? GENESIS_RECEIVABLES_VERSION : versionOf(stored);
}

async function policyInForce(ctx: ReceivablesContext): Promise<GovernedPolicy> {
  return (await policyVersionInForce(ctx)).policy;
}

function governanceMeta(ctx: ReceivablesContext): GovernanceMeta {
  const enterpriseId = ctx.clientIdentity.getAttributeValue('enterpriseId');
  return {
    actor: ctx.actor,
    at: ctx.nowIso,
    enterpriseId: enterpriseId === null || enterpriseId === '' ? null : enterpriseId,
    txId: ctx.txId,
  };
}

const proposalView = (p: PolicyProposal, current: ReceivablesPolicyVersion): PolicyProposalView => ({
  ...storedProposal(p),
  status: policyProposalStatus(p, current),
});

export async function proposePolicy(
  ctx: ReceivablesContext,
  rawId: string,
  rawPolicy: string,
): Promise<PolicyStep> {
  const proposalId = parsePolicyProposalId(rawId);
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawPolicy);
  } catch {
    fail('INVALID_INPUT', 'policy must be JSON');
  }
  const policy = parseGovernedPolicy(parsed);
  const current = await policyVersionInForce(ctx);
  const stored = await ctx.getJson<StoredProposal>(keys.policyProposal(proposalId));
  const decision = decidePolicyProposal(
    stored === undefined ? undefined : proposalOf(stored),
    proposalId,
    policy,
    current,
    { ...governanceMeta(ctx), inputHash: sha256Hex(canonicalJson(policyWire(policy))) },
  );
  if (decision.outcome === 'PROPOSED')
    await ctx.putJson(keys.policyProposal(proposalId), storedProposal(decision.proposal));
  const view = proposalView(decision.proposal, current);
  return { outcome: decision.outcome, proposal: view, status: view.status, version: null };
}

export async function approvePolicy(ctx: ReceivablesContext, rawId: string): Promise<PolicyStep> {
  const proposalId = parsePolicyProposalId(rawId);
  const stored = await ctx.getJson<StoredProposal>(keys.policyProposal(proposalId));
  if (stored === undefined) fail('PROPOSAL_NOT_FOUND', `no receivables policy proposal ${proposalId}`);
  const current = await policyVersionInForce(ctx);
  const decision = decidePolicyApproval(proposalOf(stored), current, governanceMeta(ctx));
  if (decision.outcome === 'UNCHANGED') {
    const view = proposalView(decision.proposal, current);
    return { outcome: 'UNCHANGED', proposal: view, status: view.status, version: null };
  }
  await ctx.putJson(keys.policyProposal(proposalId), storedProposal(decision.proposal));
  if (decision.outcome === 'ADOPTED') {
    const version = storedVersion(decision.version);
    await ctx.putJson(keys.policyVersion(decision.version.version), version);
    await ctx.putJson(keys.policyCurrent(), version);
    const view = proposalView(decision.proposal, decision.version);
    return { outcome: 'ADOPTED', proposal: view, status: view.status, version };
  }
  const view = proposalView(decision.proposal, current);
  return { outcome: 'APPROVED', proposal: view, status: view.status, version: null };
}

/** A version of the policy: 0 the one in force, 1 the genesis. Public: anyone on the channel may read it. */
export async function getPolicy(ctx: ReceivablesContext, rawVersion: string): Promise<StoredVersion> {
  const current = await policyVersionInForce(ctx);
  const version = Number(rawVersion);
  if (!Number.isInteger(version) || version < 0 || version > current.version)
    fail('INVALID_INPUT', `version must be 0 (the one in force) or 1 to ${current.version}`);
  if (version === 0 || version === current.version) return storedVersion(current);
  if (version === 1) return storedVersion(GENESIS_RECEIVABLES_VERSION);
  const stored = await ctx.getJson<StoredVersion>(keys.policyVersion(version));
  if (stored === undefined) throw new Error(`policy version ${version} is adopted but not stored`);
  return stored;
}

/** Policy proposals, in id order, with their status against the version in force (at most 200). */
export async function listPolicyProposals(ctx: ReceivablesContext): Promise<PolicyProposalView[]> {
  const current = await policyVersionInForce(ctx);
  const [from, to] = keys.policyProposals();
  const iterator = await ctx.stub.getStateByRange(from, to);
  const out: PolicyProposalView[] = [];
  try {
    for (let r = await iterator.next(); !r.done && out.length < 200; r = await iterator.next())
      out.push(proposalView(proposalOf(JSON.parse(utf8Text(r.value.value)) as StoredProposal), current));
  } finally {
    await iterator.close();
  }
  return out;
}

function meta(ctx: ReceivablesContext, input: unknown): MutationMeta {
  return {
    actor: ctx.receivablesActor,
    at: ctx.nowIso,
    inputHash: sha256Hex(canonicalJson(input)),
    txId: ctx.txId,
  };
}

function stepMeta(ctx: ReceivablesContext): Omit<MutationMeta, 'inputHash'> {
  return { actor: ctx.receivablesActor, at: ctx.nowIso, txId: ctx.txId };
}

function partIdOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200)
    fail('INVALID_INPUT', `${field} must be a part id (<token>/root or <token>/<move>/<n>)`);
  return value;
}

function objectOf(raw: unknown, field: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('INVALID_INPUT', `${field} must be an object`);
  return raw as Record<string, unknown>;
}

async function loadTrade(ctx: ReceivablesContext, tradeId: string): Promise<TradeRecord> {
  const trade = await ctx.readRecord<TradeRecord>(keys.trade(tradeId));
  if (!trade) fail('TRADE_NOT_FOUND', `trade ${tradeId} is not registered`);
  return trade;
}

async function loadToken(ctx: ReceivablesContext, tokenId: string): Promise<TokenRecord> {
  const token = await ctx.readRecord<TokenRecord>(keys.token(tokenId));
  if (!token) fail('TOKEN_NOT_FOUND', `token ${tokenId} is not on the ledger`);
  return token;
}

async function loadPart(ctx: ReceivablesContext, partId: string): Promise<PartRecord> {
  const part = await ctx.readRecord<PartRecord>(keys.part(partId));
  if (!part) fail('PART_NOT_FOUND', `part ${partId} is not on the ledger`);
  return part;
}

async function writePart(ctx: ReceivablesContext, part: PartRecord): Promise<void> {
  await ctx.writeRecord(keys.part(part.partId), part);
  ctx.recordChange({ id: part.partId, kind: 'PART', status: part.status });
}

/** A new part: its record and its entry in the sweep's index. */
async function createPart(ctx: ReceivablesContext, part: PartRecord): Promise<void> {
  await writePart(ctx, part);
  await ctx.writeRecord(keys.due(part.maturityDate, part.partId), { partId: part.partId });
}

async function writeTrade(ctx: ReceivablesContext, trade: TradeRecord): Promise<void> {
  await ctx.writeRecord(keys.trade(trade.tradeId), trade);
  ctx.recordChange({ id: trade.tradeId, kind: 'TRADE', status: trade.status });
}

async function writeToken(ctx: ReceivablesContext, token: TokenRecord): Promise<void> {
  await ctx.writeRecord(keys.token(token.tokenId), token);
  ctx.recordChange({ id: token.tokenId, kind: 'TOKEN', status: token.status });
}

/** Every part of a token, by id (committed state: read before this transaction writes parts). */
async function partsOfToken(ctx: ReceivablesContext, tokenId: string): Promise<Map<string, PartRecord>> {
  const rows = await ctx.rangeRecords<PartRecord>(keys.partsOfToken(tokenId), PARTS_PER_TOKEN_MAX);
  return new Map(rows.map(([, p]) => [p.partId, p]));
}

// ---- Trades ---------------------------------------------------------------------------------------------------

export async function registerTrade(ctx: ReceivablesContext, raw: unknown): Promise<TradeStep> {
  const input = parseTradeInput(raw);
  const names = { codeAndNumber: `${input.invoiceCode}/${input.invoiceNumber}`, hash: input.invoiceHash };
  const byHash = await ctx.readRecord<{ tradeId: string }>(keys.invoiceByHash(names.hash));
  const byCode = await ctx.readRecord<{ tradeId: string }>(keys.invoiceByCode(names.codeAndNumber));
  const decision = decideTradeRegistration(
    await ctx.readRecord<TradeRecord>(keys.trade(input.tradeId)),
    input,
    { byCodeAndNumber: byCode?.tradeId, byHash: byHash?.tradeId },
    meta(ctx, input),
  );
  if (decision.outcome === 'REGISTERED') {
    await writeTrade(ctx, decision.trade);
    const claim = { tradeId: input.tradeId, txId: ctx.txId };
    await ctx.writeRecord(keys.invoiceByHash(decision.claims.hash), claim);
    await ctx.writeRecord(keys.invoiceByCode(decision.claims.codeAndNumber), claim);
  }
  return { outcome: decision.outcome, trade: decision.trade };
}

export async function confirmTrade(ctx: ReceivablesContext, rawId: string): Promise<TradeStep> {
  const trade = await loadTrade(ctx, parseClientId(rawId, 'tradeId'));
  const decision = decideTradeConfirmation(trade, stepMeta(ctx));
  if (decision.outcome === 'CONFIRMED') await writeTrade(ctx, decision.trade);
  return decision;
}

export async function getTrade(ctx: ReceivablesContext, rawId: string): Promise<TradeRecord> {
  const trade = await loadTrade(ctx, parseClientId(rawId, 'tradeId'));
  requireAccess(ctx.receivablesActor, 'READ', [trade.buyer, trade.seller]);
  return trade;
}

// ---- Issue ----------------------------------------------------------------------------------------------------

export async function proposeIssue(ctx: ReceivablesContext, raw: unknown): Promise<TokenStep> {
  const input = parseIssueInput(raw);
  const trade = await loadTrade(ctx, input.tradeId);
  const decision = decideIssueProposal(
    await ctx.readRecord<TokenRecord>(keys.token(input.tokenId)),
    input,
    trade,
    meta(ctx, input),
  );
  if (decision.outcome === 'PROPOSED') await writeToken(ctx, decision.token);
  return { outcome: decision.outcome, root: null, token: decision.token };
}

export async function signIssue(ctx: ReceivablesContext, rawId: string): Promise<TokenStep> {
  const token = await loadToken(ctx, parseClientId(rawId, 'tokenId'));
  const decision = decideIssueSigning(token, await loadTrade(ctx, token.tradeId), stepMeta(ctx));
  if (decision.outcome === 'SIGNED') {
    await writeToken(ctx, decision.token);
    await writeTrade(ctx, decision.trade);
  }
  return { outcome: decision.outcome, root: null, token: decision.token };
}

export async function answerIssue(
  ctx: ReceivablesContext,
  rawId: string,
  answer: string,
  reason: string,
): Promise<TokenStep> {
  if (answer !== 'ACCEPT' && answer !== 'DECLINE')
    fail('INVALID_INPUT', `answer must be ACCEPT or DECLINE, got ${JSON.stringify(answer)}`);
  const token = await loadToken(ctx, parseClientId(rawId, 'tokenId'));
  const decision = decideIssueAnswer(
    token,
    await loadTrade(ctx, token.tradeId),
    answer,
    reason === '' ? null : reason,
    stepMeta(ctx),
  );
  switch (decision.outcome) {
    case 'UNCHANGED':
      return { outcome: 'UNCHANGED', root: null, token: decision.token };
    case 'DECLINED':
      await writeToken(ctx, decision.token);
      await writeTrade(ctx, decision.trade);
      return { outcome: 'DECLINED', root: null, token: decision.token };
    case 'ACCEPTED':
      await writeToken(ctx, decision.token);
      await createPart(ctx, decision.root);
      return { outcome: 'ACCEPTED', root: decision.root, token: decision.token };
  }
}

/** The token and the parts the reader may see (the access table's READ on each part's branch), with their traces. */
export async function getToken(ctx: ReceivablesContext, rawId: string): Promise<TokenView> {
  const token = await loadToken(ctx, parseClientId(rawId, 'tokenId'));
  const actor = ctx.receivablesActor;
  const all = await partsOfToken(ctx, token.tokenId);
  // A part the reader is on the branch of, with the branch above it (its trace to the root): what getPart shows.
  const visible = new Set<string>();
  for (const p of all.values()) {
    const branch = branchOf(p.partId, all);
    if (decideAccess(actor, 'READ', branchParties(branch)).allowed)
      for (const b of branch) visible.add(b.partId);
  }
  const parts = [...all.values()].filter((p) => visible.has(p.partId));
  if (parts.length === 0) requireAccess(actor, 'READ', [token.issuer, token.payee]);
  return { parts, token };
}

// ---- Parts: split and transfer --------------------------------------------------------------------------------

async function tradesOf(
  ctx: ReceivablesContext,
  outputs: readonly { readonly tradeId: string | null }[],
): Promise<Map<string, TradeRecord>> {
  const trades = new Map<string, TradeRecord>();
  for (const o of outputs) {
    if (o.tradeId === null || trades.has(o.tradeId)) continue;
    const trade = await ctx.readRecord<TradeRecord>(keys.trade(o.tradeId));
    if (trade) trades.set(o.tradeId, trade);
  }
  return trades;
}

export async function proposeMove(ctx: ReceivablesContext, raw: unknown): Promise<MoveStep> {
  const policy = await policyInForce(ctx);
  const input = parseMoveInput(raw, policy);
  const part = await loadPart(ctx, input.partId);
  const decision = decideMoveProposal(
    await ctx.readRecord<MoveRecord>(keys.move(input.moveId)),
    input,
    part,
    await tradesOf(ctx, input.outputs),
    policy,
    meta(ctx, input),
  );
  if (decision.outcome === 'PROPOSED') {
    await ctx.writeRecord(keys.move(input.moveId), decision.move);
    ctx.recordChange({ id: input.moveId, kind: 'MOVE', status: 'PROPOSED' });
  }
  return { created: [], move: decision.move, outcome: decision.outcome };
}

async function loadMove(ctx: ReceivablesContext, moveId: string): Promise<MoveRecord> {
  const move = await ctx.readRecord<MoveRecord>(keys.move(moveId));
  if (!move) fail('MOVE_NOT_FOUND', `no split or transfer ${moveId} was proposed`);
  return move;
}

export async function signMove(
  ctx: ReceivablesContext,
  rawId: string,
  rawScreening?: unknown,
): Promise<MoveStep> {
  const move = await loadMove(ctx, parseClientId(rawId, 'moveId'));
  const part = await loadPart(ctx, move.partId);
  const trades = await tradesOf(ctx, move.outputs);
  const policy = await policyInForce(ctx);
  const decision = decideMoveSigning(move, part, trades, policy, stepMeta(ctx));
  if (decision.outcome === 'UNCHANGED') return { created: [], move, outcome: 'UNCHANGED' };
  // Every enterprise the move passes a part to, screened in this transaction (consent: its confirmation of the
  // trade the output is made against).
  const targets = screenedByMove(move).map((enterprise) => {
    const output = move.outputs.find(
      (o) => o.holder.enterpriseId === enterprise.enterpriseId && o.holder.mspId === enterprise.mspId,
    );
    const trade = output?.tradeId == null ? undefined : trades.get(output.tradeId);
    if (trade === undefined)
      throw new Error(`move ${move.moveId}: the output to ${enterprise.enterpriseId} has no trade`);
    return { consent: transferConsentOf(trade), enterprise, purpose: 'PAYMENT_SCREENING' as const };
  });
  const screenings = await screen(
    ctx,
    policy,
    targets,
    part.maturityDate,
    rawScreening,
    `move ${move.moveId}`,
  );
  const history = [...(move.screenings ?? []), ...screenings];
  if (refusedBy(screenings)) {
    // Refused on a hit: the move stays PROPOSED (nothing moves), and the refusal is on the ledger with the look.
    const refused: MoveRecord = { ...move, screenings: history };
    await ctx.writeRecord(keys.move(move.moveId), refused);
    ctx.recordChange({ id: move.moveId, kind: 'MOVE', status: 'PROPOSED' });
    return { created: [], move: refused, outcome: 'SCREENING_REFUSED' };
  }
  const signed: MoveRecord = history.length === 0 ? decision.move : { ...decision.move, screenings: history };
  await ctx.writeRecord(keys.move(move.moveId), signed);
  ctx.recordChange({ id: move.moveId, kind: 'MOVE', status: 'SIGNED' });
  await writePart(ctx, decision.spent);
  await ctx.deleteRecord(keys.due(part.maturityDate, part.partId));
  for (const created of decision.created) await createPart(ctx, created);
  for (const trade of decision.trades) await writeTrade(ctx, trade);
  return { created: decision.created, move: signed, outcome: 'SIGNED' };
}

export async function getMove(ctx: ReceivablesContext, rawId: string): Promise<MoveRecord> {
  const move = await loadMove(ctx, parseClientId(rawId, 'moveId'));
  const all = await partsOfToken(ctx, move.tokenId);
  const parties: Party[] = [
    ...branchParties(branchOf(move.partId, all)),
    ...move.outputs.map((o) => o.holder),
  ];
  requireAccess(ctx.receivablesActor, 'READ', parties);
  return move;
}

/** A part and its branch from the root, for the parties of that branch and auditors. */
export async function getPart(ctx: ReceivablesContext, rawId: string): Promise<PartView> {
  const partId = partIdOf(rawId, 'partId');
  const part = await loadPart(ctx, partId);
  const branch = branchOf(partId, await partsOfToken(ctx, part.tokenId));
  requireAccess(ctx.receivablesActor, 'READ', branchParties(branch));
  return { branch, part };
}

// ---- Financing ------------------------------------------------------------------------------------------------

export async function offerFinancing(ctx: ReceivablesContext, raw: unknown): Promise<PartStep> {
  const input = parseOfferInput(raw);
  const decision = decideOffer(await loadPart(ctx, input.partId), input, stepMeta(ctx));
  if (decision.outcome === 'OFFERED') await writePart(ctx, decision.part);
  return { financing: null, outcome: decision.outcome, part: decision.part };
}

export async function withdrawOffer(ctx: ReceivablesContext, rawPartId: string): Promise<PartStep> {
  const part = decideOfferWithdrawal(await loadPart(ctx, partIdOf(rawPartId, 'partId')), stepMeta(ctx));
  await writePart(ctx, part);
  return { financing: null, outcome: 'WITHDRAWN', part };
}

/** The bank's answer (transient `answer`: { partId, offerId, decision: ACCEPT | DECLINE, terms? }). */
export async function answerFinancing(
  ctx: ReceivablesContext,
  raw: unknown,
  rawScreening?: unknown,
): Promise<PartStep> {
  const o = objectOf(raw, 'answer');
  for (const k of Object.keys(o))
    if (!['decision', 'offerId', 'partId', 'terms'].includes(k))
      fail('INVALID_INPUT', `answer.${k} is not a field (expected decision, offerId, partId, terms)`);
  const partId = partIdOf(o.partId, 'answer.partId');
  const offerId = parseClientId(o.offerId, 'answer.offerId');
  if (o.decision !== 'ACCEPT' && o.decision !== 'DECLINE')
    fail('INVALID_INPUT', `answer.decision must be ACCEPT or DECLINE, got ${JSON.stringify(o.decision)}`);
  const answer =
    o.decision === 'ACCEPT'
      ? { kind: 'ACCEPT' as const, terms: parseFinancingTerms(o.terms, 'answer.terms') }
      : { kind: 'DECLINE' as const };
  if (answer.kind === 'DECLINE' && o.terms !== undefined)
    fail('INVALID_INPUT', 'answer.terms: a decline names no terms');
  const part = await loadPart(ctx, partId);
  const token = await loadToken(ctx, part.tokenId);
  const partTrade = await loadTrade(ctx, part.tradeId);
  const tokenTrade = token.tradeId === part.tradeId ? partTrade : await loadTrade(ctx, token.tradeId);
  const policy = await policyInForce(ctx);
  const decision = decideFinancingAnswer(
    part,
    offerId,
    answer,
    { partTrade, token, tokenTrade },
    policy,
    stepMeta(ctx),
  );
  switch (decision.outcome) {
    case 'UNCHANGED': {
      const financing = await ctx.readRecord<FinancingView>(keys.financing(partId));
      return { financing: financing ?? null, outcome: 'UNCHANGED', part };
    }
    case 'DECLINED':
      await writePart(ctx, decision.part);
      return { financing: null, outcome: 'DECLINED', part: decision.part };
    case 'FINANCED': {
      // The enterprise the bank pays, screened in this transaction (consent: its offer of the part).
      const seller = screenedByFinancing(part);
      const targets =
        seller === null
          ? []
          : [
              {
                consent: financingConsentOf(part),
                enterprise: seller,
                purpose: 'CREDIT_APPLICATION' as const,
              },
            ];
      const screenings = await screen(
        ctx,
        policy,
        targets,
        part.maturityDate,
        rawScreening,
        `financing of ${partId}`,
      );
      const offer = part.offer;
      if (refusedBy(screenings) && offer !== null) {
        // Refused on a hit: the part stays OFFERED (the bank may decline it), the refusal recorded on the offer.
        const refused: PartRecord = {
          ...part,
          offer: { ...offer, screenings: [...(offer.screenings ?? []), ...screenings] },
        };
        await writePart(ctx, refused);
        return { financing: null, outcome: 'SCREENING_REFUSED', part: refused };
      }
      const [screening] = screenings;
      const financing = screening === undefined ? decision.financing : { ...decision.financing, screening };
      const view: FinancingView = { financing, registration: decision.registration };
      await writePart(ctx, decision.part);
      await ctx.writeRecord(keys.financing(partId), view);
      ctx.recordChange({ id: partId, kind: 'FINANCING', status: 'FINANCED' });
      return { financing: view, outcome: 'FINANCED', part: decision.part };
    }
  }
}

/** A part's financing and its registration record: for the bank, the enterprise it financed, the debtor, auditors. */
export async function getFinancing(ctx: ReceivablesContext, rawPartId: string): Promise<FinancingView> {
  const partId = partIdOf(rawPartId, 'partId');
  const view = await ctx.readRecord<FinancingView>(keys.financing(partId));
  if (!view) fail('FINANCING_NOT_FOUND', `part ${partId} was not financed`);
  const f = view.financing;
  requireAccess(ctx.receivablesActor, 'READ', [f.bank, f.seller, f.debtor]);
  return view;
}

// ---- Maturity -------------------------------------------------------------------------------------------------

export async function recordPayment(ctx: ReceivablesContext, raw: unknown): Promise<PaymentStep> {
  const o = objectOf(raw, 'payment');
  const part = await loadPart(ctx, partIdOf(o.partId, 'payment.partId'));
  const input = parsePaymentInput(raw, part.currency);
  const decision = decidePayment(
    await ctx.readRecord<PaymentRecord>(keys.payment(input.paymentId)),
    part,
    input,
    meta(ctx, input),
  );
  if (decision.outcome !== 'UNCHANGED') {
    await ctx.writeRecord(keys.payment(input.paymentId), decision.payment);
    ctx.recordChange({ id: input.paymentId, kind: 'PAYMENT', status: decision.outcome });
    await writePart(ctx, decision.part);
    if (decision.part.status === 'PAID') await ctx.deleteRecord(keys.due(part.maturityDate, part.partId));
  }
  return decision;
}

export async function getPayment(ctx: ReceivablesContext, rawId: string): Promise<PaymentRecord> {
  const paymentId = parseText(rawId, 'paymentId', 56);
  const payment = await ctx.readRecord<PaymentRecord>(keys.payment(paymentId));
  if (!payment) fail('PAYMENT_NOT_FOUND', `no payment ${paymentId} is recorded`);
  const all = await partsOfToken(ctx, payment.tokenId);
  requireAccess(ctx.receivablesActor, 'READ', [
    payment.payer,
    payment.payee,
    ...branchParties(branchOf(payment.partId, all)),
  ]);
  return payment;
}

/**
 * Marks overdue the parts unpaid after their maturity date, on ledger time: walks the due index for dates
 * before today (at most LIMITS.sweepMax entries), asks the core, and drops the entries it settled. Running it
 * again changes nothing until another day passes or more entries wait.
 */
export async function sweepOverdue(ctx: ReceivablesContext): Promise<SweepResult> {
  requireSweepAccess(stepMeta(ctx));
  const today = todayOf({ at: ctx.nowIso });
  const entries = await ctx.rangeRecords<{ partId: string }>(keys.dueBefore(today), LIMITS.sweepMax);
  const parts: PartRecord[] = [];
  for (const [, e] of entries) {
    const part = await ctx.readRecord<PartRecord>(keys.part(e.partId));
    if (part) parts.push(part);
  }
  const changed = sweepParts(parts, today);
  for (const part of changed) await writePart(ctx, part);
  for (const [key] of entries) await ctx.deleteRecord(key);
  return { examined: entries.length, overdue: changed.map((p) => p.partId) };
}

// ---- Screening against the shared blacklist (core/receivables/screening.ts) -------------------------------------

/** The blacklist's entries about a subject key: public state of this chaincode, read in this transaction. */
async function blacklistEntriesOf(ctx: ReceivablesContext, subjectKey: string): Promise<EntryRecord[]> {
  const [from, to] = blacklistKeys.entriesOfSubject(subjectKey);
  // A range read: Fabric checks it again at commit (phantom reads), so the answer holds at the committing block.
  const iterator = await ctx.stub.getStateByRange(from, to);
  const out: EntryRecord[] = [];
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next())
      out.push(JSON.parse(utf8Text(r.value.value)) as EntryRecord);
  } finally {
    await iterator.close();
  }
  return out;
}

interface ScreeningTarget {
  readonly enterprise: EnterpriseParty;
  readonly purpose: ScreeningPurpose;
  /** What the subject signed that consents to the look (hashed here: the core has no crypto). */
  readonly consent: Record<string, string>;
}

/**
 * Screens each target with the node's keyed hashes (`rawScreening`), as the signer's institution: a member of
 * the blacklist (NOT_A_MEMBER otherwise), each look written as a blacklist query record under its subject keys
 * (the subject's report and the auditors' query log show it). The keys must name exactly the targets.
 */
async function screen(
  ctx: ReceivablesContext,
  policy: GovernedPolicy,
  targets: readonly ScreeningTarget[],
  maturityDate: string,
  rawScreening: unknown,
  what: string,
): Promise<Screening[]> {
  const keysByEnterprise: ScreeningKeys = parseScreeningKeys(rawScreening);
  for (const enterpriseId of keysByEnterprise.keys())
    if (!targets.some((t) => t.enterprise.enterpriseId === enterpriseId))
      fail('INVALID_INPUT', `screening.${enterpriseId}: ${what} passes nothing to that enterprise`);
  if (targets.length === 0) return [];
  const institution = ctx.actor.mspId;
  if ((await ctx.getJson<unknown>(blacklistKeys.member(institution))) === undefined)
    fail(
      'NOT_A_MEMBER',
      `${institution} has not joined the shared blacklist: ${what} screens the receiving enterprise against it (an administrator joins)`,
    );
  const version = (await ctx.getJson<PolicyVersion>(blacklistKeys.policyCurrent())) ?? GENESIS_VERSION;
  const out: Screening[] = [];
  for (const target of targets) {
    const refs = keysOf(keysByEnterprise, target.enterprise, what);
    const entries: EntryRecord[] = [];
    for (const r of refs) entries.push(...(await blacklistEntriesOf(ctx, r.subjectKey)));
    const { record, screening } = decideScreening(
      {
        consentExpiresOn: maturityDate,
        consentHash: sha256Hex(canonicalJson(target.consent)),
        enterprise: target.enterprise,
        keys: refs,
        purpose: target.purpose,
      },
      entries,
      policy,
      { ...stepMeta(ctx), blacklistPolicyVersion: version.version },
    );
    for (const k of record.subjectKeys) await ctx.putJson(blacklistKeys.query(k, record.queryId), record);
    out.push(screening);
  }
  return out;
}

/**
 * The enterprises a step would screen, for the node to hash (it holds the consortium key; the chaincode does
 * not): a proposed move's receiving enterprises (to an approver of its holder), or the enterprise an offered part
 * would pay (to the financier of the bank it is offered to).
 */
export async function screeningSubjects(
  ctx: ReceivablesContext,
  kind: string,
  id: string,
): Promise<{ enterprises: string[] }> {
  if (kind === 'MOVE') {
    const move = await loadMove(ctx, parseClientId(id, 'moveId'));
    requireAccess(ctx.receivablesActor, 'SIGN_MOVE', [move.holder]);
    return { enterprises: screenedByMove(move).map((e) => e.enterpriseId) };
  }
  if (kind === 'OFFER') {
    const part = await loadPart(ctx, partIdOf(id, 'partId'));
    const bank = part.offer?.bank;
    requireAccess(
      ctx.receivablesActor,
      'ANSWER_FINANCING',
      bank === undefined ? [] : [{ kind: 'BANK', mspId: bank }],
    );
    const seller = screenedByFinancing(part);
    return { enterprises: seller === null ? [] : [seller.enterpriseId] };
  }
  return fail('INVALID_INPUT', `kind must be MOVE or OFFER, got ${JSON.stringify(kind)}`);
}

// ---- The node's index -----------------------------------------------------------------------------------------

/** Refs one `indexRecords` call takes, and records one `listForIndex` page reads, at most. */
const INDEX_REFS_MAX = 500;

/** What one index read loads, each token's parts once. */
class IndexReader {
  private readonly tokens = new Map<string, Map<string, PartRecord>>();
  readonly entries = new Map<string, IndexedRecord>();

  constructor(private readonly ctx: ReceivablesContext) {}

  private async partsOf(tokenId: string): Promise<Map<string, PartRecord>> {
    let parts = this.tokens.get(tokenId);
    if (!parts) {
      parts = await partsOfToken(this.ctx, tokenId);
      this.tokens.set(tokenId, parts);
    }
    return parts;
  }

  /** Keeps the entry when the reader may index it (the core's `mayReadForIndex` on its viewers). */
  private keep(entry: IndexedRecord): void {
    if (mayReadForIndex(this.ctx.receivablesActor, this.ctx.actor.roles, entry.viewers))
      this.entries.set(`${entry.kind}:${entry.id}`, entry);
  }

  /** The record of `kind` and `id`, and (`withContext`) what its change touched beside it. */
  async add(kind: IndexedKind, id: string, withContext: boolean): Promise<void> {
    switch (kind) {
      case 'TRADE': {
        const trade = await this.ctx.readRecord<TradeRecord>(keys.trade(id));
        if (trade) this.keep({ id, kind, record: trade, viewers: tradeViewers(trade) });
        return;
      }
      case 'TOKEN': {
        const token = await this.ctx.readRecord<TokenRecord>(keys.token(id));
        if (token)
          this.keep({ id, kind, record: token, viewers: tokenViewers(token, await this.partsOf(id)) });
        return;
      }
      case 'PART': {
        const part = await this.ctx.readRecord<PartRecord>(keys.part(id));
        if (!part) return;
        const parts = await this.partsOf(part.tokenId);
        const branch = withContext ? branchOf(id, parts) : [part];
        for (const p of branch)
          this.keep({ id: p.partId, kind, record: p, viewers: partViewers(p.partId, parts) });
        if (withContext) await this.add('TOKEN', part.tokenId, false);
        return;
      }
      case 'MOVE': {
        const move = await this.ctx.readRecord<MoveRecord>(keys.move(id));
        if (move)
          this.keep({ id, kind, record: move, viewers: moveViewers(move, await this.partsOf(move.tokenId)) });
        return;
      }
      case 'PAYMENT': {
        const payment = await this.ctx.readRecord<PaymentRecord>(keys.payment(id));
        if (payment)
          this.keep({
            id,
            kind,
            record: payment,
            viewers: paymentViewers(payment, await this.partsOf(payment.tokenId)),
          });
        return;
      }
      case 'FINANCING': {
        const view = await this.ctx.readRecord<FinancingView>(keys.financing(id));
        if (view) this.keep({ id, kind, record: view, viewers: financingViewers(view.financing) });
        return;
      }
    }
  }
}

const INDEXED_KINDS: readonly IndexedKind[] = ['TRADE', 'TOKEN', 'PART', 'MOVE', 'PAYMENT', 'FINANCING'];

function indexedKindOf(value: unknown, field: string): IndexedKind {
  const kind = INDEXED_KINDS.find((k) => k === value);
  if (kind === undefined)
    fail(
      'INVALID_INPUT',
      `${field} must be one of ${INDEXED_KINDS.join(', ')}, got ${JSON.stringify(value)}`,
    );
  return kind;
}

/**
 * For a node's index: the records its transactions' events named (`refs`: [{ kind, id }], at most 500), as they
 * are now, each with its viewers; a part comes with its branch above it and its token, whose viewers it changes.
 * Only what the reader may index (`mayReadForIndex`): the bank's own records and its client enterprises', or
 * everything for an auditor. A record the reader may not index is left out, not refused: every member's node
 * receives every event.
 */
export async function indexRecords(ctx: ReceivablesContext, raw: unknown): Promise<IndexRecords> {
  if (!Array.isArray(raw) || raw.length > INDEX_REFS_MAX)
    fail('INVALID_INPUT', `refs must be an array of at most ${INDEX_REFS_MAX} { kind, id }`);
  const reader = new IndexReader(ctx);
  for (const [i, ref] of raw.entries()) {
    const o = objectOf(ref, `refs[${i}]`);
    const id = o.id;
    if (typeof id !== 'string' || id.length === 0 || id.length > 200)
      fail('INVALID_INPUT', `refs[${i}].id must be a record id`);
    await reader.add(indexedKindOf(o.kind, `refs[${i}].kind`), id, true);
  }
  return { entries: [...reader.entries.values()] };
}

/**
 * One page of a kind's records in id order after `after` (what a node's index is checked against), as
 * `indexRecords` shows them, without the records beside them. `next` is the last id read (records the reader may
 * not index are read and skipped), null once the kind's last record was read.
 */
export async function listForIndex(
  ctx: ReceivablesContext,
  rawKind: string,
  after: string,
  rawLimit: string,
): Promise<IndexPage> {
  const kind = indexedKindOf(rawKind, 'kind');
  const limit = Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > INDEX_REFS_MAX)
    fail('INVALID_INPUT', `limit must be a whole number from 1 to ${INDEX_REFS_MAX}`);
  const rows = await ctx.rangeRecords<unknown>(keys.recordsAfter(kind, after), limit);
  const reader = new IndexReader(ctx);
  const prefixLength = keys.recordsAfter(kind, '')[0].length;
  for (const [key] of rows) await reader.add(kind, key.slice(prefixLength), false);
  const last = rows.at(-1);
  return {
    entries: [...reader.entries.values()],
    next: rows.length < limit || last === undefined ? null : last[0].slice(prefixLength),
  };
}
