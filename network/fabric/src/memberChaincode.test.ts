import * as protos from '@hyperledger/fabric-protos';
import { describe, expect, it } from 'vitest';

import { blockNumberOf } from './memberChaincode.js';

describe('the number of a fetched block file', () => {
  const block = (n: number) => {
    const header = new protos.common.BlockHeader();
    header.setNumber(n);
    header.setPreviousHash(Buffer.from('p'.repeat(32)));
    header.setDataHash(Buffer.from('d'.repeat(32)));
    const b = new protos.common.Block();
    b.setHeader(header);
    const data = new protos.common.BlockData();
    data.addData(Buffer.from('an envelope'));
    b.setData(data);
    return b.serializeBinary();
  };

  it('reads the header number as protobuf writes it, 0 (left out) and multi-byte varints included', () => {
    for (const n of [0, 1, 127, 128, 300, 2 ** 31 + 5, 2 ** 40]) expect(blockNumberOf(block(n))).toBe(n);
  });

  it('refuses what is not a block', () => {
    expect(() => blockNumberOf(Buffer.from('hello'))).toThrow(/not a block/);
    expect(() => blockNumberOf(Buffer.from([0x0a, 0x05, 0x08, 0x80]))).toThrow(/truncated/);
  });
});
