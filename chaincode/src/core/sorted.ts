/**
 * A sorted copy of a short list. Array.prototype.sort allocates its own work arrays on every call, which for
 * the two to six items a case, a route or a party list holds costs more than the sorting; lists that arrive
 * already sorted (most of them) are only copied. Stable, like Array.prototype.sort.
 */
export function sortedCopy<T>(items: readonly T[], compare: (a: T, b: T) => number): T[] {
  const out = items.slice();
  for (let i = 1; i < out.length; i++) {
    const item = out[i] as T;
    let j = i - 1;
    while (j >= 0 && compare(out[j] as T, item) > 0) {
      out[j + 1] = out[j] as T;
      j--;
    }
    out[j + 1] = item;
  }
  return out;
}

/** String order as Array.prototype.sort() without a comparator has it for strings (UTF-16 code units). */
export const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
