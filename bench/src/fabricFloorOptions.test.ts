import { describe, expect, it } from 'vitest';

import { parseFloorOptions } from './fabricFloorOptions';

describe('npm run bench:fabric-floor options', () => {
  it('measures every variant and the product at 1, 2 and 4 batches of 500 in flight by default', () => {
    expect(parseFloorOptions([])).toEqual({
      variants: ['perLeg', 'perBatch', 'perLegPrivate', 'batchPrivate', 'product'],
      inFlight: [1, 2, 4],
      batchLegs: 500,
      blocks: 8,
      rounds: 1,
      smoke: false,
    });
  });

  it('--smoke: small batches, 1 and 2 in flight; given values win', () => {
    expect(parseFloorOptions(['--smoke'])).toMatchObject({ inFlight: [1, 2], batchLegs: 50, blocks: 2 });
    expect(
      parseFloorOptions([
        '--smoke',
        '--variants',
        'perBatch, product',
        '--in-flight',
        '4',
        '--batch',
        '1000',
        '--rounds',
        '2',
        '--run-dir',
        '/tmp/x',
        '--seed',
        '7',
      ]),
    ).toEqual({
      variants: ['perBatch', 'product'],
      inFlight: [4],
      batchLegs: 1000,
      blocks: 2,
      rounds: 2,
      smoke: true,
      runDir: '/tmp/x',
      seed: 7,
    });
  });

  it('refuses what it cannot measure, naming the option', () => {
    expect(() => parseFloorOptions(['--variants', 'perLeg,perCase'])).toThrow(
      /--variants: perCase is not one of/,
    );
    expect(() => parseFloorOptions(['--in-flight', '1,0'])).toThrow(
      /--in-flight: 1,0 is not a list of 1..64/,
    );
    expect(() => parseFloorOptions(['--batch', '1001'])).toThrow(/--batch: 1001 is not a list of 1..1000/);
    expect(() => parseFloorOptions(['--blocks', 'many'])).toThrow(/--blocks/);
    expect(() => parseFloorOptions(['--fast'])).toThrow(/Unknown option '--fast'/);
  });
});
