import { fail } from '../errors';
import { byText, sortedCopy } from '../sorted';
import { BLACKLIST_LIMITS } from './limits';

/**
 * The blacklist's policy: what may be listed and how, what a query needs, and the parameters of metering and
 * disputes. It lives on the ledger in versions; version 1 is GENESIS_POLICY, in force until the members adopt
 * another (proposal.ts). Every number is a whole number, so every peer decides the same.
 */
export interface CategoryRule {
  /** How many distinct red-flag indicators an entry of this category must carry. */
  readonly indicatorsMin: number;
  /** The longest an entry of this category may stay listed, in days from its listing. */
  readonly listingDaysMax: number;
}

export interface MeteringParameters {
  /** The length of an allowance period, in days. */
  readonly periodDays: number;
  /** Queries every member may make per period whatever it contributed. */
  readonly queriesBase: number;
  /** Queries added per active entry the member listed. */
  readonly queriesPerEntry: number;
  /** Queries added per entry of the member that other members' queries confirmed. */
  readonly queriesPerConfirmedEntry: number;
  /** Queries taken off per entry of the member revoked after a dispute. */
  readonly queriesPerRevokedEntry: number;
}

export interface DisputeDeadlines {
  /** Days the uploader has to maintain or retract a disputed entry. */
  readonly answerDays: number;
  /** Days the members have to vote on a contested entry. */
  readonly voteDays: number;
}

export interface BlacklistPolicy {
  /** Category code → its rule. */
  readonly categories: Readonly<Record<string, CategoryRule>>;
  /** The red-flag indicator codes an entry may carry (sorted). */
  readonly indicators: readonly string[];
  /** The purposes a query may name (sorted). */
  readonly purposes: readonly string[];
  /** The purposes that need no consent (sorted; each one of `purposes`). */
  readonly exemptPurposes: readonly string[];
  readonly metering: MeteringParameters;
  readonly disputes: DisputeDeadlines;
}

/** A version of the policy as the ledger keeps it. Version 1 is the genesis, never written. */
export interface PolicyVersion {
  readonly version: number;
  readonly policy: BlacklistPolicy;
  /** When it took effect (null for the genesis, in force from the start). */
  readonly adoptedAt: string | null;
  /** The transaction that adopted it, and the proposal it came from (null for the genesis). */
  readonly txId: string | null;
  readonly proposalId: string | null;
  /** The institutions whose approvals adopted it, and how many members there were then. */
  readonly approvedBy: readonly string[];
  readonly membersAtAdoption: number;
}

/**
 * What the network starts with. Indicator thresholds follow what shared schemes ask before listing: a confirmed
 * fraud or an identity fraud needs two independent red flags, a money mule or a scam-receiving account two, a
 * serious default one (the default itself, documented). Listing periods: six years for fraud (Cifas' filing
 * period), two for mules and scam accounts, five for defaults (the credit-reporting period in China).
 */
export const GENESIS_POLICY: BlacklistPolicy = {
  categories: {
    CONFIRMED_FRAUD: { indicatorsMin: 2, listingDaysMax: 2190 },
    IDENTITY_FRAUD: { indicatorsMin: 2, listingDaysMax: 2190 },
    MONEY_MULE: { indicatorsMin: 2, listingDaysMax: 730 },
    SCAM_RECEIVING_ACCOUNT: { indicatorsMin: 2, listingDaysMax: 730 },
    SERIOUS_DEFAULT: { indicatorsMin: 1, listingDaysMax: 1825 },
  },
  disputes: { answerDays: 14, voteDays: 14 },
  exemptPurposes: ['FRAUD_INVESTIGATION', 'LAW_ENFORCEMENT_REQUEST'],
  indicators: [
    'ACCOUNT_TAKEOVER',
    'CHARGEBACK_FRAUD',
    'COURT_JUDGMENT',
    'DEFAULT_OVER_90_DAYS',
    'FORGED_DOCUMENT',
    'MULE_PATTERN',
    'POLICE_REPORT',
    'RAPID_PASS_THROUGH',
    'SYNTHETIC_IDENTITY',
    'VICTIM_COMPLAINT',
  ],
  metering: {
    periodDays: 30,
    queriesBase: 100,
    queriesPerConfirmedEntry: 20,
    queriesPerEntry: 5,
    queriesPerRevokedEntry: 50,
  },
  purposes: [
    'ACCOUNT_OPENING',
    'CREDIT_APPLICATION',
    'FRAUD_INVESTIGATION',
    'LAW_ENFORCEMENT_REQUEST',
    'PAYMENT_SCREENING',
    'SUBJECT_REPORT',
  ],
};

export const GENESIS_VERSION: PolicyVersion = {
  adoptedAt: null,
  approvedBy: [],
  membersAtAdoption: 0,
  policy: GENESIS_POLICY,
  proposalId: null,
  txId: null,
  version: 1,
};

/** Category, indicator and purpose codes: upper-case words joined by '_'. */
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const CODE_LENGTH_MAX = 40;

export function parseCode(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length > CODE_LENGTH_MAX || !CODE.test(value))
    fail(
      'INVALID_INPUT',
      `${field} must be a code of upper-case letters, digits and '_' (at most ${CODE_LENGTH_MAX}), got ${JSON.stringify(value)}`,
    );
  return value;
}

function wholeNumber(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    fail(
      'INVALID_INPUT',
      `${field} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  return value;
}

function objectOf(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('INVALID_INPUT', `${field} must be an object`);
  return value as Record<string, unknown>;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], field: string): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      fail('INVALID_INPUT', `${field}.${k} is not a field (expected ${allowed.join(', ')})`);
}

/** A sorted, duplicate-free list of codes, 1 to policyCodesMax long. */
function codeList(value: unknown, field: string, min = 1): string[] {
  if (!Array.isArray(value)) fail('INVALID_INPUT', `${field} must be an array of codes`);
  if (value.length < min || value.length > BLACKLIST_LIMITS.policyCodesMax)
    fail('INVALID_INPUT', `${field} must hold ${min} to ${BLACKLIST_LIMITS.policyCodesMax} codes`);
  const codes = value.map((v: unknown, i) => parseCode(v, `${field}[${i}]`));
  const sorted = sortedCopy(codes, byText);
  sorted.forEach((c, i) => {
    if (i > 0 && sorted[i - 1] === c) fail('INVALID_INPUT', `${field} names ${c} twice`);
  });
  return sorted;
}

/**
 * A policy as a proposal carries it: every field required, nothing else accepted, codes sorted. What it returns
 * is in canonical order, so two proposals of the same policy are the same text.
 */
export function parsePolicy(raw: unknown, field = 'policy'): BlacklistPolicy {
  const o = objectOf(raw, field);
  onlyKeys(o, ['categories', 'disputes', 'exemptPurposes', 'indicators', 'metering', 'purposes'], field);
  const rawCategories = objectOf(o.categories, `${field}.categories`);
  const names = codeList(Object.keys(rawCategories), `${field}.categories`);
  const categories: Record<string, CategoryRule> = {};
  for (const name of names) {
    const f = `${field}.categories.${name}`;
    const c = objectOf(rawCategories[name], f);
    onlyKeys(c, ['indicatorsMin', 'listingDaysMax'], f);
    categories[name] = {
      indicatorsMin: wholeNumber(c.indicatorsMin, `${f}.indicatorsMin`, 1, BLACKLIST_LIMITS.indicatorsMax),
      listingDaysMax: wholeNumber(
        c.listingDaysMax,
        `${f}.listingDaysMax`,
        1,
        BLACKLIST_LIMITS.listingDaysMax,
      ),
    };
  }
  const indicators = codeList(o.indicators, `${field}.indicators`);
  for (const name of names) {
    const needed = (categories[name] as CategoryRule).indicatorsMin;
    if (needed > indicators.length)
      fail(
        'INVALID_INPUT',
        `${field}.categories.${name}.indicatorsMin is ${needed}, but the policy names only ${indicators.length} indicators`,
      );
  }
  const purposes = codeList(o.purposes, `${field}.purposes`);
  const exemptPurposes = codeList(o.exemptPurposes, `${field}.exemptPurposes`, 0);
  for (const p of exemptPurposes)
    if (!purposes.includes(p))
      fail('INVALID_INPUT', `${field}.exemptPurposes names ${p}, which is not one of ${field}.purposes`);
  const m = objectOf(o.metering, `${field}.metering`);
  const meteringFields = [
    'periodDays',
    'queriesBase',
    'queriesPerConfirmedEntry',
    'queriesPerEntry',
    'queriesPerRevokedEntry',
  ] as const;
  onlyKeys(m, meteringFields, `${field}.metering`);
  const max = BLACKLIST_LIMITS.meteringValueMax;
  const metering: MeteringParameters = {
    periodDays: wholeNumber(
      m.periodDays,
      `${field}.metering.periodDays`,
      1,
      BLACKLIST_LIMITS.deadlineDaysMax,
    ),
    queriesBase: wholeNumber(m.queriesBase, `${field}.metering.queriesBase`, 0, max),
    queriesPerConfirmedEntry: wholeNumber(
      m.queriesPerConfirmedEntry,
      `${field}.metering.queriesPerConfirmedEntry`,
      0,
      max,
    ),
    queriesPerEntry: wholeNumber(m.queriesPerEntry, `${field}.metering.queriesPerEntry`, 0, max),
    queriesPerRevokedEntry: wholeNumber(
      m.queriesPerRevokedEntry,
      `${field}.metering.queriesPerRevokedEntry`,
      0,
      max,
    ),
  };
  const d = objectOf(o.disputes, `${field}.disputes`);
  onlyKeys(d, ['answerDays', 'voteDays'], `${field}.disputes`);
  const disputes: DisputeDeadlines = {
    answerDays: wholeNumber(
      d.answerDays,
      `${field}.disputes.answerDays`,
      1,
      BLACKLIST_LIMITS.deadlineDaysMax,
    ),
    voteDays: wholeNumber(d.voteDays, `${field}.disputes.voteDays`, 1, BLACKLIST_LIMITS.deadlineDaysMax),
  };
  return { categories, disputes, exemptPurposes, indicators, metering, purposes };
}

export function categoryRule(policy: BlacklistPolicy, category: string, field: string): CategoryRule {
  const rule = policy.categories[category];
  if (rule === undefined)
    fail(
      'POLICY_VIOLATION',
      `${field}: ${category} is not a category of the policy (${Object.keys(policy.categories).join(', ')})`,
    );
  return rule;
}

/** Whether two policies say the same (whatever order their fields were written in). */
export function samePolicy(a: BlacklistPolicy, b: BlacklistPolicy): boolean {
  return sameValue(a, b);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}
