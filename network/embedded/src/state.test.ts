import { describe, expect, it } from 'vitest';
import { reviveJournal } from './endorserPool';
import { Slab, KIND_DELETED, KIND_TEXT } from './slab';
import { ABSENT, WorldState } from './state';

const meta = (txId: string) => ({ txId, seconds: 1, nanos: 0 });

describe('Slab', () => {
  it('keeps records across chunk boundaries and links each to the one before', () => {
    const slab = new Slab();
    const big = Buffer.alloc((1 << 26) - 10, 7); // fills most of a chunk: the next record starts a new one
    const a = slab.append(KIND_TEXT, 1, -1, 'first');
    const b = slab.append(2, 2, a, big);
    const c = slab.append(KIND_TEXT, 3, b, 'third ✓');
    expect(slab.text(a)).toBe('first');
    expect(slab.copy(b).equals(big)).toBe(true);
    expect(slab.text(c)).toBe('third ✓');
    expect([slab.previous(c), slab.previous(b), slab.previous(a)]).toEqual([b, a, -1]);
    expect([slab.tx(a), slab.tx(b), slab.tx(c)]).toEqual([1, 2, 3]);
    const copy = slab.copy(a);
    copy.fill(0);
    expect(slab.text(a)).toBe('first');
    slab.erase(a);
    expect(slab.kind(a)).toBe(KIND_DELETED);
    expect(slab.copy(a).equals(Buffer.alloc(5))).toBe(true);
  });
});

describe('Slab text', () => {
  it('stores text as UTF-8 whether it is encoded in one pass or measured first at the end of a chunk', () => {
    const slab = new Slab();
    const a = slab.append(KIND_TEXT, 1, -1, 'héllo 😀 中文'); // one pass: plenty of room
    // Leave 40 bytes: room for a 10-byte text and its 17-byte header, not for 3 bytes per character.
    const b = slab.append(
      2,
      2,
      a,
      Buffer.alloc((1 << 26) - Buffer.byteLength('héllo 😀 中文') - 17 * 2 - 40),
    );
    const c = slab.append(KIND_TEXT, 3, b, 'abcdefghij');
    const d = slab.append(KIND_TEXT, 4, c, 'next chunk');
    expect(slab.text(a)).toBe('héllo 😀 中文');
    expect(slab.copy(a).equals(Buffer.from('héllo 😀 中文'))).toBe(true);
    expect(slab.text(c)).toBe('abcdefghij');
    expect(Math.floor(c / 2 ** 32)).toBe(0); // in the first chunk, exactly filling it but for 13 bytes
    expect(Math.floor(d / 2 ** 32)).toBe(1);
    expect(slab.text(d)).toBe('next chunk');
    expect(slab.bytes).toBe((1 << 26) - 13 + 17 + 10);
  });
});

describe('WorldState', () => {
  it('keeps public values, versions and history newest first, deletes included', () => {
    const s = new WorldState(['A']);
    const pub = s.publicState;
    pub.write('k', 'v1', 10, pub.addTx(meta('t1')));
    pub.write('k', Buffer.from([0xff, 0x00]), 20, pub.addTx(meta('t2')));
    expect(pub.get('k')).toEqual({ value: Buffer.from([0xff, 0x00]), version: 20 });
    pub.write('k', null, 30, pub.addTx(meta('t3')));
    expect(pub.get('k')).toBeUndefined();
    expect(pub.version('k')).toBe(ABSENT);
    expect(pub.history('k')).toEqual([
      { meta: meta('t3'), value: undefined },
      { meta: meta('t2'), value: Buffer.from([0xff, 0x00]) },
      { meta: meta('t1'), value: 'v1' },
    ]);
    pub.write('k', 'v4', 40, pub.addTx(meta('t4')));
    expect(pub.read('k')).toEqual({ bytes: Buffer.from('v4'), version: 40 });
  });

  it('answers ranges over live keys only, before and after the index is built', () => {
    const pub = new WorldState(['A']).publicState;
    const tx = pub.addTx(meta('t'));
    for (const k of ['a1', 'a2', 'a3', 'b1']) pub.write(k, k, 1, tx);
    expect([...pub.range('a', 'b')].map(([k]) => k)).toEqual(['a1', 'a2', 'a3']);
    pub.write('a2', null, 2, tx);
    pub.write('a0', 'x', 2, tx);
    expect([...pub.range('a', 'b')].map(([k]) => k)).toEqual(['a0', 'a1', 'a3']);
    pub.write('a2', 'back', 3, tx);
    expect([...pub.range('a', 'b')].map(([k, e]) => [k, e.version])).toEqual([
      ['a0', 2],
      ['a1', 1],
      ['a2', 3],
      ['a3', 1],
    ]);
  });

  it('keeps metadata apart: a metadata write bumps the version of a live key only', () => {
    const pub = new WorldState(['A']).publicState;
    pub.write('k', 'v', 1, pub.addTx(meta('t')));
    pub.writeMetadata('k', [['VALIDATION_PARAMETER', Buffer.from('p')]], 2);
    expect(pub.version('k')).toBe(2);
    expect(pub.metadata('k')).toEqual([['VALIDATION_PARAMETER', Buffer.from('p')]]);
    pub.writeMetadata('absent', [['x', Buffer.from('y')]], 3);
    expect(pub.metadata('absent')).toBeUndefined();
    expect(pub.version('absent')).toBe(ABSENT);
    pub.write('k', null, 4, 0);
    expect(pub.metadata('k')).toBeUndefined();
  });

  it('forgets private data when it is deleted, and keeps hashes with their versions', () => {
    const s = new WorldState(['A', 'B']);
    const store = s.privateStore('A', 'c', true);
    if (store === undefined) throw new Error('no store');
    store.set('p', 'secret', 5);
    store.setVersion('p', 6);
    expect(store.read('p')).toEqual({ bytes: Buffer.from('secret'), version: 6 });
    store.delete('p');
    expect(store.get('p')).toBeUndefined();
    expect([...store.range('', '\uffff')]).toEqual([]);
    expect(s.privateStore('B', 'c', false)).toBeUndefined();

    s.writeHashed('c', 'kh', 'vh', 7);
    expect(s.hashedEntry('c', 'kh')).toEqual({ valueHash: 'vh', version: 7, metadata: undefined });
    s.writeHashedMetadata('c', 'kh', [['VALIDATION_PARAMETER', Buffer.from('q')]], 8);
    s.writeHashed('c', 'kh', 'vh2', 9);
    expect(s.hashedEntry('c', 'kh')?.metadata).toEqual([['VALIDATION_PARAMETER', Buffer.from('q')]]);
    expect(s.hashedVersion('c', 'kh')).toBe(9);
    s.writeHashed('c', 'kh', null, 10);
    expect(s.hashedVersion('c', 'kh')).toBe(ABSENT);
    expect(s.hashedEntry('c', 'kh')).toBeUndefined();
  });
});

describe('a replica that follows the journal of a state with shared values (an endorsing worker)', () => {
  // The main thread's state with its values in shared memory, and a worker's replica that applies its journal
  // (what EmbeddedNetwork and endorserWorker do), side by side in one thread. `replayed` is what both held
  // before the journal started: each replayed the ledger into its own slab.
  function pair(replayed?: (s: WorldState) => void) {
    const main = new WorldState(['A', 'B'], { shareValues: true });
    const replica = new WorldState(['A', 'B']);
    if (replayed !== undefined) for (const st of [main, replica]) replayed(st);
    main.startJournal();
    let attached = 0;
    const sync = () => {
      for (const chunk of main.sharedChunks(attached)) replica.attachChunk(attached++, chunk);
      // As a worker gets it: cloned (Buffers turned into plain Uint8Arrays), then revived.
      replica.applyJournal(reviveJournal(structuredClone(main.takeJournal())));
    };
    const commit = (txId: string, version: number, writes: [string, string | null][]) => {
      const tx = main.publicState.addTx(meta(txId));
      for (const [k, v] of writes) main.publicState.write(k, v, version, tx);
      sync();
    };
    return { main, replica, commit, sync };
  }
  const slabOf = (s: WorldState) => (s as unknown as { slab: Slab }).slab;

  it('reads through the links exactly what the main state holds: values, versions, history, ranges', () => {
    const { main, replica, commit } = pair();
    commit('t1', 10, [
      ['case:1', '{"v":1}'],
      ['case:2', 'two'],
      ['due:1', 'x'],
    ]);
    commit('t2', 20, [
      ['case:1', 'é 😀'],
      ['case:2', null],
    ]);
    commit('t3', 30, [
      ['case:2', 'back'],
      ['due:1', null],
    ]);
    for (const k of ['case:1', 'case:2', 'due:1', 'case:9']) {
      expect(replica.publicState.get(k)).toEqual(main.publicState.get(k));
      expect(replica.publicState.version(k)).toBe(main.publicState.version(k));
      expect(replica.publicState.history(k)).toEqual(main.publicState.history(k));
    }
    expect(replica.publicState.history('case:2').map((h) => h.value)).toEqual(['back', undefined, 'two']);
    expect([...replica.publicState.range('case:', 'case;')]).toEqual([
      ...main.publicState.range('case:', 'case;'),
    ]);
    expect([...replica.publicState.range('due:', 'due;')]).toEqual([]);
    // The replica stored none of the values: only its keys.
    expect(replica.storedBytes).toBeLessThan(main.storedBytes);
  });

  it('follows a key that the replica had stored itself (replayed from disk) into the shared records', () => {
    // Both replayed the same block into their own slabs.
    const { replica, commit } = pair((s) => {
      s.publicState.write('brk:1', 'opened', 10, s.publicState.addTx(meta('t1')));
    });
    commit('t2', 20, [['brk:1', 'assigned']]);
    expect(replica.publicState.get('brk:1')).toEqual({ value: 'assigned', version: 20 });
    expect(replica.publicState.history('brk:1')).toEqual([
      { meta: meta('t2'), value: 'assigned' },
      { meta: meta('t1'), value: 'opened' },
    ]);
  });

  it('follows private data and hashes, deletes erase the values, and no copy stays behind on the replica', () => {
    const { main, replica, sync } = pair((s) => {
      s.privateStore('A', 'c', true)?.set('leg:1', 'replayed secret', 10);
      s.writeHashed('c', 'kh1', 'vh1', 10);
    });
    const replayedAt = (replica.privateStore('A', 'c', false) as unknown as { positions: Float64Array })
      .positions[0] as number;
    expect(slabOf(replica).text(replayedAt)).toBe('replayed secret');

    const a = main.privateStore('A', 'c', true);
    a?.set('leg:1', 'new secret', 20);
    a?.set('leg:2', Buffer.from([1, 2, 3]), 20);
    main.writeHashed('c', 'kh1', 'vh1b', 20);
    main.writeHashed('c', 'kh2', 'vh2', 20);
    main.privateStore('B', 'd', true)?.set('x', 'only B', 21); // a store made after the journal started
    sync();
    const ra = replica.privateStore('A', 'c', false);
    expect(ra?.get('leg:1')).toEqual({ value: 'new secret', version: 20 });
    expect(ra?.get('leg:2')).toEqual({ value: Buffer.from([1, 2, 3]), version: 20 });
    expect(replica.privateStore('B', 'd', false)?.get('x')).toEqual({ value: 'only B', version: 21 });
    expect(replica.privateStore('B', 'c', false)).toBeUndefined();
    for (const kh of ['kh1', 'kh2']) expect(replica.hashedEntry('c', kh)).toEqual(main.hashedEntry('c', kh));
    // Private data keeps no history: the replica's own replayed copy is gone once the shared value replaced it.
    expect(slabOf(replica).text(replayedAt)).toBe('\u0000'.repeat('replayed secret'.length));
    expect(slabOf(replica).kind(replayedAt)).toBe(KIND_DELETED);

    a?.delete('leg:1');
    main.writeHashed('c', 'kh1', null, 30);
    sync();
    expect(ra?.get('leg:1')).toBeUndefined();
    expect(ra?.version('leg:1')).toBe(ABSENT);
    expect(ra?.get('leg:2')?.version).toBe(20);
    expect(replica.hashedEntry('c', 'kh1')).toBeUndefined();
    expect(replica.hashedVersion('c', 'kh1')).toBe(ABSENT);
    // The key can come back, in a slot of its own.
    a?.set('leg:1', 'again', 40);
    sync();
    expect(ra?.get('leg:1')).toEqual({ value: 'again', version: 40 });
  });

  it('erases a private key the replica holds only as its own replayed copy', () => {
    const { main, replica, sync } = pair((s) => s.privateStore('A', 'c', true)?.set('k', 'secret', 10));
    const at = (replica.privateStore('A', 'c', false) as unknown as { positions: Float64Array })
      .positions[0] as number;
    main.privateStore('A', 'c', false)?.delete('k');
    sync();
    expect(replica.privateStore('A', 'c', false)?.get('k')).toBeUndefined();
    expect(slabOf(replica).text(at)).toBe('\u0000'.repeat(6));
  });

  it('carries metadata (validation parameters) of public keys and of hashes, with their versions', () => {
    const { main, replica, commit, sync } = pair();
    commit('t1', 10, [['acct:1', 'v']]);
    main.writeHashed('c', 'kh', 'vh', 10);
    const ep = Buffer.from([0x0a, 0x01, 0xff]);
    main.publicState.writeMetadata('acct:1', [['VALIDATION_PARAMETER', ep]], 11);
    main.writeHashedMetadata('c', 'kh', [['VALIDATION_PARAMETER', ep]], 12);
    main.privateStore('A', 'c', true)?.set('p', 'v', 12);
    main.privateStore('A', 'c', false)?.setVersion('p', 13);
    sync();
    expect(replica.publicState.metadata('acct:1')).toEqual([['VALIDATION_PARAMETER', ep]]);
    expect(Buffer.isBuffer(replica.publicState.metadata('acct:1')?.[0]?.[1])).toBe(true);
    expect(replica.publicState.version('acct:1')).toBe(11);
    expect(replica.hashedEntry('c', 'kh')).toEqual(main.hashedEntry('c', 'kh'));
    expect(replica.privateStore('A', 'c', false)?.version('p')).toBe(13);
    // A delete drops the metadata on both.
    commit('t2', 20, [['acct:1', null]]);
    expect(replica.publicState.metadata('acct:1')).toBeUndefined();
    expect(main.publicState.metadata('acct:1')).toBeUndefined();
  });

  it('keeps a range index that the replica built before the journal brought keys in and out', () => {
    const { main, replica, commit } = pair((s) => {
      s.publicState.write('due:2', 'x', 10, s.publicState.addTx(meta('t1')));
    });
    expect([...replica.publicState.range('due:', 'due;')].map(([k]) => k)).toEqual(['due:2']);
    commit('t2', 20, [
      ['due:1', 'a'],
      ['due:3', 'c'],
      ['due:2', null],
    ]);
    commit('t3', 30, [['due:2', 'back']]);
    commit('t4', 40, [['due:3', null]]);
    expect([...replica.publicState.range('due:', 'due;')]).toEqual([
      ...main.publicState.range('due:', 'due;'),
    ]);
    expect([...replica.publicState.range('due:', 'due;')].map(([k]) => k)).toEqual(['due:1', 'due:2']);
  });

  it('journals only a state with shared values, and refuses a journal naming a store it never declared', () => {
    expect(() => {
      new WorldState(['A']).startJournal();
    }).toThrow(/not shared/);
    expect(() => {
      new WorldState(['A']).takeJournal();
    }).toThrow(/no journal/);
    const replica = new WorldState(['A']);
    expect(() => {
      replica.applyJournal({ ops: Float64Array.of(0, 7, 1, 0, 0, 1), extras: [], metadata: [] });
    }).toThrow(/store 7, never declared/);
  });

  it('never writes to the shared records, and only a shared state has chunks to share', () => {
    const { main, replica, commit } = pair();
    commit('t1', 10, [['k', 'v']]);
    const slab = new Slab();
    const shared = new Slab(true);
    const pos = shared.append(KIND_TEXT, 0, -1, 'shared');
    slab.attach(0, shared.chunksFrom(0)[0] as SharedArrayBuffer);
    expect(slab.text(Slab.foreign(pos))).toBe('shared');
    expect(() => {
      slab.erase(Slab.foreign(pos));
    }).toThrow(/read only/);
    expect(() => new WorldState(['A']).sharedChunks(0)).toThrow(/not shared/);
    expect(main.sharedChunks(0)).toHaveLength(1);
    expect(replica.publicState.get('k')?.value).toBe('v');
  });
});
