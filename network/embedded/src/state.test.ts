import { describe, expect, it } from 'vitest';
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

describe('public values shared with an endorsing worker', () => {
  // The main thread's state with its values in shared memory, and a worker's replica that links to them
  // (what AppliedTx and applyLinked do), side by side in one thread.
  function pair() {
    const main = new WorldState(['A'], { shareValues: true });
    const replica = new WorldState(['A']);
    let attached = 0;
    const commit = (txId: string, version: number, writes: [string, string | null][]) => {
      const tx = main.publicState.addTx(meta(txId));
      const positions = writes.map(([k, v]) => main.publicState.write(k, v, version, tx));
      for (const chunk of main.sharedChunks(attached)) replica.attachChunk(attached++, chunk);
      replica.publicState.addTx(meta(txId));
      writes.forEach(([k], i) => {
        replica.publicState.link(k, Slab.foreign(positions[i] as number), version);
      });
    };
    return { main, replica, commit };
  }

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
    const { main, replica, commit } = pair();
    // Both replayed the same block into their own slabs.
    for (const s of [main, replica])
      s.publicState.write('brk:1', 'opened', 10, s.publicState.addTx(meta('t1')));
    commit('t2', 20, [['brk:1', 'assigned']]);
    expect(replica.publicState.get('brk:1')).toEqual({ value: 'assigned', version: 20 });
    expect(replica.publicState.history('brk:1')).toEqual([
      { meta: meta('t2'), value: 'assigned' },
      { meta: meta('t1'), value: 'opened' },
    ]);
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
