import { createHash } from 'node:crypto';

import { LIMITS } from '../../../chaincode/src/core/limits';

/**
 * The floor benchmark's chaincode logic (`npm run bench:fabric-floor`): the least ledger work a ledger of legs
 * can do for a batch, to measure what Fabric itself costs per leg on the live network, with no domain logic.
 * The batch is the product's own (`reconciliation:postLegs`' transient `legs`, the same JSON), and every write is
 * blind (no read: no read set to validate, no MVCC conflict).
 *
 * - `perLeg`: one public key per leg, its JSON as the value: the floor of a ledger that keeps each leg;
 * - `perBatch`: the whole batch under one key: the absolute floor (one write per transaction, whatever its legs);
 * - `perLegPrivate`: per leg, its JSON in the poster's implicit collection and its SHA-256 under a public key,
 *   as the product keeps a leg (private record, public digest), without the case logic;
 * - `batchPrivate`: the whole batch in the poster's implicit collection under one key, and each leg's SHA-256
 *   under its own public key: private like the product, one private write per batch instead of one per leg.
 */
export const FLOOR_VARIANTS = ['perLeg', 'perBatch', 'perLegPrivate', 'batchPrivate'] as const;
export type FloorVariant = (typeof FLOOR_VARIANTS)[number];

export type FloorWrite =
  | { readonly kind: 'state'; readonly key: string; readonly value: string }
  | { readonly kind: 'private'; readonly collection: string; readonly key: string; readonly value: string };

export function isFloorVariant(name: string): name is FloorVariant {
  return (FLOOR_VARIANTS as readonly string[]).includes(name);
}

/** Fabric's implicit per-organisation collection, which only that organisation's endorsement makes valid. */
export function implicitCollectionOf(mspId: string): string {
  return `_implicit_org_${mspId}`;
}

/** A leg's key: the poster's, then its own id (the product's idempotency key is the same pair). */
export function floorLegKey(mspId: string, legId: string): string {
  return `floor/leg/${mspId}/${legId}`;
}

/** A batch's key: the transaction id is unique on the channel, so batches never collide. */
export function floorBatchKey(mspId: string, txId: string): string {
  return `floor/batch/${mspId}/${txId}`;
}

/**
 * The writes of one batch, and its number of legs. `legsJson` is checked only as far as the writes need: a JSON
 * array of 1..batchLegsMax objects, each with a non-empty string `legId`, no id twice (two writes to one key would
 * keep only the last). Throws an Error naming the first problem.
 */
export function floorWrites(
  variant: FloorVariant,
  legsJson: string,
  mspId: string,
  txId: string,
): { readonly legs: number; readonly writes: FloorWrite[] } {
  const legs = parseLegs(legsJson);
  const ids = legIdsOf(legs);
  const at = (i: number): { key: string; value: string } => ({
    key: floorLegKey(mspId, ids[i] as string),
    value: JSON.stringify(legs[i]),
  });
  const digest = (text: string): string => createHash('sha256').update(text).digest('hex');
  switch (variant) {
    case 'perBatch':
      return {
        legs: legs.length,
        writes: [{ kind: 'state', key: floorBatchKey(mspId, txId), value: legsJson }],
      };
    case 'perLeg':
      return { legs: legs.length, writes: legs.map((_, i) => ({ kind: 'state', ...at(i) })) };
    case 'perLegPrivate':
      return {
        legs: legs.length,
        writes: legs.flatMap((_, i): FloorWrite[] => {
          const { key, value } = at(i);
          return [
            { kind: 'private', collection: implicitCollectionOf(mspId), key, value },
            { kind: 'state', key, value: digest(value) },
          ];
        }),
      };
    case 'batchPrivate':
      return {
        legs: legs.length,
        writes: [
          {
            kind: 'private',
            collection: implicitCollectionOf(mspId),
            key: floorBatchKey(mspId, txId),
            value: legsJson,
          },
          ...legs.map((_, i): FloorWrite => {
            const { key, value } = at(i);
            return { kind: 'state', key, value: digest(value) };
          }),
        ],
      };
  }
}

function parseLegs(legsJson: string): unknown[] {
  let legs: unknown;
  try {
    legs = JSON.parse(legsJson);
  } catch {
    throw new Error('legs is not valid JSON');
  }
  if (!Array.isArray(legs) || legs.length === 0) throw new Error('legs must be a non-empty JSON array');
  if (legs.length > LIMITS.batchLegsMax)
    throw new Error(`a batch holds at most ${LIMITS.batchLegsMax} legs, got ${legs.length}`);
  return legs as unknown[];
}

/** Each leg's id: a non-empty string, none twice. */
function legIdsOf(legs: readonly unknown[]): string[] {
  const seen = new Set<string>();
  return legs.map((leg, i) => {
    const legId = typeof leg === 'object' && leg !== null ? (leg as { legId?: unknown }).legId : undefined;
    if (typeof legId !== 'string' || legId === '')
      throw new Error(`legs[${i}].legId must be a non-empty string`);
    if (seen.has(legId)) throw new Error(`legs[${i}].legId ${legId} repeats an earlier leg`);
    seen.add(legId);
    return legId;
  });
}

/** The floor chaincode's name on the channel, and the folder its servers load (relative to the repository). */
export const FLOOR_CHAINCODE = 'floor';
export const FLOOR_MODULE = 'bench/src/floor';
