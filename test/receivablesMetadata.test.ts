import 'reflect-metadata';

import { JSONSerializer } from 'fabric-contract-api';
// fabric-shim's own dispatcher: the same code that runs the contracts on a peer and in the embedded network.
import ChaincodeFromContract from 'fabric-shim/lib/contract-spi/chaincodefromcontract.js';
import { describe, expect, it } from 'vitest';

import { contracts } from '../chaincode/src/index';

interface TxMeta {
  name: string;
  tag?: string[];
  parameters?: { name: string; schema: { type?: string } }[];
}

describe('receivables chaincode metadata', () => {
  const chaincode = new ChaincodeFromContract(
    [...contracts],
    { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } },
    {},
    'tallystick',
    '0.1.0',
  ) as unknown as { metadata: { contracts: Record<string, { transactions: TxMeta[] }> } };

  it('describes the receivables contract, the third of the package: reads evaluate-only, changes submit, ids as strings', () => {
    const tx = new Map(
      (chaincode.metadata.contracts.receivables?.transactions ?? []).map((t) => [t.name, t] as const),
    );
    const reads = [
      'getFinancing',
      'getMove',
      'getPart',
      'getPayment',
      'getToken',
      'getTrade',
      'indexRecords',
      'listForIndex',
      'screeningSubjects',
      'getPolicy',
      'listPolicyProposals',
    ];
    const changes = [
      'answerFinancing',
      'answerIssue',
      'approvePolicy',
      'proposePolicy',
      'confirmTrade',
      'offerFinancing',
      'proposeIssue',
      'proposeMove',
      'recordPayment',
      'registerTrade',
      'signIssue',
      'signMove',
      'sweepOverdue',
      'withdrawOffer',
    ];
    expect([...tx.keys()].sort()).toEqual([...reads, ...changes].sort());
    for (const name of reads) expect(tx.get(name)?.tag, name).toContain('EVALUATE');
    for (const name of changes) expect(tx.get(name)?.tag, name).toContain('SUBMIT');
    expect(tx.get('answerIssue')?.parameters?.map((p) => [p.name, p.schema.type])).toEqual([
      ['tokenId', 'string'],
      ['answer', 'string'],
      ['reason', 'string'],
    ]);
    expect(Object.keys(chaincode.metadata.contracts)).toEqual(
      expect.arrayContaining(['reconciliation', 'blacklist', 'receivables']),
    );
  });
});
