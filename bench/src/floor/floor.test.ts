import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EmbeddedNetwork, type Identity } from '../../../network/embedded/src/index';
import { FloorContract } from './floorContract';
import { floorBatchKey, floorLegKey, floorWrites, implicitCollectionOf } from './floorWrites';

const legs = [
  { legId: 'L1', amountMinor: '100', currency: 'CNY' },
  { legId: 'L2', amountMinor: '250', currency: 'HKD' },
];
const json = JSON.stringify(legs);

describe('floorWrites: the least a ledger of legs writes', () => {
  it('perLeg: one public key per leg, its JSON as the value', () => {
    expect(floorWrites('perLeg', json, 'BankAMSP', 'tx1')).toEqual({
      legs: 2,
      writes: [
        { kind: 'state', key: 'floor/leg/BankAMSP/L1', value: JSON.stringify(legs[0]) },
        { kind: 'state', key: 'floor/leg/BankAMSP/L2', value: JSON.stringify(legs[1]) },
      ],
    });
  });

  it('perBatch: the whole batch under one key named by the transaction', () => {
    expect(floorWrites('perBatch', json, 'BankAMSP', 'tx1')).toEqual({
      legs: 2,
      writes: [{ kind: 'state', key: 'floor/batch/BankAMSP/tx1', value: json }],
    });
  });

  it("perLegPrivate: per leg, its JSON in the poster's implicit collection and its SHA-256 in public", () => {
    const { legs: n, writes } = floorWrites('perLegPrivate', json, 'PayCoMSP', 'tx1');
    expect(n).toBe(2);
    expect(writes).toHaveLength(4);
    expect(writes[0]).toEqual({
      kind: 'private',
      collection: '_implicit_org_PayCoMSP',
      key: 'floor/leg/PayCoMSP/L1',
      value: JSON.stringify(legs[0]),
    });
    expect(writes[1]).toEqual({
      kind: 'state',
      key: 'floor/leg/PayCoMSP/L1',
      // sha256 of '{"legId":"L1","amountMinor":"100","currency":"CNY"}' (sha256sum agrees)
      value: '7c04612fba79cf09fef6067f5594aae835b6a07c98fea94e7ea300d3922eea85',
    });
    expect(writes.map((w) => `${w.kind} ${w.key}`)).toEqual([
      'private floor/leg/PayCoMSP/L1',
      'state floor/leg/PayCoMSP/L1',
      'private floor/leg/PayCoMSP/L2',
      'state floor/leg/PayCoMSP/L2',
    ]);
  });

  it("batchPrivate: the batch in the poster's implicit collection, each leg's SHA-256 under its public key", () => {
    const { legs: n, writes } = floorWrites('batchPrivate', json, 'PayCoMSP', 'tx9');
    expect(n).toBe(2);
    expect(writes[0]).toEqual({
      kind: 'private',
      collection: '_implicit_org_PayCoMSP',
      key: 'floor/batch/PayCoMSP/tx9',
      value: json,
    });
    expect(writes.slice(1)).toEqual([
      {
        kind: 'state',
        key: 'floor/leg/PayCoMSP/L1',
        value: '7c04612fba79cf09fef6067f5594aae835b6a07c98fea94e7ea300d3922eea85',
      },
      {
        kind: 'state',
        key: 'floor/leg/PayCoMSP/L2',
        value: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      },
    ]);
  });

  it('refuses what it cannot key, naming the first problem', () => {
    const refused = (text: string) => () => floorWrites('perLeg', text, 'BankAMSP', 'tx');
    expect(refused('not json')).toThrow('legs is not valid JSON');
    expect(refused('{}')).toThrow('legs must be a non-empty JSON array');
    expect(refused('[]')).toThrow('legs must be a non-empty JSON array');
    expect(refused('[{"legId":"a"},{"legId":""}]')).toThrow('legs[1].legId must be a non-empty string');
    expect(refused('[{"legId":"a"},7]')).toThrow('legs[1].legId must be a non-empty string');
    expect(refused('[{"legId":"a"},{"legId":"a"}]')).toThrow('legs[1].legId a repeats an earlier leg');
    const many = JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ legId: `l${i}` })));
    expect(refused(many)).toThrow('a batch holds at most 1000 legs, got 1001');
  });
});

// The contract on the embedded network (fabric-shim's own stub and dispatcher, as on a peer): what `post` writes
// is on the ledger after commit, publicly or in the poster's implicit collection.
describe('FloorContract on the embedded network', () => {
  let dataDir: string;
  let net: EmbeddedNetwork;
  let poster: Identity;
  let other: Identity;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'floor-'));
    net = await EmbeddedNetwork.start({
      dataDir,
      channel: 'floor',
      organisations: ['BankAMSP', 'BankBMSP'],
      chaincode: { name: 'floor', version: '0.1.0', contracts: [FloorContract] },
      ordering: { maxTxPerBlock: 10, batchTimeoutMs: 5 },
      durability: 'none',
    });
    await net.ca('BankAMSP').register('poster', 'poster-pw', {}, 'client');
    await net.ca('BankBMSP').register('other', 'other-pw', {}, 'client');
    poster = await net.ca('BankAMSP').enroll('poster', 'poster-pw');
    other = await net.ca('BankBMSP').enroll('other', 'other-pw');
  });

  afterAll(async () => {
    await net.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (variant: string, batch: unknown[]) =>
    net.submit(poster, { fcn: 'floor:post', args: [variant], transient: { legs: JSON.stringify(batch) } });
  const read = (key: string, who = poster) =>
    net.evaluate(who, { fcn: 'floor:read', args: [key] }).then((b) => b.toString());

  it('perLeg commits one key per leg and answers the number of legs', async () => {
    const r = await post('perLeg', [{ legId: 'a1' }, { legId: 'a2', note: 'x' }]);
    expect(r.result.toString()).toBe('2');
    expect(await read(floorLegKey('BankAMSP', 'a2'), other)).toBe('{"legId":"a2","note":"x"}');
  });

  it('perBatch commits the batch under its transaction id', async () => {
    const batch = [{ legId: 'b1' }, { legId: 'b2' }, { legId: 'b3' }];
    const r = await post('perBatch', batch);
    expect(r.result.toString()).toBe('3');
    expect(await read(floorBatchKey('BankAMSP', r.txId))).toBe(JSON.stringify(batch));
  });

  it("perLegPrivate keeps the leg in the poster's collection and its digest in public", async () => {
    await post('perLegPrivate', [{ legId: 'c1' }]);
    const key = floorLegKey('BankAMSP', 'c1');
    expect(await read(key, other)).toMatch(/^[0-9a-f]{64}$/);
    const own = await net.evaluate(poster, { fcn: 'floor:readPrivate', args: [key] });
    expect(own.toString()).toBe('{"legId":"c1"}');
    expect(implicitCollectionOf('BankAMSP')).toBe('_implicit_org_BankAMSP');
  });

  it('batchPrivate keeps the batch in the collection under its transaction id', async () => {
    const batch = [{ legId: 'e1' }, { legId: 'e2' }];
    const r = await post('batchPrivate', batch);
    expect(r.result.toString()).toBe('2');
    const own = await net.evaluate(poster, {
      fcn: 'floor:readPrivate',
      args: [floorBatchKey('BankAMSP', r.txId)],
    });
    expect(own.toString()).toBe(JSON.stringify(batch));
    expect(await read(floorLegKey('BankAMSP', 'e2'), other)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an unknown variant and a missing batch, and writes nothing', async () => {
    await expect(post('perNothing', [{ legId: 'd1' }])).rejects.toThrow(
      /variant must be one of perLeg, perBatch/,
    );
    await expect(net.submit(poster, { fcn: 'floor:post', args: ['perLeg'] })).rejects.toThrow(
      /transient field 'legs' is required/,
    );
    expect(await read(floorLegKey('BankAMSP', 'd1'))).toBe('');
  });
});
