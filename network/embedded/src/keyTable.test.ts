import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyTable } from './keyTable';
import { Slab } from './slab';
import { sortKey } from './sortedKeys';
import { WorldState } from './state';

describe('KeyTable', () => {
  it('maps keys to slots through growth, deletes and re-adds, ASCII or not', () => {
    const t = new KeyTable(new Slab());
    const keys = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `ключ:${i}:✓` : `case:${i}`));
    const slots = keys.map((k) => t.add(k));
    expect(slots).toEqual(keys.map((_, i) => i));
    expect(keys.every((k, i) => t.get(k) === i)).toBe(true);
    expect(t.get('case:5000')).toBeUndefined();
    expect(t.get('case:1 ')).toBeUndefined();
    for (let i = 0; i < 5000; i += 2) expect(t.delete(keys[i] as string)).toBe(true);
    expect(t.delete(keys[0] as string)).toBe(false);
    expect(t.size).toBe(2500);
    expect(t.get(keys[2] as string)).toBeUndefined();
    expect(t.get(keys[3] as string)).toBe(3);
    expect(t.add(keys[2] as string)).toBe(5000);
    expect(t.get(keys[2] as string)).toBe(5000);
    const entries = [...t.entries()];
    expect(entries).toHaveLength(2501);
    expect(entries.at(-1)).toEqual([keys[2], 5000]);
  });

  it('finds a key by its hash and stored record, as a replica does, telling apart keys whose hashes collide', () => {
    // The main thread's table, its keys in a shared slab, and a replica's table that reads that slab.
    const shared = new Slab(true);
    const main = new KeyTable(shared);
    const replicaSlab = new Slab();
    const replica = new KeyTable(replicaSlab);
    // Two keys with the same 32-bit hash (found by search: FNV-1a collides within a few ten thousand keys).
    const firstByHash = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const key = `case:${String(i).padStart(8, '0')}`; // one length: only the bytes tell them apart
      const h = main.hashOf(main.add(key));
      const earlier = firstByHash.get(h);
      if (earlier === undefined) firstByHash.set(h, key);
      else pair = [earlier, key];
    }
    const [a, b] = pair;
    const slotA = main.get(a) as number;
    const slotB = main.get(b) as number;
    expect(main.hashOf(slotA)).toBe(main.hashOf(slotB));
    replicaSlab.attach(0, shared.chunksFrom(0)[0] as SharedArrayBuffer);
    const foreign = (slot: number) => Slab.foreign(main.keyPositionOf(slot));

    // The replica stored `b` itself (replayed it from disk); `a` reaches it only as the main thread's record.
    const ownB = replica.add(b);
    expect(replica.findRecord(main.hashOf(slotA), foreign(slotA))).toBeUndefined();
    const replicaA = replica.addRecord(main.hashOf(slotA), foreign(slotA));
    expect(replica.findRecord(main.hashOf(slotB), foreign(slotB))).toBe(ownB); // by its bytes
    expect(replica.keyPositionOf(ownB)).toBe(foreign(slotB)); // and from now on by position
    expect(replica.findRecord(main.hashOf(slotA), foreign(slotA))).toBe(replicaA);
    expect(replica.get(a)).toBe(replicaA);
    expect(replica.get(b)).toBe(ownB);

    replica.deleteSlot(main.hashOf(slotA), replicaA);
    expect(replica.get(a)).toBeUndefined();
    expect(replica.findRecord(main.hashOf(slotA), foreign(slotA))).toBeUndefined();
    expect(replica.get(b)).toBe(ownB);
    expect(replica.size).toBe(1);
    expect([...replica.entries()]).toEqual([[b, ownB]]);
  });
});

describe('range queries over the world state', () => {
  it('answer as a sorted scan of the live keys would, whether a partition or the whole key set is scanned', () => {
    const key = fc.oneof(
      fc
        .constantFrom('due:', 'open:A:', 'open:B:', 'case:', 'a', ':', '', 'x:y:')
        .chain((p) => fc.string({ maxLength: 4 }).map((s) => p + s)),
      fc.string({ maxLength: 6, unit: 'binary' }),
    );
    const op = fc.record({ key: key.filter((k) => k !== ''), del: fc.boolean() });
    const prefix = fc.constantFrom('due:', 'open:', 'case:', 'x:');
    const query = fc.oneof(
      fc.tuple(key, key),
      // ranges within one partition, as the chaincode's scans are (due:… to due:…;)
      prefix.chain((p) =>
        fc.tuple(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 })).map(([a, b]) => [p + a, p + b]),
      ),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(query, { maxLength: 8 }), (ops, queries) => {
        const pub = new WorldState(['A']).publicState;
        const model = new Map<string, string>();
        const tx = pub.addTx({ txId: 't', seconds: 0, nanos: 0 });
        const check = () => {
          for (const [start, end] of queries) {
            const expected = [...model.keys()]
              .filter((k) => sortKey(k) >= sortKey(start) && (end === '' || sortKey(k) < sortKey(end)))
              .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
            expect([...pub.range(start, end)].map(([k]) => k)).toEqual(expected);
          }
        };
        ops.forEach((o, i) => {
          pub.write(o.key, o.del ? null : `v${i}`, i, tx);
          if (o.del) model.delete(o.key);
          else model.set(o.key, `v${i}`);
          if (i === Math.floor(ops.length / 2)) check(); // indexes built half way, then kept up to date
        });
        check();
      }),
      { numRuns: 300 },
    );
  });
});
