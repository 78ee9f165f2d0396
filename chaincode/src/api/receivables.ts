/**
 * What the receivables contract's transactions return, for applications (they import these, never contract/).
 * The records are the core's; on the wire every amount in minor units is a decimal string (`Wire<T>`).
 */
import type { FinancingRecord, RegistrationRecord } from '../core/receivables/financing';
import type { PaymentRecord } from '../core/receivables/maturity';
import type { MoveRecord, PartRecord } from '../core/receivables/part';
import type { TokenRecord } from '../core/receivables/token';
import type { TradeRecord } from '../core/receivables/trade';
import type { Party } from '../core/receivables/parties';

export type { ReceivablesOperation } from '../core/receivables/access';
export type { DayCount, FinancingRecord, RegistrationRecord } from '../core/receivables/financing';
export type { PaymentRecord } from '../core/receivables/maturity';
export type { ScreenedEntry, Screening } from '../core/receivables/screening';
export type { MoveRecord, PartRecord, PartStatus } from '../core/receivables/part';
export type { BankParty, EnterpriseParty, Party, ReceivablesRole } from '../core/receivables/parties';
export type { TokenRecord, TokenStatus } from '../core/receivables/token';
export type { TradeRecord, TradeStatus } from '../core/receivables/trade';

/** A value as it travels in JSON: every bigint a decimal string. */
export type Wire<T> = T extends bigint
  ? string
  : T extends string | number | boolean | null | undefined
    ? T
    : T extends readonly (infer U)[]
      ? readonly Wire<U>[]
      : T extends object
        ? { readonly [K in keyof T]: Wire<T[K]> }
        : T;

export interface TradeStep {
  readonly outcome: 'REGISTERED' | 'CONFIRMED' | 'UNCHANGED';
  readonly trade: TradeRecord;
}

export interface TokenStep {
  readonly outcome: 'PROPOSED' | 'SIGNED' | 'ACCEPTED' | 'DECLINED' | 'UNCHANGED';
  readonly token: TokenRecord;
  /** The root part, when this step accepted the token. */
  readonly root: PartRecord | null;
}

export interface MoveStep {
  /** SCREENING_REFUSED: a receiving enterprise is on the shared blacklist; the move stays PROPOSED, screenings recorded. */
  readonly outcome: 'PROPOSED' | 'SIGNED' | 'UNCHANGED' | 'SCREENING_REFUSED';
  readonly move: MoveRecord;
  /** The parts the signing created. */
  readonly created: readonly PartRecord[];
}

export interface PartStep {
  /** SCREENING_REFUSED: the enterprise is on the shared blacklist; the part stays OFFERED, the screening on its offer. */
  readonly outcome: 'OFFERED' | 'WITHDRAWN' | 'DECLINED' | 'FINANCED' | 'UNCHANGED' | 'SCREENING_REFUSED';
  readonly part: PartRecord;
  readonly financing: FinancingView | null;
}

export interface PaymentStep {
  readonly outcome: 'PAID' | 'PARTLY_PAID' | 'UNCHANGED';
  readonly part: PartRecord;
  /** Holds the two legs the reconciliation ledger should see (posted by each bank's node). */
  readonly payment: PaymentRecord;
}

export interface SweepResult {
  /** Parts this sweep marked OVERDUE. */
  readonly overdue: readonly string[];
  /** Due-index entries this sweep read (at most the sweep's limit): run again while it equals the limit. */
  readonly examined: number;
}

/** A token with the parts the reader may see: every part for its issuer and auditors, else the reader's branches. */
export interface TokenView {
  readonly token: TokenRecord;
  readonly parts: readonly PartRecord[];
}

/** A part and its branch, from the root part down to it. */
export interface PartView {
  readonly part: PartRecord;
  readonly branch: readonly PartRecord[];
}

export interface FinancingView {
  readonly financing: FinancingRecord;
  readonly registration: RegistrationRecord;
}

/** A record as a node's index takes it: what it is, and who may see it (core/receivables/viewers.ts). */
export type IndexedRecord = { readonly id: string; readonly viewers: readonly Party[] } & (
  | { readonly kind: 'TRADE'; readonly record: TradeRecord }
  | { readonly kind: 'TOKEN'; readonly record: TokenRecord }
  | { readonly kind: 'PART'; readonly record: PartRecord }
  | { readonly kind: 'MOVE'; readonly record: MoveRecord }
  | { readonly kind: 'PAYMENT'; readonly record: PaymentRecord }
  | { readonly kind: 'FINANCING'; readonly record: FinancingView }
);

export type IndexedKind = IndexedRecord['kind'];

/**
 * `indexRecords`: the records a transaction's event named, as the reader may index them, with what changed
 * beside them (a part's branch above it and its token: their viewers grow when a part below them is created).
 */
export interface IndexRecords {
  readonly entries: readonly IndexedRecord[];
}

/** `listForIndex`: one page of a kind's records in id order; `next` is the last id read, null after the last page. */
export interface IndexPage {
  readonly entries: readonly IndexedRecord[];
  readonly next: string | null;
}

/** A receivables policy as JSON carries it (core/receivables/governance.ts): amounts as decimal strings. */
export interface PolicyInput {
  readonly minPartMinor: Readonly<Record<string, string>>;
  readonly minPartMinorDefault: string;
  readonly outputsMax: number;
  readonly feeBpMax: number;
  readonly screeningOnHit: 'REFUSE' | 'FLAG';
  /** The member banks that decide on the policy (MSP IDs). */
  readonly governors: readonly string[];
}

/** A version of the policy: 1 is the genesis; each later one was adopted by a proposal and its approvals. */
export interface PolicyVersionView {
  readonly version: number;
  readonly policy: PolicyInput;
  readonly proposalId: string | null;
  readonly adoptedAt: string | null;
  readonly txId: string | null;
  readonly approvedBy: readonly string[];
}

export interface PolicyProposalView {
  readonly proposalId: string;
  readonly baseVersion: number;
  readonly policy: PolicyInput;
  readonly proposedBy: { readonly mspId: string; readonly name: string; readonly id: string };
  readonly proposedAt: string;
  readonly txId: string;
  readonly inputHash: string;
  readonly approvals: readonly {
    readonly mspId: string;
    readonly name: string;
    readonly id: string;
    readonly at: string;
    readonly txId: string;
  }[];
  /** OPEN until adopted; SUPERSEDED when another version was adopted after the one it was made against. */
  readonly status: 'OPEN' | 'ADOPTED' | 'SUPERSEDED';
  readonly adoptedVersion: number | null;
}

export interface PolicyStep {
  readonly outcome: 'PROPOSED' | 'APPROVED' | 'ADOPTED' | 'UNCHANGED';
  readonly proposal: PolicyProposalView;
  readonly status: PolicyProposalView['status'];
  readonly version: PolicyVersionView | null;
}
