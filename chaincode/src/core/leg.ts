import { fail } from './errors';
import { sortedCopy } from './sorted';
import { parseAmountMinor, parseCurrency, type Currency } from './money';
import {
  parseAccountRef,
  parseBranchCode,
  parseClientId,
  parseIsoDate,
  parseReference,
  type PaymentReference,
} from './reference';

/** Where a leg sits on the payment's route: payer's bank (debit), clearing house or card scheme, payee's side (credit). */
export const LEG_ROLES = ['DEBTOR_AGENT', 'CLEARING', 'CREDITOR_AGENT'] as const;
export type LegRole = (typeof LEG_ROLES)[number];

/** What the posting institution says happened to the payment on its books. */
export const OUTCOMES = ['SETTLED', 'FAILED', 'TIMED_OUT'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The fields every leg of a case must agree on; each is compared through a salted digest, never in plaintext. */
export const MATCH_FIELDS = [
  'amountMinor',
  'currency',
  'valueDate',
  'payerRef',
  'payeeRef',
  'outcome',
] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

export interface RouteStop {
  readonly mspId: string;
  readonly role: LegRole;
}

/** A leg as its institution posts it. Everything here is private to the parties of the case. */
export interface Leg {
  readonly legId: string;
  readonly reference: PaymentReference;
  readonly mspId: string;
  readonly role: LegRole;
  readonly branch?: string | undefined;
  readonly route: readonly RouteStop[];
  readonly amountMinor: bigint;
  readonly currency: Currency;
  readonly valueDate: string;
  readonly payerRef: string;
  readonly payeeRef: string;
  readonly outcome: Outcome;
  /**
   * The poster's own earlier leg in the same case that this leg corrects (a correction entry): from then on the
   * earlier leg is superseded, kept on the ledger and in the history but no longer matched.
   */
  readonly corrects?: string | undefined;
}

export const ROUTE_STOPS_MAX = 6;
const MSP_ID = /^[A-Za-z][A-Za-z0-9.-]{0,63}$/;

function isOneOf<T extends string>(values: readonly T[], v: unknown): v is T {
  return typeof v === 'string' && (values as readonly string[]).includes(v);
}

export function parseMspId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !MSP_ID.test(value))
    fail('INVALID_INPUT', `${field} must be an MSP ID, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * The route as a list of {mspId, role} in canonical order. Every leg of a case may share the same list: no
 * caller changes one.
 */
export function parseRoute(value: unknown, field = 'route'): RouteStop[] {
  if (!Array.isArray(value) || value.length < 2 || value.length > ROUTE_STOPS_MAX) {
    fail('INVALID_INPUT', `${field} must list 2-${ROUTE_STOPS_MAX} stops of {mspId, role}`);
  }
  const stops = value.map((raw: unknown, i): RouteStop => {
    if (typeof raw !== 'object' || raw === null)
      fail('INVALID_INPUT', `${field}[${i}] must be an object {mspId, role}`);
    const r = raw as Record<string, unknown>;
    if (!isOneOf(LEG_ROLES, r.role))
      fail('INVALID_INPUT', `${field}[${i}].role must be one of ${LEG_ROLES.join(', ')}`);
    return { mspId: parseMspId(r.mspId, `${field}[${i}].mspId`), role: r.role };
  });
  const seen = new Set<string>();
  for (const s of stops) {
    const k = `${s.mspId}/${s.role}`;
    if (seen.has(k)) fail('INVALID_INPUT', `${field} lists ${k} twice`);
    seen.add(k);
  }
  if (!stops.some((s) => s.role === 'DEBTOR_AGENT') || !stops.some((s) => s.role === 'CREDITOR_AGENT')) {
    fail('INVALID_INPUT', `${field} needs a DEBTOR_AGENT and a CREDITOR_AGENT`);
  }
  return canonicalRoute(stops);
}

const ROLE_ORDER: Record<LegRole, number> = { DEBTOR_AGENT: 0, CLEARING: 1, CREDITOR_AGENT: 2 };

const byStop = (a: RouteStop, b: RouteStop): number =>
  ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (a.mspId < b.mspId ? -1 : a.mspId > b.mspId ? 1 : 0);

/** The route in one canonical order, so equal routes compare and hash equal whatever order they were listed in. */
export function canonicalRoute(stops: readonly RouteStop[]): RouteStop[] {
  return sortedCopy(stops, byStop);
}

export function routeText(stops: readonly RouteStop[]): string {
  return canonicalRoute(stops)
    .map((s) => `${s.mspId}/${s.role}`)
    .join('>');
}

/** The stop list of a routeText ("MSP/ROLE>MSP/ROLE..."): MSP IDs hold neither '/' nor '>'. */
export function routeFromText(text: string): RouteStop[] {
  return text.split('>').map((stop) => {
    const slash = stop.indexOf('/');
    return { mspId: stop.slice(0, slash), role: stop.slice(slash + 1) as LegRole };
  });
}

const LEG_FIELDS = new Set<string>([
  'legId',
  'reference',
  'mspId',
  'role',
  'branch',
  'route',
  'corrects',
  ...MATCH_FIELDS,
]);

/**
 * Validates one leg as posted. `postingMspId` is the institution proven by the signed proposal: a payload that
 * names another institution is refused, never trusted. `routes` parses the route: parseRoute, or a caller's
 * function that answers exactly as parseRoute does (the chaincode's batch memo, ledger/routeMemo.ts).
 */
export function parseLeg(
  value: unknown,
  postingMspId: string,
  field = 'leg',
  routes: (value: unknown, field: string) => RouteStop[] = parseRoute,
): Leg {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('INVALID_INPUT', `${field} must be an object`);
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v))
    if (!LEG_FIELDS.has(k)) fail('INVALID_INPUT', `${field}.${k} is not a leg field`);
  if (v.mspId !== undefined && v.mspId !== postingMspId) {
    fail(
      'WRONG_INSTITUTION',
      `${field}.mspId ${JSON.stringify(v.mspId)} is not the signing institution ${postingMspId}`,
    );
  }
  if (!isOneOf(LEG_ROLES, v.role))
    fail('INVALID_INPUT', `${field}.role must be one of ${LEG_ROLES.join(', ')}`);
  if (!isOneOf(OUTCOMES, v.outcome))
    fail('INVALID_INPUT', `${field}.outcome must be one of ${OUTCOMES.join(', ')}`);
  const legId = parseClientId(v.legId, `${field}.legId`);
  const corrects = v.corrects === undefined ? undefined : parseClientId(v.corrects, `${field}.corrects`);
  if (corrects === legId) fail('INVALID_INPUT', `${field}.corrects names the leg itself (${legId})`);
  return {
    legId,
    reference: parseReference(v.reference, `${field}.reference`),
    mspId: postingMspId,
    role: v.role,
    branch: parseBranchCode(v.branch, `${field}.branch`),
    route: routes(v.route, `${field}.route`),
    amountMinor: parseAmountMinor(v.amountMinor, `${field}.amountMinor`),
    currency: parseCurrency(v.currency, `${field}.currency`),
    valueDate: parseIsoDate(v.valueDate, `${field}.valueDate`),
    payerRef: parseAccountRef(v.payerRef, `${field}.payerRef`),
    payeeRef: parseAccountRef(v.payeeRef, `${field}.payeeRef`),
    outcome: v.outcome,
    ...(corrects === undefined ? {} : { corrects }),
  };
}

/** The text of one match field, as it is salted and hashed. */
export function matchFieldText(leg: Leg, f: MatchField): string {
  switch (f) {
    case 'amountMinor':
      return leg.amountMinor.toString();
    case 'currency':
    case 'valueDate':
    case 'payerRef':
    case 'payeeRef':
    case 'outcome':
      return leg[f];
  }
}
