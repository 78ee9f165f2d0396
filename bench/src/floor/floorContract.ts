import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import { FLOOR_VARIANTS, floorWrites, implicitCollectionOf, isFloorVariant } from './floorWrites';

/**
 * The floor benchmark's contract (floorWrites.ts says what each variant writes). `post` takes the batch in the
 * transient map, as the product's `postLegs` does, so the same bytes travel; it returns the number of legs.
 */
@Info({ title: 'Tallystick floor benchmark', description: 'the least ledger work per batch of legs' })
export class FloorContract extends Contract {
  constructor() {
    super('floor');
  }

  @Transaction()
  @Returns('number')
  async post(ctx: Context, variant: string): Promise<number> {
    if (!isFloorVariant(variant)) throw new Error(`variant must be one of ${FLOOR_VARIANTS.join(', ')}`);
    const legs = ctx.stub.getTransient().get('legs');
    if (legs === undefined) throw new Error("transient field 'legs' is required");
    const mspId = ctx.clientIdentity.getMSPID();
    const batch = floorWrites(variant, Buffer.from(legs).toString('utf8'), mspId, ctx.stub.getTxID());
    // one call after the other, as the product's chaincode writes: each is a message to the peer and its answer
    for (const w of batch.writes) {
      if (w.kind === 'state') await ctx.stub.putState(w.key, Buffer.from(w.value));
      else await ctx.stub.putPrivateData(w.collection, w.key, Buffer.from(w.value));
    }
    return batch.legs;
  }

  /** A key's public value. */
  @Transaction(false)
  @Returns('string')
  async read(ctx: Context, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getState(key)).toString('utf8');
  }

  /** A key's value in the caller's own implicit collection. */
  @Transaction(false)
  @Returns('string')
  async readPrivate(ctx: Context, key: string): Promise<string> {
    const collection = implicitCollectionOf(ctx.clientIdentity.getMSPID());
    return Buffer.from(await ctx.stub.getPrivateData(collection, key)).toString('utf8');
  }
}
