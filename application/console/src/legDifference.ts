/**
 * What sets a break's legs apart, worked out from the opened legs (pure, for the break screen): per match field
 * with more than one value, the legs outside the largest group that agrees (the odd ones out; none when no group
 * is larger than every other), and for the amount and the value date, by how much the odd leg differs from the
 * others. Amounts stay integers in minor units.
 */

export interface LegValues {
  readonly legId: string;
  readonly mspId: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface LegDifference {
  /** The legs that disagree with the largest agreeing group, by field. */
  readonly odd: Readonly<Record<string, readonly LegValues[]>>;
  /** The odd leg's amount minus the others', in minor units, when one leg stands apart in one currency. */
  readonly amountDelta?: { readonly leg: LegValues; readonly deltaMinor: bigint; readonly currency: string };
  /** The odd leg's value date minus the others', in days, when one leg stands apart. */
  readonly dateShiftDays?: { readonly leg: LegValues; readonly days: number };
}

/** A detail's value as text (fields are strings; anything else compares by its JSON). */
const textOf = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v));

export function legDifference(legs: readonly LegValues[], fields: readonly string[]): LegDifference {
  const odd: Record<string, LegValues[]> = {};
  const majority: Record<string, string> = {};
  for (const f of fields) {
    const groups = new Map<string, LegValues[]>();
    for (const l of legs) {
      const v = textOf(l.detail[f]);
      const group = groups.get(v);
      if (group) group.push(l);
      else groups.set(v, [l]);
    }
    if (groups.size < 2) continue;
    const sizes = [...groups.values()].map((g) => g.length).sort((a, b) => b - a);
    if (sizes[0] === sizes[1]) continue; // no group larger than every other: nobody is the odd one
    const [value] = [...groups.entries()].find(([, g]) => g.length === sizes[0]) ?? [''];
    majority[f] = value;
    odd[f] = legs.filter((l) => textOf(l.detail[f]) !== value);
  }
  const result: { -readonly [K in keyof LegDifference]: LegDifference[K] } = { odd };
  const amountOdd = odd.amountMinor;
  const currency = textOf(legs[0]?.detail.currency);
  const oneCurrency = legs.every((l) => textOf(l.detail.currency) === currency);
  if (amountOdd?.length === 1 && oneCurrency && majority.amountMinor !== undefined) {
    const leg = amountOdd[0] as LegValues;
    const mine = textOf(leg.detail.amountMinor);
    if (/^\d+$/.test(mine) && /^\d+$/.test(majority.amountMinor))
      result.amountDelta = { leg, deltaMinor: BigInt(mine) - BigInt(majority.amountMinor), currency };
  }
  const dateOdd = odd.valueDate;
  if (dateOdd?.length === 1 && majority.valueDate !== undefined) {
    const leg = dateOdd[0] as LegValues;
    const days =
      (Date.parse(`${textOf(leg.detail.valueDate)}T00:00:00Z`) -
        Date.parse(`${majority.valueDate}T00:00:00Z`)) /
      86_400_000;
    if (Number.isInteger(days)) result.dateShiftDays = { leg, days };
  }
  return result;
}
