/**
 * Canonical JSON: object keys sorted, bigint as a decimal string, no undefined. Every endorsing peer must write
 * byte-identical values, so every value on the ledger goes through here.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalise(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = normalise(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new Error('canonicalJson: non-finite number');
  return value;
}

export function encode(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Decodes a value this chaincode wrote; the caller names the record type it stored under that key. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
