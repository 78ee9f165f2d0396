import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Context, Contract, Info, Transaction } from 'fabric-contract-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConsortium } from '../application/src/ledger/consortium';
import type { CaseRecord } from '../chaincode/src/api/reconciliation';
import { decodeCaseRecord, type LegIndexRecord } from '../chaincode/src/contract/caseRecord';
import { ReconciliationContract } from '../chaincode/src/contract/reconciliationContract';
import { canonicalJson } from '../chaincode/src/ledger/codec';
import { caseIdOf, implicitCollection, keys } from '../chaincode/src/ledger/keys';
import { SealNonces, seal, unseal } from '../chaincode/src/ledger/seal';
import { EmbeddedNetwork, type Identity } from '../network/embedded/src/index';
import { paymentLegs } from './support/legs';

const readJson = async <T>(ctx: Context, key: string): Promise<T> => {
  const bytes = await ctx.stub.getState(key);
  if (bytes.length === 0) throw new Error(`${key} does not exist`);
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
};

/**
 * Rewrites what the reconciliation contract wrote into the layouts of earlier ledgers. Test-only; the
 * reconciliation contract never writes these. Each transaction is endorsed by the leg's own institution, whose
 * peer holds the leg as posted in that institution's implicit collection.
 *
 * - Before 2026-11-27: the leg record without a sealed copy; the whole leg sealed under a key of its own.
 * - 2026-11-27: the whole leg sealed in the leg record (`sealed`).
 * - Before 2026-11-28: the case record with every leg as a full object (no stored format).
 */
@Info({ title: 'LegacyLegLayout', description: 'puts ledger records back into earlier layouts' })
class LegacyLegLayout extends Contract {
  constructor() {
    super('legacy');
  }

  /** The 2026-11-27 layout: the whole leg, as posted, sealed in the leg record. */
  @Transaction()
  async sealWholeLeg(ctx: Context, mspId: string, legId: string): Promise<void> {
    const key = keys.leg(mspId, legId);
    const {
      sealedDetail: _d,
      baseLeg: _b,
      sealedDiff: _f,
      ...rest
    } = await readJson<LegIndexRecord>(ctx, key);
    const posted = Buffer.from(
      await ctx.stub.getPrivateData(implicitCollection(mspId), keys.legRecord(rest.caseId, legId)),
    ).toString('utf8');
    const reference = (JSON.parse(posted) as { reference: string }).reference;
    const sealed = seal(reference, rest.caseId, new SealNonces(ctx.stub.getTxID()).next(), posted);
    await ctx.stub.putState(key, Buffer.from(canonicalJson({ ...rest, sealed })));
  }

  /** The layout before 2026-11-27, from the 2026-11-27 one. */
  @Transaction()
  async unmerge(ctx: Context, mspId: string, legId: string): Promise<void> {
    const key = keys.leg(mspId, legId);
    const { sealed, ...rest } = await readJson<LegIndexRecord>(ctx, key);
    if (sealed === undefined) throw new Error(`${key} has no sealed copy`);
    await ctx.stub.putState(key, Buffer.from(canonicalJson(rest)));
    await ctx.stub.putState(
      keys.legacySealedLeg(rest.caseId, mspId, legId),
      Buffer.from(canonicalJson({ sealed })),
    );
  }

  @Transaction()
  async dropLegacy(ctx: Context, caseId: string, mspId: string, legId: string): Promise<void> {
    await ctx.stub.deleteState(keys.legacySealedLeg(caseId, mspId, legId));
  }

  /** The case record as it was stored before the compact format: the full record. */
  @Transaction()
  async fullCaseRecord(ctx: Context, caseId: string): Promise<void> {
    const stored = await readJson<unknown>(ctx, keys.case(caseId));
    await ctx.stub.putState(keys.case(caseId), Buffer.from(canonicalJson(decodeCaseRecord(stored))));
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

describe('ledgers written in earlier layouts', () => {
  let dataDir: string;
  let network: EmbeddedNetwork;
  let bankA: Identity;
  let bankB: Identity;
  let clearing: Identity;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tallystick-legacy-'));
    const consortium = loadConsortium();
    network = await EmbeddedNetwork.start({
      dataDir,
      channel: consortium.channel,
      organisations: consortium.organisations.map((o) => o.mspId),
      chaincode: {
        name: consortium.chaincode.name,
        version: consortium.chaincode.version,
        contracts: [ReconciliationContract, LegacyLegLayout],
      },
      durability: 'none',
    });
    const enrol = async (mspId: string, id: string) => {
      const ca = network.ca(mspId);
      await ca.register(id, `${id}-pw`, { roles: 'submitter,reconciler' }, 'client');
      return ca.enroll(id, `${id}-pw`);
    };
    bankA = await enrol('BankAMSP', 'legacy-a');
    bankB = await enrol('BankBMSP', 'legacy-b');
    clearing = await enrol('ClearingHouseMSP', 'legacy-c');
  });

  afterAll(async () => {
    await network.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (who: Identity, leg: unknown) =>
    network.submit(who, { fcn: 'reconciliation:postLegs', transient: { legs: JSON.stringify([leg]) } });
  const legacy = (who: Identity, fcn: string, ...args: string[]) =>
    network.submit(who, { fcn: `legacy:${fcn}`, args });
  const query = async <T>(who: Identity, fcn: string, args: string[], transient?: Record<string, string>) =>
    JSON.parse(
      (await network.evaluate(who, { fcn: `reconciliation:${fcn}`, args, transient })).toString(),
    ) as T;
  const readCase = (who: Identity, reference: string) =>
    query<{
      case: CaseRecord;
      legs: { legId: string; digests: Record<string, string>; detail: Record<string, unknown> }[];
    }>(who, 'readCase', [], { reference });

  it('matches and opens a case whose legs were written in three layouts, its record in two formats', async () => {
    const p = paymentLegs();
    const caseId = caseIdOf(p.reference);
    // The debit in the first layout, the case record in the full format.
    await post(bankA, p.debit);
    await legacy(bankA, 'sealWholeLeg', 'BankAMSP', p.debit.legId);
    await legacy(bankA, 'unmerge', 'BankAMSP', p.debit.legId);
    await legacy(bankA, 'fullCaseRecord', caseId);
    // The clearing entry goes into a full-format record, and is then put into the second layout.
    await post(clearing, p.entry);
    await legacy(clearing, 'sealWholeLeg', 'ClearingHouseMSP', p.entry.legId);
    await legacy(clearing, 'fullCaseRecord', caseId);
    // The credit in today's layout.
    await post(bankB, p.credit);

    const record = await query<CaseRecord>(bankB, 'getCase', [caseId]);
    expect(record.status).toBe('MATCHED');
    expect(record.legs.map((l) => l.legId)).toEqual([p.debit.legId, p.entry.legId, p.credit.legId]);
    // The digests of the legs matched field for field, whichever format carried them.
    for (const l of record.legs) expect(l.digests).toEqual(record.legs[0]?.digests);

    const opened = await readCase(clearing, p.reference);
    expect(
      opened.legs.map((l) => [l.legId, l.detail.amountMinor, l.detail.reference, l.detail.branch]),
    ).toEqual([
      [p.debit.legId, '1234567', p.reference, '0001'],
      [p.entry.legId, '1234567', p.reference, undefined],
      [p.credit.legId, '1234567', p.reference, '0101'],
    ]);
    // Today's layout rebuilds the whole leg as posted, exactly as the older layouts seal it.
    const { legId: _, ...creditDetail } = opened.legs[2]?.detail ?? {};
    expect(creditDetail).toEqual({
      amountMinor: '1234567',
      branch: '0101',
      currency: 'CNY',
      mspId: 'BankBMSP',
      outcome: 'SETTLED',
      payeeRef: p.credit.payeeRef,
      payerRef: p.credit.payerRef,
      reference: p.reference,
      role: 'CREDITOR_AGENT',
      route: p.credit.route,
      valueDate: '2026-11-27',
    });

    // Every version of the case, newest first, reads as a full record, in whichever format it was stored.
    const versions = await query<{ value: CaseRecord }[]>(bankA, 'getHistory', ['case', caseId]);
    expect(versions.map((v) => v.value.legs.length)).toEqual([3, 2, 2, 1, 1]);
    for (const v of versions) for (const l of v.value.legs) expect(l.route).toEqual(p.debit.route);

    // With neither copy the first-layout leg is reported missing, never skipped.
    await legacy(bankA, 'dropLegacy', caseId, 'BankAMSP', p.debit.legId);
    await expect(readCase(clearing, p.reference)).rejects.toThrow(/LEG_NOT_FOUND/);
  });

  it('seals a later leg only where it differs from the first, and opens every leg whole', async () => {
    const p = paymentLegs();
    const credit = { ...p.credit, amountMinor: '1234500', payeeRef: '6217000011110000000' };
    await post(bankA, p.debit);
    await post(clearing, p.entry);
    await post(bankB, credit);
    const raw = async (who: Identity, mspId: string, legId: string) =>
      JSON.parse(
        (await network.evaluate(who, { fcn: 'legacy:rawLeg', args: [mspId, legId] })).toString(),
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
    const diff = JSON.parse(
      unseal(p.reference, caseIdOf(p.reference), sealedCredit.sealedDiff as string),
    ) as Record<string, unknown>;
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
      case: { caseId: caseIdOf(p.reference) },
    });
    await legacy(clearing, 'forgeDetail', 'ClearingHouseMSP', p.entry.legId);
    await expect(readCase(bankA, p.reference)).rejects.toThrow(/do not rebuild the leg as posted/);
  });
});
