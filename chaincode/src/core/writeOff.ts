import { fail } from './errors';
import { isCurrency, parseAmountMinor, type Currency } from './money';

/**
 * A person's write-off authority, as their certificate states it (attribute `writeOffLimit`): per currency, the
 * largest amount in minor units they may approve a write-off of, e.g. `CNY:100000,HKD:100000` (CNY 1,000.00 and
 * HKD 1,000.00). A person without the attribute may approve no write-off; a currency not listed is a limit of 0.
 * Banks give authority per person and currency, never through an exchange rate.
 */
export type WriteOffLimits = ReadonlyMap<Currency, bigint>;

export const WRITE_OFF_LIMIT_ATTRIBUTE = 'writeOffLimit';

export function parseWriteOffLimits(text: string | null | undefined): WriteOffLimits {
  const limits = new Map<Currency, bigint>();
  if (text === null || text === undefined || text.trim() === '') return limits;
  for (const part of text.split(',')) {
    const [code = '', amount = ''] = part.trim().split(':');
    if (!isCurrency(code) || !/^\d{1,18}$/.test(amount) || limits.has(code))
      fail(
        'INVALID_INPUT',
        `the certificate attribute ${WRITE_OFF_LIMIT_ATTRIBUTE} must list CURRENCY:minor-units once per currency, e.g. CNY:100000; found ${JSON.stringify(part)}`,
      );
    limits.set(code, BigInt(amount));
  }
  return limits;
}

/** What a write-off's amount is taken from: the case's live legs, opened with the payment reference. */
export interface StakeLeg {
  readonly mspId: string;
  readonly amountMinor: bigint;
  readonly currency: Currency;
}

export interface Stake {
  readonly currency: Currency;
  readonly amountMinor: bigint;
}

/**
 * The amount a write-off by `proposer` writes off: against the other parties' legs in the proposer's currency,
 * the largest difference from the proposer's own amount (what its books absorb); when no other leg in that
 * currency differs (a leg missing, a status or account conflict), the whole of its own amount. A proposer without
 * a live leg of its own (its leg is the missing one) stakes the largest amount of the others.
 */
export function writeOffStake(legs: readonly StakeLeg[], proposer: string): Stake {
  const own = legs.find((l) => l.mspId === proposer);
  if (own === undefined) {
    let largest: StakeLeg | undefined;
    for (const l of legs) if (largest === undefined || l.amountMinor > largest.amountMinor) largest = l;
    if (largest === undefined) return fail('LEG_NOT_FOUND', 'a write-off needs a leg in the case');
    return { currency: largest.currency, amountMinor: largest.amountMinor };
  }
  let gap = 0n;
  for (const l of legs) {
    if (l.mspId === proposer || l.currency !== own.currency) continue;
    const d =
      l.amountMinor > own.amountMinor ? l.amountMinor - own.amountMinor : own.amountMinor - l.amountMinor;
    if (d > gap) gap = d;
  }
  return { currency: own.currency, amountMinor: gap > 0n ? gap : own.amountMinor };
}

/** Refuses the approval of a write-off beyond the approver's authority in its currency, saying by how much. */
export function requireWriteOffAuthority(limits: WriteOffLimits, stake: Stake, who: string): void {
  const limit = limits.get(stake.currency) ?? 0n;
  if (stake.amountMinor > limit)
    fail(
      'LIMIT_EXCEEDED',
      `${who} may approve write-offs up to ${String(limit)} minor units of ${stake.currency}; this one writes off ${String(stake.amountMinor)}: an approver with a higher limit approves it`,
    );
}

/** The amount of an opened leg as a stake leg (its text was checked when the leg was posted). */
export function stakeLeg(mspId: string, amountMinor: string, currency: string): StakeLeg {
  if (!isCurrency(currency)) fail('UNKNOWN_CURRENCY', `leg of ${mspId}: unknown currency ${currency}`);
  return { mspId, amountMinor: parseAmountMinor(amountMinor), currency };
}
