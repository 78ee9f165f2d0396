import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Context, Contract, Info, Transaction } from 'fabric-contract-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConsortium } from '../application/src/ledger/consortium';
import type { LegIndexRecord } from '../chaincode/src/contract/caseRecord';
import { ReconciliationContract } from '../chaincode/src/contract/reconciliationContract';
import { canonicalJson } from '../chaincode/src/ledger/codec';
import { caseIdOf, keys } from '../chaincode/src/ledger/keys';
import { EmbeddedNetwork, type Identity } from '../network/embedded/src/index';
import { paymentLegs } from './support/legs';

/**
 * Rewrites a posted leg into the layout ledgers had before 2026-11-27: its record without the sealed copy,
 * and the sealed copy under a key of its own. Test-only; the reconciliation contract never writes this.
 */
@Info({ title: 'LegacyLegLayout', description: 'puts a leg back into the earlier ledger layout' })
class LegacyLegLayout extends Contract {
  constructor() {
    super('legacy');
  }

  @Transaction()
  async unmerge(ctx: Context, mspId: string, legId: string): Promise<void> {
    const key = keys.leg(mspId, legId);
    const { sealed, ...rest } = JSON.parse((await ctx.stub.getState(key)).toString()) as LegIndexRecord;
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
}

describe('a ledger written before the sealed copy moved into the leg record', () => {
  let dataDir: string;
  let network: EmbeddedNetwork;
  let bankA: Identity;
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
    clearing = await enrol('ClearingHouseMSP', 'legacy-c');
  });

  afterAll(async () => {
    await network.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('still opens every leg for the parties: old layout and new side by side in one case', async () => {
    const p = paymentLegs();
    await network.submit(bankA, {
      fcn: 'reconciliation:postLegs',
      transient: { legs: JSON.stringify([p.debit]) },
    });
    await network.submit(bankA, { fcn: 'legacy:unmerge', args: ['BankAMSP', p.debit.legId] });
    await network.submit(clearing, {
      fcn: 'reconciliation:postLegs',
      transient: { legs: JSON.stringify([p.entry]) },
    });

    const read = async () =>
      JSON.parse(
        (
          await network.evaluate(clearing, {
            fcn: 'reconciliation:readCase',
            transient: { reference: p.reference },
          })
        ).toString(),
      ) as { legs: { legId: string; detail: { amountMinor: string; reference: string } }[] };
    const opened = await read();
    expect(opened.legs.map((l) => [l.legId, l.detail.amountMinor, l.detail.reference])).toEqual([
      [p.debit.legId, '1234567', p.reference],
      [p.entry.legId, '1234567', p.reference],
    ]);

    // With neither copy the leg is reported missing, never skipped.
    await network.submit(bankA, {
      fcn: 'legacy:dropLegacy',
      args: [caseIdOf(p.reference), 'BankAMSP', p.debit.legId],
    });
    await expect(read()).rejects.toThrow(/LEG_NOT_FOUND/);
  });
});
