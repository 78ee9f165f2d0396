import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Context, Contract, Info, Transaction } from 'fabric-contract-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConsortium } from '../application/src/ledger/consortium';
import type { CaseRecord } from '../chaincode/src/api/reconciliation';
import type { LegIndexRecord } from '../chaincode/src/contract/caseRecord';
import { ReconciliationContract } from '../chaincode/src/contract/reconciliationContract';
import { canonicalJson } from '../chaincode/src/ledger/codec';
import { implicitCollection, keys } from '../chaincode/src/ledger/keys';
import { SealNonces, seal, unseal } from '../chaincode/src/ledger/seal';
import { EmbeddedNetwork, type Identity } from '../network/embedded/src/index';
import { paymentLegs } from './support/legs';

const readJson = async <T>(ctx: Context, key: string): Promise<T> => {
  const bytes = await ctx.stub.getState(key);
  if (bytes.length === 0) throw new Error(`${key} does not exist`);
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
};

/**
 * Reads and tampers with what the reconciliation contract wrote. Test-only: each transaction is endorsed by the
 * leg's own institution, whose peer holds the leg as posted in that institution's implicit collection.
 */
@Info({ title: 'LegRecordProbe', description: 'reads and forges leg records' })
class LegRecordProbe extends Contract {
  constructor() {
    super('probe');
  }

  /** A leg's public record as stored. */
  @Transaction(false)
  async rawLeg(ctx: Context, mspId: string, legId: string): Promise<string> {
    return JSON.stringify(await readJson<LegIndexRecord>(ctx, keys.leg(mspId, legId)));
  }

  /** Seals details that are not the leg as posted (a record no chaincode of ours writes). */
  @Transaction()
  async forgeDetail(ctx: Context, mspId: string, legId: string): Promise<void> {
    const key = keys.leg(mspId, legId);
    const record = await readJson<LegIndexRecord>(ctx, key);
    const posted = JSON.parse(
      Buffer.from(
        await ctx.stub.getPrivateData(implicitCollection(mspId), keys.legRecord(record.caseId, legId)),
      ).toString('utf8'),
    ) as Record<string, unknown>;
    const forged = {
      amountMinor: '1',
      branch: posted.branch,
      currency: posted.currency,
      outcome: posted.outcome,
      payeeRef: posted.payeeRef,
      payerRef: posted.payerRef,
      valueDate: posted.valueDate,
    };
    const sealedDetail = seal(
      posted.reference as string,
      record.caseId,
      new SealNonces(ctx.stub.getTxID()).next(),
      canonicalJson(forged),
    );
    await ctx.stub.putState(key, Buffer.from(canonicalJson({ ...record, sealedDetail })));
  }
}

describe('sealed leg records', () => {
  let dataDir: string;
  let network: EmbeddedNetwork;
  let bankA: Identity;
  let bankB: Identity;
  let clearing: Identity;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tallystick-sealed-'));
    const consortium = loadConsortium();
    network = await EmbeddedNetwork.start({
      dataDir,
      channel: consortium.channel,
      organisations: consortium.organisations.map((o) => o.mspId),
      chaincode: {
        name: consortium.chaincode.name,
        version: consortium.chaincode.version,
        contracts: [ReconciliationContract, LegRecordProbe],
      },
      durability: 'none',
    });
    const enrol = async (mspId: string, id: string) => {
      const ca = network.ca(mspId);
      await ca.register(id, `${id}-pw`, { roles: 'submitter,reconciler' }, 'client');
      return ca.enroll(id, `${id}-pw`);
    };
    bankA = await enrol('BankAMSP', 'sealed-a');
    bankB = await enrol('BankBMSP', 'sealed-b');
    clearing = await enrol('ClearingHouseMSP', 'sealed-c');
  });

  afterAll(async () => {
    await network.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (who: Identity, leg: unknown) =>
    network.submit(who, { fcn: 'reconciliation:postLegs', transient: { legs: JSON.stringify([leg]) } });
  const probe = (who: Identity, fcn: string, ...args: string[]) =>
    network.submit(who, { fcn: `probe:${fcn}`, args });
  const query = async <T>(who: Identity, fcn: string, args: string[], transient?: Record<string, string>) =>
    JSON.parse(
      (await network.evaluate(who, { fcn: `reconciliation:${fcn}`, args, transient })).toString(),
    ) as T;
  const readCase = (who: Identity, reference: string) =>
    query<{
      case: CaseRecord;
      legs: { legId: string; digests: Record<string, string>; detail: Record<string, unknown> }[];
    }>(who, 'readCase', [''], { reference });

  it('seals a later leg only where it differs from the first, and opens every leg whole', async () => {
    const p = paymentLegs();
    const credit = { ...p.credit, amountMinor: '1234500', payeeRef: '6217000011110000000' };
    await post(bankA, p.debit);
    await post(clearing, p.entry);
    await post(bankB, credit);
    const raw = async (who: Identity, mspId: string, legId: string) =>
      JSON.parse(
        (await network.evaluate(who, { fcn: 'probe:rawLeg', args: [mspId, legId] })).toString(),
      ) as LegIndexRecord;
    const first = `BankAMSP:${p.debit.legId}`;
    // The first leg seals its details; the clearing entry matches it and has no branch: nothing is sealed.
    const debit = await raw(bankA, 'BankAMSP', p.debit.legId);
    expect(typeof debit.sealedDetail).toBe('string');
    expect(debit.baseLeg).toBeUndefined();
    const entry = await raw(clearing, 'ClearingHouseMSP', p.entry.legId);
    expect(entry.baseLeg).toBe(first);
    expect(entry.sealedDetail).toBeUndefined();
    expect(entry.sealedDiff).toBeUndefined();
    // The credit seals its two differing fields and its branch, nothing else.
    const sealedCredit = await raw(bankB, 'BankBMSP', credit.legId);
    expect(sealedCredit.baseLeg).toBe(first);
    const diff = JSON.parse(unseal(p.reference, p.caseId, sealedCredit.sealedDiff as string)) as Record<
      string,
      unknown
    >;
    expect(diff).toEqual({ amountMinor: '1234500', branch: '0101', payeeRef: '6217000011110000000' });

    const opened = await readCase(clearing, p.reference);
    expect(
      opened.legs.map((l) => [l.legId, l.detail.amountMinor, l.detail.payeeRef, l.detail.branch]),
    ).toEqual([
      [p.debit.legId, '1234567', p.debit.payeeRef, '0001'],
      [p.entry.legId, '1234567', p.entry.payeeRef, undefined],
      [credit.legId, '1234500', '6217000011110000000', '0101'],
    ]);
    expect(opened.case.status).toBe('BROKEN');
  });

  it('refuses to open sealed details that do not rebuild the leg as posted', async () => {
    const p = paymentLegs();
    await post(bankA, p.debit);
    await post(clearing, p.entry);
    await expect(readCase(clearing, p.reference)).resolves.toMatchObject({
      case: { caseId: p.caseId },
    });
    await probe(clearing, 'forgeDetail', 'ClearingHouseMSP', p.entry.legId);
    await expect(readCase(bankA, p.reference)).rejects.toThrow(/do not rebuild the leg as posted/);
  });
});
