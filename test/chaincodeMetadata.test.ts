import 'reflect-metadata';

import { JSONSerializer } from 'fabric-contract-api';
// fabric-shim's own dispatcher: the same code that runs the contracts on a peer and in the embedded network.
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract.js';
import { describe, expect, it } from 'vitest';

import { startBackend } from './support/backend';

import { contracts } from '../chaincode/src/index';

interface TxMeta {
  name: string;
  tag?: string[];
  parameters?: { name: string; schema: { type?: string } }[];
}

/**
 * fabric-contract-api learns parameter types from `design:paramtypes`, which only a compiler that emits
 * decorator metadata writes. Without it a numeric parameter arrives as a string and the metadata is empty,
 * so this test fails if the transform that runs the tests (SWC here) or the build (tsc) stops emitting it.
 */
describe('chaincode metadata', () => {
  const chaincode = new ChaincodeFromContract(
    [...contracts],
    { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
    {},
    'tallystick',
    '0.1.0',
  ) as unknown as {
    metadata: { contracts: Record<string, { transactions: TxMeta[] }> };
  };
  const txs = chaincode.metadata.contracts.reconciliation?.transactions ?? [];
  const byName = new Map(txs.map((t) => [t.name, t]));

  it('describes every transaction of the reconciliation contract', () => {
    expect([...byName.keys()].sort()).toEqual(
      [
        'assignBreak',
        'attachToBreak',
        'decideBreak',
        'getBreak',
        'getCase',
        'getHistory',
        'listNoticeKeys',
        'listOpenBreaks',
        'postLeg',
        'postLegs',
        'proposeResolution',
        'readCase',
        'readOwnLegs',
        'registerNoticeKey',
        'setBreakDue',
        'setServiceLevel',
        'sweep',
      ].sort(),
    );
  });

  it('knows each parameter’s type from the emitted decorator metadata', () => {
    expect(byName.get('sweep')?.parameters?.map((p) => [p.name, p.schema.type])).toEqual([
      ['limit', 'number'],
    ]);
    expect(byName.get('listOpenBreaks')?.parameters?.map((p) => [p.name, p.schema.type])).toEqual([
      ['mspId', 'string'],
      ['pageSize', 'number'],
      ['bookmark', 'string'],
    ]);
    // the assignee travels in the transient map, never as an argument (arguments are in the block)
    expect(byName.get('assignBreak')?.parameters?.map((p) => p.schema.type)).toEqual(['string']);
  });

  it('marks queries as evaluate-only and changes as submit', () => {
    expect(byName.get('getCase')?.tag).toContain('EVALUATE');
    expect(byName.get('readOwnLegs')?.tag).toContain('EVALUATE');
    expect(byName.get('postLegs')?.tag).toContain('SUBMIT');
  });

  it('describes the blacklist contract beside it, its queries evaluate-only and its changes submit', () => {
    const bl = new Map(
      (chaincode.metadata.contracts.blacklist?.transactions ?? []).map((t) => [t.name, t] as const),
    );
    expect([...bl.keys()].sort()).toEqual(
      [
        'approvePolicy',
        'confirmHit',
        'decideEvidenceRequest',
        'deliverEvidence',
        'disputeStep',
        'getAllowance',
        'getDispute',
        'getEntry',
        'getEvidenceRequest',
        'getEntryHistory',
        'getOwnEvidence',
        'getPolicy',
        'getProposal',
        'join',
        'listMembers',
        'openDispute',
        'proposePolicy',
        'purgeEvidence',
        'query',
        'queryLog',
        'requestEvidence',
        'subjectReport',
        'upload',
        'uploadBatch',
      ].sort(),
    );
    // Reads are evaluated; delivered evidence above all, which a submitted answer would put in a block.
    for (const name of [
      'getEntry',
      'getEntryHistory',
      'getOwnEvidence',
      'getPolicy',
      'queryLog',
      'getAllowance',
      'getDispute',
      'getEvidenceRequest',
      'deliverEvidence',
    ])
      expect(bl.get(name)?.tag, name).toContain('EVALUATE');
    // A query is recorded: it must be submitted.
    for (const name of [
      'query',
      'subjectReport',
      'upload',
      'uploadBatch',
      'approvePolicy',
      'confirmHit',
      'openDispute',
      'disputeStep',
      'purgeEvidence',
      'requestEvidence',
      'decideEvidenceRequest',
    ])
      expect(bl.get(name)?.tag, name).toContain('SUBMIT');
    expect(bl.get('getPolicy')?.parameters?.map((p) => [p.name, p.schema.type])).toEqual([
      ['version', 'number'],
    ]);
  });

  it('is served by the chaincode itself (org.hyperledger.fabric:GetMetadata), as a peer would serve it', async () => {
    // GetMetadata serialises an object through class-transformer; a version without classToPlain breaks it.
    const backend = await startBackend();
    try {
      const who = await backend.identity('audrey');
      const gateway = backend.gateway as unknown as {
        transport: { evaluate(w: unknown, c: unknown): Promise<Buffer> };
      };
      const payload = await gateway.transport.evaluate(who, {
        fcn: 'org.hyperledger.fabric:GetMetadata',
        args: [],
        transient: {},
      });
      const served = JSON.parse(payload.toString('utf8')) as {
        contracts: Record<string, { transactions: TxMeta[] }>;
      };
      expect(served.contracts.reconciliation?.transactions.map((t) => t.name).sort()).toEqual(
        [...byName.keys()].sort(),
      );
    } finally {
      await backend.stop();
    }
  });
});
