import { parseArgs } from 'node:util';

import { LIMITS } from '../../chaincode/src/core/limits';
import { FLOOR_VARIANTS, isFloorVariant, type FloorVariant } from './floor/floorWrites';

/** What `npm run bench:fabric-floor` measures: a floor chaincode variant, or the product's own postLegs. */
export type FloorBenchVariant = FloorVariant | 'product';
export const FLOOR_BENCH_VARIANTS: readonly FloorBenchVariant[] = [...FLOOR_VARIANTS, 'product'];

export interface FloorBenchOptions {
  readonly variants: readonly FloorBenchVariant[];
  readonly inFlight: readonly number[];
  readonly batchLegs: number;
  /** Payment blocks per measurement: each is `batchLegs` payments, posted as three batches. */
  readonly blocks: number;
  /** Times the whole sweep runs, variants alternating within each in-flight count (noise shows). */
  readonly rounds: number;
  readonly smoke: boolean;
  readonly runDir?: string;
  readonly seed?: number;
}

function positiveInts(text: string, what: string, max = Number.MAX_SAFE_INTEGER): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  for (const v of values)
    if (!Number.isInteger(v) || v < 1 || v > max)
      throw new Error(`${what}: ${text} is not a list of 1..${max}`);
  return values;
}

function positiveInt(text: string | undefined, fallback: number, what: string, max?: number): number {
  return text === undefined ? fallback : (positiveInts(text, what, max)[0] as number);
}

/**
 * `npm run bench:fabric-floor -- [--variants perLeg,perBatch,perLegPrivate,batchPrivate,product] [--in-flight 1,2,4]
 * [--batch 500] [--blocks 8] [--rounds 1] [--smoke] [--run-dir <dir>] [--seed <n>]`. `--smoke`: batches of 50,
 * 2 blocks, 1 and 2 in flight, nothing written to bench/results.
 */
export function parseFloorOptions(argv: readonly string[]): FloorBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      variants: { type: 'string' },
      'in-flight': { type: 'string' },
      batch: { type: 'string' },
      blocks: { type: 'string' },
      rounds: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      'run-dir': { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const smoke = values.smoke;
  const variants = (values.variants?.split(',') ?? FLOOR_BENCH_VARIANTS).map((v) => v.trim());
  for (const v of variants)
    if (v !== 'product' && !isFloorVariant(v))
      throw new Error(`--variants: ${v} is not one of ${FLOOR_BENCH_VARIANTS.join(', ')}`);
  const seed = values.seed === undefined ? undefined : positiveInt(values.seed, 0, '--seed');
  return {
    variants: variants as FloorBenchVariant[],
    inFlight:
      values['in-flight'] === undefined
        ? smoke
          ? [1, 2]
          : [1, 2, 4]
        : positiveInts(values['in-flight'], '--in-flight', 64),
    batchLegs: positiveInt(values.batch, smoke ? 50 : 500, '--batch', LIMITS.batchLegsMax),
    blocks: positiveInt(values.blocks, smoke ? 2 : 8, '--blocks'),
    rounds: positiveInt(values.rounds, 1, '--rounds'),
    smoke,
    ...(values['run-dir'] === undefined ? {} : { runDir: values['run-dir'] }),
    ...(seed === undefined ? {} : { seed }),
  };
}
