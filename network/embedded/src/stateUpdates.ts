/**
 * A committed transaction's writes applied to the world state: the committer's last step for a valid
 * transaction, and what replay repeats for every valid transaction on disk.
 */
import type { CommittedTransaction } from './block';
import type { ChannelConfig } from './channel';
import type { PrivateWrites, TxRwSet } from './rwset';
import type { TxMeta, WorldState } from './state';

/** The private writes each member organisation's peer stores. */
export function privateWritesByMember(channel: ChannelConfig, pw: PrivateWrites): Map<string, PrivateWrites> {
  const out = new Map<string, PrivateWrites>();
  for (const c of pw) {
    for (const org of channel.collection(c.collection).members) {
      let list = out.get(org);
      if (list === undefined) out.set(org, (list = []));
      list.push(c);
    }
  }
  return out;
}

/**
 * Applies a valid transaction's public writes, metadata and private-data hashes. The caller records the
 * transaction id itself, valid or not (Fabric refuses a reused id either way).
 */
export function applyPublic(
  state: WorldState,
  rw: TxRwSet,
  meta: TxMeta,
  version: number,
): CommittedTransaction['writes'] {
  const writes: CommittedTransaction['writes'] = [];
  const pub = state.publicState;
  if (rw.writes.length > 0) {
    const tx = pub.addTx(meta);
    for (const [key, value] of rw.writes) {
      pub.write(key, value, version, tx);
      writes.push({ key, isDelete: value === null });
    }
  }
  for (const [key, entries] of rw.metadataWrites) pub.writeMetadata(key, entries, version);
  for (const c of rw.collections) {
    for (const w of c.writes) state.writeHashed(c.collection, w.keyHash, w.valueHash, version);
    for (const [keyHash, entries] of c.metadataWrites)
      state.writeHashedMetadata(c.collection, keyHash, entries, version);
  }
  return writes;
}

/** Applies the private writes a member organisation's peer stores. */
export function applyPrivate(state: WorldState, org: string, pw: PrivateWrites, version: number): void {
  for (const c of pw) {
    const store = state.privateStore(org, c.collection, true);
    if (store === undefined) continue;
    for (const [key, value] of c.writes) {
      if (value === null) store.delete(key);
      else store.set(key, value, version);
    }
    for (const key of c.metadataKeys) store.setVersion(key, version);
  }
}
