import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { PartRecord, Wire } from '../../../chaincode/src/api/receivables';
import { addDays } from '../../../chaincode/src/core/receivables/calendar';
import { createSubjectKeyFile, loadSubjectKeyring, type SubjectKey } from '../blacklist/subjectKeys';
import { BlacklistGateway } from '../ledger/blacklistGateway';
import type { Identity, SubmitOptions } from '../ledger/ledgerGateway';
import type { TransportGateway } from '../ledger/transportGateway';
import {
  ReceivablesGateway,
  screeningKeysOf,
  type EnterpriseRef,
  type TradeInput,
} from './receivablesGateway';

/**
 * The enterprises of network/consortium.json: a core enterprise (Bank A's client), its tier-1 supplier (Bank
 * B's) and a tier-2 supplier (Bank A's), with the people who act for them.
 */
export const DEMO_ENTERPRISES = {
  core: { enterpriseId: '91310000MA1K000006', kind: 'ENTERPRISE', mspId: 'BankAMSP' },
  tier1: { enterpriseId: '91440300MA5F000007', kind: 'ENTERPRISE', mspId: 'BankBMSP' },
  tier2: { enterpriseId: '91110000100000000R', kind: 'ENTERPRISE', mspId: 'BankAMSP' },
} as const satisfies Record<string, EnterpriseRef>;

export type DemoEnterprise = keyof typeof DEMO_ENTERPRISES;

/** Each enterprise's finance (proposes) and approver (signs), as consortium user ids. */
export const DEMO_PEOPLE: Record<DemoEnterprise, { finance: string; approver: string }> = {
  core: { finance: 'core-finance', approver: 'core-approver' },
  tier1: { finance: 'tier1-finance', approver: 'tier1-approver' },
  tier2: { finance: 'tier2-finance', approver: 'tier2-approver' },
};

/** The admins of the banks whose clients move and finance parts (network/consortium.json). */
export const SCREENING_BANK_ADMINS = ['banka-admin', 'bankb-admin'] as const;

/**
 * Transfers and financings screen the receiving enterprise against the shared blacklist, which only its members
 * may read: the banks' admins join it (a bank that joined before: UNCHANGED).
 */
export async function joinBlacklistForScreening(
  gateway: TransportGateway,
  identity: (userId: string) => Promise<Identity>,
  at: () => SubmitOptions = () => ({}),
): Promise<void> {
  const bl = new BlacklistGateway(gateway);
  for (const admin of SCREENING_BANK_ADMINS) await bl.join(await identity(admin), at());
}

/**
 * A blacklist key made for one run (tests, the bench), in a temporary folder: screening hashes enterprises
 * with it. Every member's node holds the consortium's key; a run's own key finds no other run's listings.
 */
export async function runScreeningKeys(): Promise<{
  readonly keysOf: (enterpriseId: string) => readonly SubjectKey[];
  readonly close: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'tallystick-screening-key-'));
  await createSubjectKeyFile(join(dir, 'v1.key'), 1);
  const ring = await loadSubjectKeyring({ files: [join(dir, 'v1.key')] }, join(dir, 'data'));
  return { close: () => rm(dir, { force: true, recursive: true }), keysOf: screeningKeysOf(ring) };
}

/**
 * The receivables use cases for a run (tests, the bench) on a ledger whose banks screen: a key made for the run
 * (runScreeningKeys; its folder removed once read, the keys stay in memory) and the banks' admins joined to the
 * blacklist.
 */
export async function receivablesScreeningForRun(
  gateway: TransportGateway,
  identity: (userId: string) => Promise<Identity>,
  at: () => SubmitOptions = () => ({}),
): Promise<ReceivablesGateway> {
  const screening = await runScreeningKeys();
  await screening.close();
  await joinBlacklistForScreening(gateway, identity, at);
  return new ReceivablesGateway(gateway, screening.keysOf);
}

/**
 * A supply chain's steps through the receivables use cases, for the demo, tests and the bench: every id and
 * document hash is made from `run` and a serial, so a flow runs again on a long-lived ledger.
 */
export class ReceivablesFlow {
  private serial = 0;

  constructor(
    private readonly rcv: ReceivablesGateway,
    private readonly identity: (userId: string) => Promise<Identity>,
    private readonly run: string,
    private readonly at: () => SubmitOptions = () => ({}),
  ) {}

  private hash(text: string): string {
    return createHash('sha256').update(`${this.run}:${text}`).digest('hex');
  }

  private next(prefix: string): string {
    return `${prefix}-${this.run}-${++this.serial}`;
  }

  private async as(userId: string): Promise<Identity> {
    return this.identity(userId);
  }

  /** A trade registered by the buyer and confirmed by the seller, due in 60 days from `today`. */
  async confirmedTrade(
    buyer: DemoEnterprise,
    seller: DemoEnterprise,
    amountMinor: string,
    today: string,
  ): Promise<TradeInput> {
    const n = ++this.serial;
    const number = `${parseInt(this.hash('n').slice(0, 10), 16)}`.padStart(12, '0').slice(-12);
    const trade: TradeInput = {
      amountMinor,
      buyer: DEMO_ENTERPRISES[buyer],
      contractHash: this.hash(`contract ${n}`),
      currency: 'CNY',
      deliveryNoteHash: this.hash(`delivery ${n}`),
      dueDate: addDays(today, 60),
      invoiceCode: '',
      invoiceHash: this.hash(`invoice ${n}`),
      invoiceNumber: number + String(n).padStart(8, '0'),
      seller: DEMO_ENTERPRISES[seller],
      tradeId: `T-${this.run}-${n}`,
    };
    await this.rcv.registerTrade(await this.as(DEMO_PEOPLE[buyer].finance), trade, this.at());
    await this.rcv.confirmTrade(await this.as(DEMO_PEOPLE[seller].finance), trade.tradeId, this.at());
    return trade;
  }

  /** A token the core enterprise issues to tier 1 under four eyes, accepted: its root part. */
  async acceptedToken(
    amountMinor: string,
    maturityDate: string,
    today: string,
    longTermReason?: string,
  ): Promise<{ tokenId: string; tradeId: string; root: Wire<PartRecord> }> {
    const trade = await this.confirmedTrade('core', 'tier1', amountMinor, today);
    const tokenId = this.next('K');
    await this.rcv.proposeIssue(
      await this.as('core-finance'),
      {
        amountMinor,
        currency: 'CNY',
        maturityDate,
        tokenId,
        tradeId: trade.tradeId,
        undertaking: 'The core enterprise irrevocably undertakes to pay the holder of each part at maturity.',
        ...(longTermReason === undefined ? {} : { longTermReason }),
      },
      this.at(),
    );
    await this.rcv.signIssue(await this.as('core-approver'), tokenId, this.at());
    const accepted = await this.rcv.answerIssue(
      await this.as('tier1-approver'),
      tokenId,
      { decision: 'ACCEPT' },
      this.at(),
    );
    const root = accepted.result.root;
    if (!root) throw new Error(`token ${tokenId}: accepted without a root part`);
    return { root, tokenId, tradeId: trade.tradeId };
  }

  /**
   * A move of `part` by its holder under four eyes: outputs to itself (splits) and to other enterprises against
   * trades given per output. Answers the parts created.
   */
  async move(
    holder: DemoEnterprise,
    partId: string,
    outputs: readonly { to: DemoEnterprise; amountMinor: string; tradeId?: string }[],
  ): Promise<readonly Wire<PartRecord>[]> {
    const moveId = this.next('M');
    await this.rcv.proposeMove(
      await this.as(DEMO_PEOPLE[holder].finance),
      {
        moveId,
        outputs: outputs.map((o) => ({
          amountMinor: o.amountMinor,
          holder: DEMO_ENTERPRISES[o.to],
          ...(o.tradeId === undefined ? {} : { tradeId: o.tradeId }),
        })),
        partId,
      },
      this.at(),
    );
    const signed = await this.rcv.signMove(await this.as(DEMO_PEOPLE[holder].approver), moveId, this.at());
    return signed.result.created;
  }
}
