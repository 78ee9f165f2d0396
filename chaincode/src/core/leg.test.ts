import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

import { LEG_ROLES, parseRoute, routeFromText, routeText, type RouteStop } from './leg';

const ROLE_ORDER = { DEBTOR_AGENT: 0, CLEARING: 1, CREDITOR_AGENT: 2 } as const;

/** What parseRoute must give for a valid route: its stops sorted by role, then MSP ID. */
const sortedStops = (stops: readonly RouteStop[]): RouteStop[] =>
  [...stops]
    .sort(
      (a, b) =>
        ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (a.mspId < b.mspId ? -1 : a.mspId > b.mspId ? 1 : 0),
    )
    .map((s) => ({ mspId: s.mspId, role: s.role }));

const textOf = (stops: readonly RouteStop[]): string =>
  sortedStops(stops)
    .map((s) => `${s.mspId}/${s.role}`)
    .join('>');

const A: RouteStop[] = [
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
];
const B: RouteStop[] = [
  { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
  { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
];
// B's institutions in the same order, in each other's roles.
const C: RouteStop[] = [
  { mspId: 'BankBMSP', role: 'DEBTOR_AGENT' },
  { mspId: 'BankAMSP', role: 'CREDITOR_AGENT' },
];

describe('routes', () => {
  // Each call is checked against the answer computed from scratch, in sequences that repeat, alternate and
  // reorder routes, and that put refused routes between accepted ones: no answer depends on an earlier call.
  it('parses and writes every route as computed afresh, whatever came before', () => {
    const msp = fc.constantFrom('BankAMSP', 'BankBMSP', 'ClearingHouseMSP', 'PayCoMSP', 'bad msp', '');
    const stop = fc.oneof(
      fc.record({ mspId: msp, role: fc.constantFrom(...LEG_ROLES, 'BAD_ROLE') }),
      fc.constant(null),
      fc.constant('BankAMSP'),
    );
    const route = fc.oneof(
      fc.constant(A),
      fc.constant(B),
      fc.constant(C),
      fc.array(stop, { minLength: 0, maxLength: 7 }),
    );
    fc.assert(
      fc.property(fc.array(route, { minLength: 1, maxLength: 12 }), (routes) => {
        for (const r of routes) {
          let parsed: RouteStop[] | undefined;
          try {
            parsed = parseRoute(r);
          } catch {
            parsed = undefined;
          }
          const stops = r as RouteStop[];
          const valid =
            r.length >= 2 &&
            r.length <= 6 &&
            (r as unknown[]).every(
              (s) =>
                typeof s === 'object' &&
                s !== null &&
                /^[A-Za-z][A-Za-z0-9.-]{0,63}$/.test((s as RouteStop).mspId) &&
                (LEG_ROLES as readonly string[]).includes((s as RouteStop).role),
            ) &&
            new Set(stops.map((s) => `${s.mspId}/${s.role}`)).size === r.length &&
            stops.some((s) => s.role === 'DEBTOR_AGENT') &&
            stops.some((s) => s.role === 'CREDITOR_AGENT');
          if (!valid) {
            expect(parsed).toBeUndefined();
            continue;
          }
          expect(parsed).toEqual(sortedStops(stops));
          expect(routeText(stops)).toBe(textOf(stops));
          expect(routeText(parsed as RouteStop[])).toBe(textOf(stops));
        }
      }),
    );
  });

  it('refuses an empty route as the first one it sees', async () => {
    vi.resetModules();
    const fresh = await import('./leg.js');
    expect(() => fresh.parseRoute([])).toThrow(/2-6 stops/);
    expect(fresh.routeText([])).toBe('');
  });

  it('refuses an empty or one-stop route even right after accepting one', () => {
    expect(parseRoute(A)).toEqual(sortedStops(A));
    expect(() => parseRoute([])).toThrow(/2-6 stops/);
    expect(() => parseRoute([A[0]])).toThrow(/2-6 stops/);
    expect(() => parseRoute([...A, { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' }])).toThrow(/twice/);
  });

  it('tells apart routes of the same institutions in other roles', () => {
    expect(parseRoute(B)).toEqual(sortedStops(B));
    expect(parseRoute(C)).toEqual(sortedStops(C));
    expect(routeText(B)).toBe('BankAMSP/DEBTOR_AGENT>BankBMSP/CREDITOR_AGENT');
    expect(routeText(C)).toBe('BankBMSP/DEBTOR_AGENT>BankAMSP/CREDITOR_AGENT');
  });

  it('writes a route as text that reads back as its canonical stops', () => {
    expect(routeText(B)).toBe('BankAMSP/DEBTOR_AGENT>BankBMSP/CREDITOR_AGENT');
    expect(routeText(A)).toBe('BankAMSP/DEBTOR_AGENT>ClearingHouseMSP/CLEARING>BankBMSP/CREDITOR_AGENT');
    expect(routeFromText(routeText(A))).toEqual(sortedStops(A));
    expect(routeText([])).toBe('');
  });
});
