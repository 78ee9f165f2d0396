import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createSubjectKeyFile,
  loadSubjectKeyring,
  type SubjectKeyring,
} from '../../application/src/blacklist/subjectKeys';
import { BlacklistGateway } from '../../application/src/ledger/blacklistGateway';
import type { Identity, SubmitOptions } from '../../application/src/ledger/ledgerGateway';
import {
  ReceivablesGateway,
  screeningKeysOf,
  type EnterpriseRef,
  type IssueInput,
  type TradeInput,
} from '../../application/src/receivables/receivablesGateway';
import { addDays, addMonths } from '../../chaincode/src/core/receivables/calendar';
import { computeDiscount } from '../../chaincode/src/core/receivables/financing';
import { LEDGER_NAME, startBackend, type Backend, type TestClock } from '../support/backend';
import { ledgerRefusal, refusalWritingNothing } from '../support/receivablesRefusal';

/** The enterprises of network/consortium.json: a core enterprise and its supplier tiers, clients of two banks. */
export const CORE: EnterpriseRef = {
  enterpriseId: '91310000MA1K000006',
  kind: 'ENTERPRISE',
  mspId: 'BankAMSP',
};
export const TIER1: EnterpriseRef = {
  enterpriseId: '91440300MA5F000007',
  kind: 'ENTERPRISE',
  mspId: 'BankBMSP',
};
export const TIER2: EnterpriseRef = {
  enterpriseId: '91110000100000000R',
  kind: 'ENTERPRISE',
  mspId: 'BankAMSP',
};

const DAY_MS = 86_400_000;

export interface ReceivablesSuiteOptions {
  /**
   * Whether the backend takes the proposal timestamp from the test (the embedded network). On live Fabric the
   * timestamp is the client's clock (fabric-network sets it), so maturity, which is at least a day after the
   * issue, cannot be reached in a test run: the maturity tests run on the embedded network only.
   */
  readonly injectedTime: boolean;
}

/**
 * The receivables contract through a real ledger backend, with real X.509 identities carrying the
 * `enterpriseId` and `roles` attributes (network/consortium.json). Ids, invoice numbers and document hashes
 * are made for the run, so the suite runs again on a long-lived network.
 */
export function defineReceivablesSuite(
  start: () => Promise<Backend> = startBackend,
  name: string = LEDGER_NAME,
  options: ReceivablesSuiteOptions = { injectedTime: true },
): () => Backend {
  let backend: Backend;
  let rcv: ReceivablesGateway;
  let bl: BlacklistGateway;
  let transport: ConstructorParameters<typeof ReceivablesGateway>[0];
  /** The blacklist's consortium key, made for the run: a later run's keys find none of this run's listings. */
  let ring: SubjectKeyring;
  let keyDir: string;
  let clock: TestClock;
  let today: string;
  const who: Record<string, Identity> = {};
  const run = randomBytes(4).toString('hex');
  let serial = 0;

  beforeAll(async () => {
    backend = await start();
    const connection = backend.embedded ?? backend.fabric;
    if (!connection) throw new Error('the backend has no connection');
    keyDir = mkdtempSync(join(tmpdir(), 'tallystick-receivables-key-'));
    await createSubjectKeyFile(join(keyDir, 'v1.key'), 1);
    ring = await loadSubjectKeyring({ files: [join(keyDir, 'v1.key')] }, join(keyDir, 'data'));
    // On live Fabric a submit returns once the other organisations' peers have it too (FabricTransport,
    // PEERS_SETTLE_MS), so the next step by another organisation, endorsed by its own peer, does not race it.
    transport = connection.gateway;
    rcv = new ReceivablesGateway(transport, screeningKeysOf(ring));
    bl = new BlacklistGateway(connection.gateway);
    clock = backend.clock();
    for (const id of [
      'core-finance',
      'core-approver',
      'core-treasurer',
      'core-lookalike',
      'tier1-finance',
      'tier1-approver',
      'tier2-finance',
      'tier2-approver',
      'banka-financier',
      'bankb-financier',
      'banka-system',
      'bankb-system',
      'audrey',
      'pavel',
      'alice',
      'bruno',
      'banka-admin',
      'bankb-admin',
      'clearing-admin',
      'anna',
      'bella',
      'petra',
    ])
      who[id] = await backend.identity(id);
    today = dayOf(clock.at());
    // Transfers and financings screen the receiving enterprise: both banks take part in the shared blacklist
    // (on a long-lived network they joined before: UNCHANGED).
    await bl.join(id('banka-admin'), at());
    await bl.join(id('bankb-admin'), at());
  });
  afterAll(async () => {
    await backend.stop();
    rmSync(keyDir, { force: true, recursive: true });
  });

  const id = (n: string): Identity => {
    const i = who[n];
    if (!i) throw new Error(`no identity ${n}`);
    return i;
  };
  const at = (): SubmitOptions => clock.at();
  const dayOf = (o: SubmitOptions): string => (o.timestamp ?? new Date()).toISOString().slice(0, 10);
  const hashOf = (text: string): string => createHash('sha256').update(`${run}:${text}`).digest('hex');

  const refused = ledgerRefusal;
  /** Tier 2's keyed hash under the run's blacklist key (its unified social credit code as a CN_USCC subject). */
  const tier2SubjectKey = () => {
    const [k] = ring.keysForIdentifier('CN_USCC', TIER2.enterpriseId, 'enterpriseId');
    if (!k) throw new Error('no key');
    return k;
  };
  const refusedWritingNothing = (p: () => Promise<unknown>, code: string) =>
    refusalWritingNothing(() => backend.height(), p, code);

  /** A trade of the run: fresh id, documents and a fully digital invoice number. */
  function trade(
    buyer: EnterpriseRef,
    seller: EnterpriseRef,
    amountMinor: string,
    over: Partial<TradeInput> = {},
  ) {
    serial += 1;
    const n = `${parseInt(run, 16)}`.padStart(12, '0').slice(-12) + String(serial).padStart(8, '0');
    const input: TradeInput = {
      amountMinor,
      buyer,
      contractHash: hashOf(`contract ${serial}`),
      currency: 'CNY',
      deliveryNoteHash: hashOf(`delivery ${serial}`),
      dueDate: addDays(today, 60),
      invoiceCode: '',
      invoiceHash: hashOf(`invoice ${serial}`),
      invoiceNumber: n,
      seller,
      tradeId: `T-${run}-${serial}`,
      ...over,
    };
    return input;
  }

  async function confirmedTrade(
    buyer: [string, EnterpriseRef],
    seller: [string, EnterpriseRef],
    amountMinor: string,
  ): Promise<TradeInput> {
    const t = trade(buyer[1], seller[1], amountMinor);
    await rcv.registerTrade(id(buyer[0]), t, at());
    await rcv.confirmTrade(id(seller[0]), t.tradeId, at());
    return t;
  }

  const issue = (t: TradeInput, over: Partial<IssueInput> = {}): IssueInput => ({
    amountMinor: t.amountMinor,
    currency: 'CNY',
    maturityDate: addDays(today, 90),
    tokenId: `K-${run}-${++serial}`,
    tradeId: t.tradeId,
    undertaking: 'The core enterprise irrevocably undertakes to pay the holder of each part at maturity.',
    ...over,
  });

  /** A token issued by the core enterprise to tier 1 and accepted: its root part, held by tier 1. */
  async function acceptedToken(amountMinor: string, maturityDate = addDays(today, 90)) {
    const t = await confirmedTrade(['core-finance', CORE], ['tier1-finance', TIER1], amountMinor);
    const i = issue(t, { maturityDate });
    await rcv.proposeIssue(id('core-finance'), i, at());
    await rcv.signIssue(id('core-approver'), i.tokenId, at());
    const accepted = await rcv.answerIssue(id('tier1-approver'), i.tokenId, { decision: 'ACCEPT' }, at());
    const root = accepted.result.root;
    if (!root) throw new Error('no root part');
    return { issue: i, root, trade: t };
  }

  describe(`receivables chaincode on the ${name} network`, () => {
    it('registers a trade (the buyer), confirms it (the seller); the same request is UNCHANGED, other content a conflict', async () => {
      const t = trade(CORE, TIER1, '1000000');
      const first = await rcv.registerTrade(id('core-finance'), t, at());
      expect(first.result.outcome).toBe('REGISTERED');
      expect(first.result.trade).toMatchObject({
        amountMinor: '1000000',
        status: 'REGISTERED',
        txId: first.txId,
      });
      const again = await rcv.registerTrade(id('core-finance'), t, at());
      expect(again.result).toMatchObject({ outcome: 'UNCHANGED', trade: { txId: first.txId } });
      const conflict = await refusedWritingNothing(
        () => rcv.registerTrade(id('core-finance'), { ...t, amountMinor: '1000001' }, at()),
        'IDEMPOTENCY_CONFLICT',
      );
      expect(conflict.message).toContain(first.txId);
      // Only the seller confirms; the buyer cannot confirm its own trade.
      await refusedWritingNothing(() => rcv.confirmTrade(id('core-finance'), t.tradeId, at()), 'NOT_A_PARTY');
      const confirmed = await rcv.confirmTrade(id('tier1-approver'), t.tradeId, at());
      expect(confirmed.result.trade.status).toBe('CONFIRMED');
      expect((await rcv.confirmTrade(id('tier1-finance'), t.tradeId, at())).result.outcome).toBe('UNCHANGED');
      expect((await rcv.trade(id('tier1-finance'), t.tradeId)).status).toBe('CONFIRMED');
    });

    it('an invoice backs one trade across the network, by its hash and by its number; bad input is refused, nothing written', async () => {
      const t = trade(CORE, TIER1, '500000');
      await rcv.registerTrade(id('core-finance'), t, at());
      const byHash = await refusedWritingNothing(
        () =>
          rcv.registerTrade(
            id('core-finance'),
            { ...trade(CORE, TIER1, '500000'), invoiceHash: t.invoiceHash },
            at(),
          ),
        'INVOICE_ALREADY_USED',
      );
      expect(byHash.message).toContain(t.tradeId);
      await refusedWritingNothing(
        () =>
          rcv.registerTrade(
            id('tier1-finance'),
            { ...trade(TIER1, TIER2, '500000'), invoiceNumber: t.invoiceNumber },
            at(),
          ),
        'INVOICE_ALREADY_USED',
      );
      for (const [bad, code] of [
        [{ amountMinor: '12.5' }, 'INVALID_AMOUNT'],
        [{ amountMinor: '-1' }, 'INVALID_AMOUNT'],
        [{ currency: 'XYZ' }, 'UNKNOWN_CURRENCY'],
        [{ invoiceHash: 'not-a-hash' }, 'INVALID_INPUT'],
        [{ seller: CORE }, 'INVALID_INPUT'],
      ] as const)
        await refusedWritingNothing(
          () => rcv.registerTrade(id('core-finance'), { ...trade(CORE, TIER1, '1'), ...bad }, at()),
          code,
        );
      // The trade's buyer registers: the same enterprise code enrolled by another bank is not the buyer.
      await refusedWritingNothing(
        () => rcv.registerTrade(id('core-lookalike'), trade(CORE, TIER1, '1'), at()),
        'NOT_A_PARTY',
      );
      await refusedWritingNothing(
        () => rcv.registerTrade(id('core-approver'), trade(CORE, TIER1, '1'), at()),
        'ROLE_REQUIRED',
      );
    });

    it('issues under four eyes and the term rule; the supplier accepts and holds the root part', async () => {
      const unconfirmed = trade(CORE, TIER1, '800000');
      await rcv.registerTrade(id('core-finance'), unconfirmed, at());
      await refusedWritingNothing(
        () => rcv.proposeIssue(id('core-finance'), issue(unconfirmed), at()),
        'TRADE_NOT_CONFIRMED',
      );
      const t = await confirmedTrade(['core-finance', CORE], ['tier1-finance', TIER1], '800000');
      await refusedWritingNothing(
        () =>
          rcv.proposeIssue(id('core-finance'), issue(t, { maturityDate: addMonths(today, 12) + 'x' }), at()),
        'INVALID_INPUT',
      );
      await refusedWritingNothing(
        () => rcv.proposeIssue(id('core-finance'), issue(t, { maturityDate: addDays(today, -1) }), at()),
        'INVALID_INPUT',
      );
      await refusedWritingNothing(
        () =>
          rcv.proposeIssue(
            id('core-finance'),
            issue(t, { longTermReason: 'capex', maturityDate: addDays(addMonths(today, 12), 1) }),
            at(),
          ),
        'TERM_TOO_LONG',
      );
      await refusedWritingNothing(
        () =>
          rcv.proposeIssue(
            id('core-finance'),
            issue(t, { maturityDate: addDays(addMonths(today, 6), 1) }),
            at(),
          ),
        'REASON_REQUIRED',
      );
      await refusedWritingNothing(
        () => rcv.proposeIssue(id('core-finance'), issue(t, { amountMinor: '800001' }), at()),
        'AMOUNT_MISMATCH',
      );
      // The proposer cannot sign its own proposal, even holding the approver's role too.
      const own = issue(t);
      await rcv.proposeIssue(id('core-treasurer'), own, at());
      await refusedWritingNothing(
        () => rcv.signIssue(id('core-treasurer'), own.tokenId, at()),
        'SELF_APPROVAL',
      );
      const i = issue(t, { longTermReason: 'a seasonal programme', maturityDate: addMonths(today, 9) });
      const proposed = await rcv.proposeIssue(id('core-finance'), i, at());
      expect(proposed.result.token).toMatchObject({ longTerm: true, status: 'PROPOSED' });
      const signed = await rcv.signIssue(id('core-approver'), i.tokenId, at());
      expect(signed.result.token).toMatchObject({ issuedOn: today, status: 'SIGNED' });
      expect((await rcv.signIssue(id('core-approver'), i.tokenId, at())).result.outcome).toBe('UNCHANGED');
      // The trade now backs the token: the other proposal can no longer be signed.
      await refusedWritingNothing(
        () => rcv.signIssue(id('core-approver'), own.tokenId, at()),
        'INVOICE_ALREADY_USED',
      );
      await refusedWritingNothing(
        () => rcv.answerIssue(id('tier2-finance'), i.tokenId, { decision: 'ACCEPT' }, at()),
        'NOT_A_PARTY',
      );
      const accepted = await rcv.answerIssue(id('tier1-finance'), i.tokenId, { decision: 'ACCEPT' }, at());
      expect(accepted.result.root).toMatchObject({
        amountMinor: '800000',
        holder: TIER1,
        parentId: null,
        partId: `${i.tokenId}/root`,
        status: 'HELD',
      });
      await refusedWritingNothing(
        () => rcv.answerIssue(id('tier1-finance'), i.tokenId, { decision: 'DECLINE', reason: 'no' }, at()),
        'ALREADY_DECIDED',
      );
    });

    it('a declined token frees its trade for another issue', async () => {
      const t = await confirmedTrade(['core-finance', CORE], ['tier1-finance', TIER1], '300000');
      const first = issue(t);
      await rcv.proposeIssue(id('core-finance'), first, at());
      await rcv.signIssue(id('core-approver'), first.tokenId, at());
      const declined = await rcv.answerIssue(
        id('tier1-approver'),
        first.tokenId,
        { decision: 'DECLINE', reason: 'the amount is not agreed' },
        at(),
      );
      expect(declined.result.token).toMatchObject({
        declineReason: 'the amount is not agreed',
        status: 'DECLINED',
      });
      const second = issue(t);
      await rcv.proposeIssue(id('core-finance'), second, at());
      expect((await rcv.signIssue(id('core-approver'), second.tokenId, at())).result.token.status).toBe(
        'SIGNED',
      );
    });

    let tree: { token: string; root: string; own: string; toTier2: string };

    it('splits and transfers under the holder’s four eyes: outputs equal the input, a part is spent once', async () => {
      const { issue: i, root } = await acceptedToken('1000000');
      const t2 = await confirmedTrade(['tier1-finance', TIER1], ['tier2-finance', TIER2], '600000');
      const move = (moveId: string, ownMinor: string, toTier2Minor: string) => ({
        moveId,
        outputs: [
          { amountMinor: ownMinor, holder: TIER1 },
          { amountMinor: toTier2Minor, holder: TIER2, tradeId: t2.tradeId },
        ],
        partId: root.partId,
      });
      const short = await refusedWritingNothing(
        () => rcv.proposeMove(id('tier1-finance'), move(`M-${run}-x`, '400000', '599999'), at()),
        'AMOUNT_MISMATCH',
      );
      expect(short.message).toContain('999999');
      await refusedWritingNothing(
        () => rcv.proposeMove(id('tier1-finance'), move(`M-${run}-y`, '999999', '1'), at()),
        'POLICY_VIOLATION',
      );
      await refusedWritingNothing(
        () => rcv.proposeMove(id('tier2-finance'), move(`M-${run}-z`, '400000', '600000'), at()),
        'NOT_HOLDER',
      );
      const m = move(`M-${run}-1`, '400000', '600000');
      const rival = move(`M-${run}-2`, '500000', '500000');
      expect((await rcv.proposeMove(id('tier1-finance'), m, at())).result.move.status).toBe('PROPOSED');
      await rcv.proposeMove(id('tier1-finance'), rival, at());
      await refusedWritingNothing(() => rcv.signMove(id('tier1-finance'), m.moveId, at()), 'ROLE_REQUIRED');
      const signed = await rcv.signMove(id('tier1-approver'), m.moveId, at());
      expect(signed.result.created.map((p) => [p.partId, p.amountMinor, p.holder.mspId, p.parentId])).toEqual(
        [
          [`${i.tokenId}/${m.moveId}/0`, '400000', 'BankBMSP', root.partId],
          [`${i.tokenId}/${m.moveId}/1`, '600000', 'BankAMSP', root.partId],
        ],
      );
      // Tier 2 receives a part: screened against the shared blacklist in the signing transaction, and clear; the
      // look is a recorded blacklist query (purpose PAYMENT_SCREENING), in the auditors' log of tier 2's key.
      const tier2Key = tier2SubjectKey();
      expect(signed.result.move.screenings).toEqual([
        expect.objectContaining({
          decision: 'ALLOWED',
          enterprise: TIER2,
          entries: [],
          purpose: 'PAYMENT_SCREENING',
          result: 'CLEAR',
          screenedBy: expect.objectContaining({ mspId: 'BankBMSP' }) as unknown,
          subjectKeys: [tier2Key],
          txId: signed.txId,
        }),
      ]);
      const looks = await bl.queryLog(id('audrey'), tier2Key.subjectKey);
      expect(looks.find((q) => q.queryId === signed.txId)).toMatchObject({
        hits: 0,
        purpose: 'PAYMENT_SCREENING',
        querier: { mspId: 'BankBMSP' },
      });
      expect((await rcv.signMove(id('tier1-approver'), m.moveId, at())).result.outcome).toBe('UNCHANGED');
      // The rival proposal named the same part: the first signed spent it.
      await refusedWritingNothing(() => rcv.signMove(id('tier1-approver'), rival.moveId, at()), 'PART_SPENT');
      tree = {
        own: `${i.tokenId}/${m.moveId}/0`,
        root: root.partId,
        toTier2: `${i.tokenId}/${m.moveId}/1`,
        token: i.tokenId,
      };
      const view = await rcv.part(id('tier2-finance'), tree.toTier2);
      expect(view.branch.map((p) => [p.partId, p.status])).toEqual([
        [tree.root, 'SPENT'],
        [tree.toTier2, 'HELD'],
      ]);
    });

    it('each party sees its branches only; members outside them and other banks’ look-alikes see nothing', async () => {
      const byIssuer = await rcv.token(id('core-finance'), tree.token);
      expect(byIssuer.parts.map((p) => p.partId).sort()).toEqual([tree.root, tree.own, tree.toTier2].sort());
      const byTier2 = await rcv.token(id('tier2-approver'), tree.token);
      expect(byTier2.parts.map((p) => p.partId).sort()).toEqual([tree.root, tree.toTier2].sort());
      const byAuditor = await rcv.token(id('audrey'), tree.token);
      expect(byAuditor.parts).toHaveLength(3);
      await refused(rcv.part(id('tier2-finance'), tree.own), 'NOT_A_PARTY');
      await refused(rcv.token(id('core-lookalike'), tree.token), 'NOT_A_PARTY');
      await refused(rcv.token(id('bankb-financier'), tree.token), 'NOT_A_PARTY');
      // PayCo is no member of the receivables collection: its peer keeps only hashes and reads nothing.
      await refused(rcv.token(id('pavel'), tree.token), 'NOT_A_PARTY');
      await refused(rcv.sweepOverdue(id('alice'), at()), 'ROLE_REQUIRED');
    });

    it('finances a part at a bank: the arithmetic, the lock, the registration record', async () => {
      const offer = { bank: 'BankBMSP', offerId: `O-${run}-1`, partId: tree.toTier2 };
      await refusedWritingNothing(() => rcv.offerFinancing(id('tier1-finance'), offer, at()), 'NOT_HOLDER');
      expect((await rcv.offerFinancing(id('tier2-finance'), offer, at())).result.part.status).toBe('OFFERED');
      expect((await rcv.offerFinancing(id('tier2-finance'), offer, at())).result.outcome).toBe('UNCHANGED');
      // Locked while offered: neither moved nor offered elsewhere.
      await refusedWritingNothing(
        () =>
          rcv.proposeMove(
            id('tier2-finance'),
            {
              moveId: `M-${run}-3`,
              outputs: [
                { amountMinor: '300000', holder: TIER2 },
                { amountMinor: '300000', holder: TIER2 },
              ],
              partId: tree.toTier2,
            },
            at(),
          ),
        'PART_LOCKED',
      );
      await refusedWritingNothing(
        () =>
          rcv.offerFinancing(
            id('tier2-finance'),
            { ...offer, bank: 'BankAMSP', offerId: `O-${run}-2` },
            at(),
          ),
        'PART_LOCKED',
      );
      const accept = (rateBp: number, feeMinor = '0') => ({
        decision: 'ACCEPT' as const,
        offerId: offer.offerId,
        partId: tree.toTier2,
        terms: { dayCount: 'ACT/360' as const, feeMinor, rateBp },
      });
      await refusedWritingNothing(
        () => rcv.answerFinancing(id('banka-financier'), accept(350), at()),
        'NOT_A_PARTY',
      );
      await refusedWritingNothing(
        () => rcv.answerFinancing(id('bankb-financier'), accept(3601), at()),
        'INVALID_INPUT',
      );
      await refusedWritingNothing(
        () => rcv.answerFinancing(id('bankb-financier'), accept(-5), at()),
        'INVALID_INPUT',
      );
      await refusedWritingNothing(
        () => rcv.answerFinancing(id('bankb-financier'), accept(350, '100000'), at()),
        'POLICY_VIOLATION',
      );
      const financed = await rcv.answerFinancing(id('bankb-financier'), accept(350, '1000'), at());
      const expected = computeDiscount(600000n, 350, 90, 'ACT/360', 1000n);
      expect(financed.result.part).toMatchObject({
        holder: { kind: 'BANK', mspId: 'BankBMSP' },
        status: 'FINANCED',
      });
      expect(financed.result.financing?.financing).toMatchObject({
        days: 90,
        discountMinor: String(expected.discountMinor),
        feeMinor: '1000',
        proceedsMinor: String(expected.proceedsMinor),
        rounding: 'HALF_UP',
      });
      // The enterprise the bank pays (tier 2) screened in the financing's transaction, as a credit application.
      expect(financed.result.financing?.financing.screening).toMatchObject({
        decision: 'ALLOWED',
        enterprise: TIER2,
        purpose: 'CREDIT_APPLICATION',
        result: 'CLEAR',
        screenedBy: { mspId: 'BankBMSP' },
        txId: financed.txId,
      });
      expect(financed.result.financing?.registration).toMatchObject({
        assignee: { mspId: 'BankBMSP' },
        assignor: TIER2,
        debtor: CORE,
        kind: 'RECEIVABLE_TRANSFER',
      });
      expect(
        (await rcv.answerFinancing(id('bankb-financier'), accept(350, '1000'), at())).result.outcome,
      ).toBe('UNCHANGED');
      expect((await rcv.financing(id('tier2-finance'), tree.toTier2)).financing.txId).toBe(financed.txId);
      // Financed: locked against another financing and every move.
      await refusedWritingNothing(
        () => rcv.offerFinancing(id('tier2-finance'), { ...offer, offerId: `O-${run}-3` }, at()),
        'NOT_HOLDER',
      );
    });

    it('screens the receiving enterprise against the shared blacklist: listed or disputed, it receives nothing and the refusal is recorded; cleared once retracted', async () => {
      const tier2Key = tier2SubjectKey();
      const { issue: i, root } = await acceptedToken('500000');
      const t2 = await confirmedTrade(['tier1-finance', TIER1], ['tier2-finance', TIER2], '300000');
      const m = {
        moveId: `M-${run}-s`,
        outputs: [
          { amountMinor: '200000', holder: TIER1 },
          { amountMinor: '300000', holder: TIER2, tradeId: t2.tradeId },
        ],
        partId: root.partId,
      };
      await rcv.proposeMove(id('tier1-finance'), m, at());
      // A node that holds no blacklist key cannot screen: refused, nothing written.
      const keyless = new ReceivablesGateway(transport);
      await refusedWritingNothing(
        () => keyless.signMove(id('tier1-approver'), m.moveId, at()),
        'SCREENING_REQUIRED',
      );
      // Bank A lists tier 2 (a serious default).
      await bl.upload(
        id('banka-system'),
        {
          category: 'SERIOUS_DEFAULT',
          evidence: {
            salt: randomBytes(16).toString('hex'),
            summary: 'a court judgment unpaid for 120 days',
          },
          indicators: ['COURT_JUDGMENT'],
          severity: 'MEDIUM',
          subject: tier2Key,
        },
        at(),
      );
      const before = backend.height();
      const hit = await rcv.signMove(id('tier1-approver'), m.moveId, at());
      expect(backend.height()).toBeGreaterThan(before);
      expect(hit.result).toMatchObject({
        created: [],
        move: { status: 'PROPOSED' },
        outcome: 'SCREENING_REFUSED',
      });
      expect(hit.result.move.screenings?.at(-1)).toMatchObject({
        decision: 'REFUSED',
        entries: [{ category: 'SERIOUS_DEFAULT', status: 'ACTIVE', uploader: 'BankAMSP' }],
        result: 'HIT',
        txId: hit.txId,
      });
      expect((await rcv.part(id('tier1-finance'), root.partId)).part.status).toBe('HELD');
      // Disputed on the subject's behalf: the blacklist keeps it in force until the members decide, so a hit.
      const disputeId = `d-${run}-rcv`;
      await bl.openDispute(
        id('bruno'),
        {
          category: 'SERIOUS_DEFAULT',
          disputeId,
          requestHash: hashOf('tier 2 asks'),
          subjectKey: tier2Key.subjectKey,
          uploader: 'BankAMSP',
        },
        at(),
      );
      const disputed = await rcv.signMove(id('tier1-approver'), m.moveId, at());
      expect(disputed.result.outcome).toBe('SCREENING_REFUSED');
      expect(disputed.result.move.screenings?.at(-1)?.entries).toMatchObject([{ status: 'DISPUTED' }]);
      // The uploader retracts it: nothing in force, the move goes through, every screening kept in order.
      await bl.disputeStep(id('alice'), disputeId, 'RETRACT', '', at());
      const signed = await rcv.signMove(id('tier1-approver'), m.moveId, at());
      expect(signed.result.outcome).toBe('SIGNED');
      expect(signed.result.move.screenings?.map((s) => [s.result, s.decision, s.txId])).toEqual([
        ['HIT', 'REFUSED', hit.txId],
        ['HIT', 'REFUSED', disputed.txId],
        ['CLEAR', 'ALLOWED', signed.txId],
      ]);
      const looks = await bl.queryLog(id('audrey'), tier2Key.subjectKey);
      const ours = new Set([hit.txId, disputed.txId, signed.txId]);
      expect(
        looks
          .filter((q) => ours.has(q.queryId))
          .map((q) => [q.queryId, q.purpose, q.querier.mspId, q.hits])
          .sort(),
      ).toEqual(
        [
          [hit.txId, 'PAYMENT_SCREENING', 'BankBMSP', 1],
          [disputed.txId, 'PAYMENT_SCREENING', 'BankBMSP', 1],
          [signed.txId, 'PAYMENT_SCREENING', 'BankBMSP', 0],
        ].sort(),
      );
      // Financing: Bank B lists tier 2; Bank A, asked to finance tier 2's new part, pays nothing.
      const part = `${i.tokenId}/${m.moveId}/1`;
      const offer = { bank: 'BankAMSP', offerId: `O-${run}-s`, partId: part };
      await rcv.offerFinancing(id('tier2-finance'), offer, at());
      await bl.upload(
        id('bankb-system'),
        {
          category: 'SERIOUS_DEFAULT',
          evidence: { salt: randomBytes(16).toString('hex'), summary: 'overdue on a loan for 100 days' },
          indicators: ['DEFAULT_OVER_90_DAYS'],
          severity: 'HIGH',
          subject: tier2Key,
        },
        at(),
      );
      const answer = {
        decision: 'ACCEPT' as const,
        offerId: offer.offerId,
        partId: part,
        terms: { dayCount: 'ACT/365F' as const, rateBp: 400 },
      };
      const refusedFinancing = await rcv.answerFinancing(id('banka-financier'), answer, at());
      expect(refusedFinancing.result).toMatchObject({
        financing: null,
        outcome: 'SCREENING_REFUSED',
        part: { holder: TIER2, status: 'OFFERED' },
      });
      expect(refusedFinancing.result.part.offer?.screenings).toMatchObject([
        {
          decision: 'REFUSED',
          entries: [{ status: 'ACTIVE', uploader: 'BankBMSP' }],
          purpose: 'CREDIT_APPLICATION',
          result: 'HIT',
          screenedBy: { mspId: 'BankAMSP' },
        },
      ]);
      // The bank may still decline the offer; the part is the holder's again.
      const declined = await rcv.answerFinancing(
        id('banka-financier'),
        { decision: 'DECLINE', offerId: offer.offerId, partId: part },
        at(),
      );
      expect(declined.result.part.status).toBe('HELD');
    });

    it('the policy changes only when the governing banks agree: an admin proposes, approvers of a majority (both banks) adopt; nothing changes before, the adopting transaction on', async () => {
      const current = await rcv.policy(id('pavel'));
      const base = current.policy;
      const stricter = { ...base, outputsMax: 2 };
      const pid = `RP-${run}-1`;
      // Who may propose: a governing bank's admin only.
      for (const [who, code] of [
        ['alice', 'ROLE_REQUIRED'],
        ['anna', 'ROLE_REQUIRED'],
        ['core-finance', 'ROLE_REQUIRED'],
        ['banka-financier', 'ROLE_REQUIRED'],
        ['clearing-admin', 'NOT_A_PARTY'],
      ] as const)
        await refusedWritingNothing(() => rcv.proposePolicy(id(who), pid, stricter, at()), code);
      await refusedWritingNothing(
        () => rcv.proposePolicy(id('banka-admin'), pid, base, at()),
        'INVALID_INPUT',
      );
      const proposed = await rcv.proposePolicy(id('banka-admin'), pid, stricter, at());
      expect(proposed.result).toMatchObject({ outcome: 'PROPOSED', status: 'OPEN' });
      expect(proposed.result.proposal.baseVersion).toBe(current.version);
      expect((await rcv.proposePolicy(id('banka-admin'), pid, stricter, at())).result.outcome).toBe(
        'UNCHANGED',
      );
      await refusedWritingNothing(
        () => rcv.proposePolicy(id('banka-admin'), pid, { ...stricter, outputsMax: 3 }, at()),
        'IDEMPOTENCY_CONFLICT',
      );
      // A rival proposal against the same version, to be superseded.
      const rival = `RP-${run}-2`;
      await rcv.proposePolicy(id('bankb-admin'), rival, { ...base, feeBpMax: base.feeBpMax + 1 }, at());
      // Who may approve: a governing bank's approver only.
      for (const [who, code] of [
        ['banka-admin', 'ROLE_REQUIRED'],
        ['core-approver', 'ROLE_REQUIRED'],
        ['petra', 'NOT_A_PARTY'],
      ] as const)
        await refusedWritingNothing(() => rcv.approvePolicy(id(who), pid, at()), code);
      await refusedWritingNothing(
        () => rcv.approvePolicy(id('anna'), 'no-such-proposal', at()),
        'PROPOSAL_NOT_FOUND',
      );
      expect((await rcv.approvePolicy(id('anna'), pid, at())).result).toMatchObject({
        outcome: 'APPROVED',
        status: 'OPEN',
        version: null,
      });
      expect((await rcv.approvePolicy(id('anna'), pid, at())).result.outcome).toBe('UNCHANGED');
      // Nothing changes before the majority: a split into three is still allowed.
      expect((await rcv.policy(id('alice'))).version).toBe(current.version);
      const { root } = await acceptedToken('300000');
      const three = {
        moveId: `M-${run}-p`,
        outputs: ['100000', '100000', '100000'].map((amountMinor) => ({ amountMinor, holder: TIER1 })),
        partId: root.partId,
      };
      expect((await rcv.proposeMove(id('tier1-finance'), three, at())).result.outcome).toBe('PROPOSED');
      // Bank B's approver makes the majority: this transaction adopts the next version.
      const adopted = await rcv.approvePolicy(id('bella'), pid, at());
      expect(adopted.result).toMatchObject({
        outcome: 'ADOPTED',
        status: 'ADOPTED',
        version: {
          approvedBy: ['BankAMSP', 'BankBMSP'],
          policy: { outputsMax: 2 },
          proposalId: pid,
          txId: adopted.txId,
          version: current.version + 1,
        },
      });
      expect(await rcv.policy(id('tier1-finance'))).toMatchObject({ version: current.version + 1 });
      // From then on a move of three outputs is refused, the earlier proposal's signing too.
      await refusedWritingNothing(
        () => rcv.proposeMove(id('tier1-finance'), { ...three, moveId: `M-${run}-q` }, at()),
        'POLICY_VIOLATION',
      );
      await refusedWritingNothing(
        () => rcv.signMove(id('tier1-approver'), three.moveId, at()),
        'POLICY_VIOLATION',
      );
      // History: the version before is still readable; the rival was made against it and is superseded.
      expect((await rcv.policy(id('audrey'), current.version)).policy).toEqual(base);
      const proposals = await rcv.policyProposals(id('alice'));
      expect(proposals.find((p) => p.proposalId === rival)?.status).toBe('SUPERSEDED');
      expect(proposals.find((p) => p.proposalId === pid)?.status).toBe('ADOPTED');
      await refusedWritingNothing(() => rcv.approvePolicy(id('bella'), rival, at()), 'ALREADY_DECIDED');
      // Put the policy back (a long-lived network runs the suite again), by the same governance.
      await rcv.proposePolicy(id('bankb-admin'), `RP-${run}-3`, base, at());
      await rcv.approvePolicy(id('anna'), `RP-${run}-3`, at());
      expect((await rcv.approvePolicy(id('bella'), `RP-${run}-3`, at())).result.outcome).toBe('ADOPTED');
      expect((await rcv.policy(id('alice'))).policy).toEqual(base);
    });

    it.runIf(options.injectedTime)(
      'at maturity the core enterprise pays each holder; the payment’s legs match on the reconciliation ledger; the sweep marks the unpaid overdue',
      async () => {
        const maturity = addDays(today, 90);
        await refusedWritingNothing(
          () =>
            rcv.recordPayment(
              id('core-finance'),
              {
                amountMinor: '400000',
                partId: tree.own,
                payeeAccount: 'CN-TIER1-001',
                payerAccount: 'CN-CORE-001',
                paymentId: `P-${run}-0`,
                reference: `E2E-${run}-0`,
              },
              at(),
            ),
          'INVALID_TRANSITION',
        );
        await clock.reach(90 * DAY_MS);
        expect(dayOf(at())).toBe(maturity);
        const pay = (n: number, amountMinor: string) => ({
          amountMinor,
          partId: tree.own,
          payeeAccount: 'CN-TIER1-001',
          payerAccount: 'CN-CORE-001',
          paymentId: `P-${run}-${n}`,
          reference: `E2E-${run}-${n}`,
        });
        await refusedWritingNothing(
          () => rcv.recordPayment(id('tier1-finance'), pay(1, '100000'), at()),
          'NOT_A_PARTY',
        );
        await refusedWritingNothing(
          () => rcv.recordPayment(id('core-finance'), pay(1, '400001'), at()),
          'AMOUNT_MISMATCH',
        );
        const partly = await rcv.recordPayment(id('core-finance'), pay(1, '100000'), at());
        expect(partly.result).toMatchObject({
          outcome: 'PARTLY_PAID',
          part: { paidMinor: '100000', status: 'HELD' },
        });
        expect(partly.result.payment.legs.map((l) => [l.legId, l.mspId, l.role, l.amountMinor])).toEqual([
          [`P-${run}-1.debit`, 'BankAMSP', 'DEBTOR_AGENT', '100000'],
          [`P-${run}-1.credit`, 'BankBMSP', 'CREDITOR_AGENT', '100000'],
        ]);
        expect((await rcv.recordPayment(id('core-finance'), pay(1, '100000'), at())).result.outcome).toBe(
          'UNCHANGED',
        );
        const full = await rcv.recordPayment(id('core-finance'), pay(2, '300000'), at());
        expect(full.result.part).toMatchObject({ paidMinor: '400000', status: 'PAID' });
        // Each bank's node posts its own leg of the payment: both legs agree, so the case matches.
        const debit = await rcv.postPaymentLeg(id('core-finance'), id('banka-system'), `P-${run}-2`, at());
        expect(debit.result[0]).toMatchObject({ legId: `P-${run}-2.debit`, outcome: 'POSTED' });
        const credit = await rcv.postPaymentLeg(id('tier1-finance'), id('bankb-system'), `P-${run}-2`, at());
        expect(credit.result[0]).toMatchObject({ caseStatus: 'MATCHED', legId: `P-${run}-2.credit` });
        // The financed part is not paid: the day after maturity the sweep marks it overdue, once.
        expect((await rcv.sweepOverdue(id('audrey'), at())).result.overdue).toEqual([]);
        await clock.reach(91 * DAY_MS);
        const swept = await rcv.sweepOverdue(id('tier2-finance'), at());
        expect(swept.result.overdue).toContain(tree.toTier2);
        expect(swept.result.overdue).not.toContain(tree.own);
        expect((await rcv.part(id('bankb-financier'), tree.toTier2)).part).toMatchObject({
          overdueSince: addDays(maturity, 1),
          status: 'OVERDUE',
        });
        expect((await rcv.sweepOverdue(id('tier2-finance'), at())).result).toEqual({
          examined: 0,
          overdue: [],
        });
        // Payments are still recorded on an overdue part: to the financing bank, its holder.
        const late = await rcv.recordPayment(
          id('core-finance'),
          { ...pay(3, '600000'), partId: tree.toTier2, payeeAccount: 'CN-BANKB-LOANS' },
          at(),
        );
        expect(late.result.payment.legs[1]).toMatchObject({ mspId: 'BankBMSP', role: 'CREDITOR_AGENT' });
        expect(late.result.part.status).toBe('PAID');
      },
    );
  });

  return () => backend;
}
