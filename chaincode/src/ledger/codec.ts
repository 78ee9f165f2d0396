/**
 * Canonical JSON: object keys sorted, bigint as a decimal string, no undefined. Every endorsing peer must write
 * byte-identical values, so every value on the ledger goes through here.
 */
export function canonicalJson(value: unknown): string {
  const out = write(value);
  if (out === undefined) throw new Error('canonicalJson: nothing to encode');
  return out;
}

// Builds the text directly (no normalised copy of the value): this runs for every value the chaincode writes.
function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `"${value.toString()}"`;
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((v: unknown) => write(v) ?? 'null').join(',')}]`;
      const record = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(record).sort()) {
        const v = write(record[k]);
        if (v !== undefined) parts.push(`${JSON.stringify(k)}:${v}`);
      }
      return `{${parts.join(',')}}`;
    }
  }
}

export function encode(value: unknown): Uint8Array {
  return Buffer.from(canonicalJson(value), 'utf8');
}

/** Decodes a value this chaincode wrote; the caller names the record type it stored under that key. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
export function decode<T>(bytes: Uint8Array): T {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}
