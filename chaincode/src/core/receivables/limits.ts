import { fail } from '../errors';
import { AMOUNT_MINOR_MAX, isCurrency } from '../money';
import { SCREENING_ON_HIT, type ScreeningOnHit } from './screening';

/** Named limits of receivables, enforced where input enters (the core's parsers). */
export const RECEIVABLES_LIMITS = {
  /** A term beyond this many calendar months is refused (the PBOC-led notice of 30 April 2025: at most 1 year). */
  termMonthsMax: 12,
  /** A term beyond this many calendar months needs a stated reason and is flagged (the notice: in principle 6). */
  termMonthsFlagged: 6,
  /** The reason for a long term, and any other free text a person writes (a decline, an undertaking). */
  reasonMax: 500,
  undertakingMax: 2000,
  /**
   * The highest annual discount rate a bank may quote, in basis points (36 %): the line above which Chinese courts
   * have long refused to protect interest. Higher is treated as a typing error, not a price.
   */
  discountRateBpMax: 3600,
  /** Bounds a policy may set: the most outputs of one split, the highest fee cap. */
  outputsMaxCeiling: 50,
  feeBpMaxCeiling: 1000,
} as const;

/**
 * The consortium's policy for receivables. The contract reads the one in force and passes it in; the core only
 * checks it is sane (validateReceivablesPolicy) and applies it.
 */
export interface ReceivablesPolicy {
  /** The smallest part a split or transfer may create, in minor units, per currency. */
  readonly minPartMinor: Readonly<Record<string, bigint>>;
  /** The smallest part for a currency the table above does not name. */
  readonly minPartMinorDefault: bigint;
  /** The most outputs one split or transfer may create. */
  readonly outputsMax: number;
  /** A financing fee may be at most this many basis points of the part's amount (floor). */
  readonly feeBpMax: number;
  /**
   * What a blacklist hit of the receiving enterprise does to a transfer or financing (screening.ts): REFUSE (it
   * does not happen; the refusal is recorded) or FLAG (it happens, flagged for review).
   */
  readonly screeningOnHit: ScreeningOnHit;
}

export const DEFAULT_RECEIVABLES_POLICY: ReceivablesPolicy = {
  minPartMinor: { CNY: 100_00n, JPY: 1_000n },
  minPartMinorDefault: 100n,
  outputsMax: 10,
  feeBpMax: 50,
  screeningOnHit: 'REFUSE',
};

export function validateReceivablesPolicy(policy: ReceivablesPolicy): ReceivablesPolicy {
  for (const [currency, min] of Object.entries(policy.minPartMinor)) {
    if (!isCurrency(currency))
      fail('INVALID_INPUT', `policy.minPartMinor: ${currency} is not an active ISO 4217 currency`);
    if (min < 1n || min > AMOUNT_MINOR_MAX)
      fail('INVALID_INPUT', `policy.minPartMinor.${currency} must be from 1 to ${AMOUNT_MINOR_MAX}`);
  }
  if (policy.minPartMinorDefault < 1n || policy.minPartMinorDefault > AMOUNT_MINOR_MAX)
    fail('INVALID_INPUT', `policy.minPartMinorDefault must be from 1 to ${AMOUNT_MINOR_MAX}`);
  const { outputsMaxCeiling, feeBpMaxCeiling } = RECEIVABLES_LIMITS;
  if (!Number.isInteger(policy.outputsMax) || policy.outputsMax < 2 || policy.outputsMax > outputsMaxCeiling)
    fail('INVALID_INPUT', `policy.outputsMax must be a whole number from 2 to ${outputsMaxCeiling}`);
  if (!Number.isInteger(policy.feeBpMax) || policy.feeBpMax < 0 || policy.feeBpMax > feeBpMaxCeiling)
    fail('INVALID_INPUT', `policy.feeBpMax must be a whole number from 0 to ${feeBpMaxCeiling}`);
  if (!SCREENING_ON_HIT.includes(policy.screeningOnHit))
    fail('INVALID_INPUT', `policy.screeningOnHit must be ${SCREENING_ON_HIT.join(' or ')}`);
  return policy;
}

export function minPartMinorOf(policy: ReceivablesPolicy, currency: string): bigint {
  return policy.minPartMinor[currency] ?? policy.minPartMinorDefault;
}
