import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { LEG_ROLES, parseRoute, routeText, type RouteStop } from '../core/leg';
import { batchRouteParser, textOfRoute } from './routeMemo';

const outcome = (f: () => unknown): { ok: unknown } | { error: string } => {
  try {
    return { ok: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

// Stops drawn from a few institutions and every role, sometimes malformed, often repeating the last route.
const stop = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      mspId: fc.constantFrom('BankAMSP', 'BankBMSP', 'PayCoMSP'),
      role: fc.constantFrom(...LEG_ROLES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      mspId: fc.constantFrom('Bank A', 7, null),
      role: fc.constantFrom('DEBTOR_AGENT', 'PAYEE'),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, 'BankAMSP', [] as unknown[]) },
);
const route = fc.oneof(
  { weight: 9, arbitrary: fc.array(stop, { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, 'x', {}) },
);

describe('the batch route memo', () => {
  it('answers every sequence of routes exactly as parseRoute does (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(route, fc.boolean()), { maxLength: 12 }), (inputs) => {
        const memo = batchRouteParser();
        let last: unknown;
        for (const [drawn, repeat] of inputs) {
          // Half the time the same stops again, in a fresh array, as the next leg of a batch lists them.
          const value: unknown = repeat && last !== undefined ? structuredClone(last) : drawn;
          last = value;
          expect(outcome(() => memo(value, 'legs[0].route'))).toEqual(
            outcome(() => parseRoute(value, 'legs[0].route')),
          );
        }
      }),
    );
  });

  it('gives the same array for the same stops, and is not fooled by an input changed after parsing', () => {
    const memo = batchRouteParser();
    const input = [
      { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
      { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
    ];
    const first = memo(input, 'route');
    expect(memo(structuredClone(input), 'route')).toBe(first);
    (input[0] as { mspId: string }).mspId = 'PayCoMSP';
    const changed = memo(input, 'route');
    expect(changed).not.toBe(first);
    expect(changed).toEqual(parseRoute(input));
  });

  it('keeps routeText of a route array, equal to computing it', () => {
    const r: RouteStop[] = parseRoute([
      { mspId: 'BankAMSP', role: 'DEBTOR_AGENT' },
      { mspId: 'ClearingHouseMSP', role: 'CLEARING' },
      { mspId: 'BankBMSP', role: 'CREDITOR_AGENT' },
    ]);
    expect(textOfRoute(r)).toBe(routeText(r));
    expect(textOfRoute(r)).toBe('BankAMSP/DEBTOR_AGENT>ClearingHouseMSP/CLEARING>BankBMSP/CREDITOR_AGENT');
  });
});
