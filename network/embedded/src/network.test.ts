import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmbeddedNetwork,
  EndorsementError,
  OrdererBusyError,
  TransactionInvalidError,
  implicitCollection,
  type CommittedBlock,
  type EmbeddedNetworkOptions,
  type Identity,
} from './index';

// A contract that exists only to exercise the network: each transaction does one ledger thing.
@Info({
  title: 'EmbeddedNetworkTestContract',
  description: 'ledger operations for the embedded network tests',
})
class LedgerOps extends Contract {
  constructor() {
    super('ops');
  }

  @Transaction()
  async put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }

  @Transaction(false)
  @Returns('string')
  async get(ctx: Context, key: string): Promise<string> {
    return (await ctx.stub.getState(key)).toString();
  }

  /** Writes text values as strings (fabric-shim encodes them to UTF-8), publicly and privately. */
  @Transaction()
  async putText(ctx: Context): Promise<void> {
    const texts = { plain: 'héllo 😀 "quoted"', lone: 'a\ud800b', empty: '' };
    await ctx.stub.putState('text-empty-before', Buffer.from('x'));
    for (const [name, text] of Object.entries(texts)) {
      await ctx.stub.putState(`text-${name}`, text as unknown as Uint8Array);
      await ctx.stub.putPrivateData(
        implicitCollection(ctx.clientIdentity.getMSPID()),
        `text-${name}`,
        (name === 'empty' ? 'y' : text) as unknown as Uint8Array,
      );
    }
    await ctx.stub.putState('text-empty-before', '' as unknown as Uint8Array);
  }

  @Transaction(false)
  @Returns('string')
  async getHex(ctx: Context, key: string): Promise<string> {
    return JSON.stringify({
      value: Buffer.from(await ctx.stub.getState(key)).toString('hex'),
      private: Buffer.from(
        await ctx.stub.getPrivateData(implicitCollection(ctx.clientIdentity.getMSPID()), key),
      ).toString('hex'),
    });
  }

  /** Changes buffers after handing them to, or getting them from, the ledger. */
  @Transaction()
  async scribble(ctx: Context, key: string): Promise<void> {
    const read = await ctx.stub.getState(key);
    read.fill(0x21);
    const written = Buffer.from('kept');
    await ctx.stub.putState(`${key}-2`, written);
    written.fill(0x21);
  }

  @Transaction()
  async del(ctx: Context, key: string): Promise<void> {
    await ctx.stub.deleteState(key);
  }

  /** Reads, then writes: the MVCC case. Also shows that getState does not see the tx's own write. */
  @Transaction()
  @Returns('string')
  async increment(ctx: Context, key: string): Promise<string> {
    const before = Number((await ctx.stub.getState(key)).toString() || '0');
    await ctx.stub.putState(key, Buffer.from(String(before + 1)));
    const seenAfterWrite = (await ctx.stub.getState(key)).toString();
    return JSON.stringify({ before, seenAfterWrite });
  }

  @Transaction()
  @Returns('number')
  async countRange(ctx: Context, start: string, end: string, out: string): Promise<number> {
    let n = 0;
    for await (const _ of ctx.stub.getStateByRange(start, end)) n++;
    await ctx.stub.putState(out, Buffer.from(String(n)));
    return n;
  }

  @Transaction(false)
  @Returns('string')
  async rangeKeys(ctx: Context, start: string, end: string): Promise<string> {
    const keys: string[] = [];
    for await (const kv of ctx.stub.getStateByRange(start, end)) keys.push(kv.key);
    return JSON.stringify(keys);
  }

  @Transaction(false)
  @Returns('number')
  async awaitRange(ctx: Context, start: string, end: string): Promise<number> {
    const iterator = await ctx.stub.getStateByRange(start, end);
    await iterator.close();
    return 0;
  }

  @Transaction()
  async putComposite(ctx: Context, type: string, a: string, b: string, value: string): Promise<void> {
    await ctx.stub.putState(ctx.stub.createCompositeKey(type, [a, b]), Buffer.from(value));
  }

  @Transaction(false)
  @Returns('string')
  async listComposite(ctx: Context, type: string, a: string): Promise<string> {
    const out: string[] = [];
    for await (const kv of ctx.stub.getStateByPartialCompositeKey(type, [a])) {
      out.push(ctx.stub.splitCompositeKey(kv.key).attributes.join('/') + '=' + kv.value.toString());
    }
    return JSON.stringify(out);
  }

  @Transaction(false)
  @Returns('string')
  async page(ctx: Context, start: string, end: string, size: number, bookmark: string): Promise<string> {
    const { iterator, metadata } = await ctx.stub.getStateByRangeWithPagination(start, end, size, bookmark);
    const keys: string[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) keys.push(r.value.key);
    await iterator.close();
    return JSON.stringify({ keys, bookmark: metadata.bookmark, count: metadata.fetchedRecordsCount });
  }

  @Transaction()
  async writeThenPage(ctx: Context): Promise<void> {
    await ctx.stub.putState('w', Buffer.from('1'));
    await ctx.stub.getStateByRangeWithPagination('a', 'z', 10, '');
  }

  @Transaction()
  async richQuery(ctx: Context): Promise<void> {
    for await (const _ of ctx.stub.getQueryResult('{"selector":{}}')) {
      // unreachable
    }
  }

  /** Key-level endorsement: from now on, writing `key` needs every one of `orgs` (comma-separated). */
  @Transaction()
  async requireOrgs(ctx: Context, collection: string, key: string, orgs: string): Promise<void> {
    const policy = new KeyEndorsementPolicy();
    policy.addOrgs('MEMBER', ...orgs.split(','));
    if (collection === '') await ctx.stub.setStateValidationParameter(key, policy.getPolicy());
    else await ctx.stub.setPrivateDataValidationParameter(collection, key, policy.getPolicy());
  }

  @Transaction(false)
  @Returns('string')
  async requiredOrgs(ctx: Context, collection: string, key: string): Promise<string> {
    const vp =
      collection === ''
        ? await ctx.stub.getStateValidationParameter(key)
        : await ctx.stub.getPrivateDataValidationParameter(collection, key);
    return new KeyEndorsementPolicy(vp).listOrgs().sort().join(',');
  }

  @Transaction(false)
  @Returns('string')
  async whoami(ctx: Context): Promise<string> {
    await Promise.resolve();
    const id = ctx.clientIdentity;
    return JSON.stringify({
      id: id.getID(),
      mspId: id.getMSPID(),
      roles: id.getAttributeValue('roles'),
      enrollmentId: id.getAttributeValue('hf.EnrollmentID'),
      type: id.getAttributeValue('hf.Type'),
      isReconciler: id.assertAttributeValue('roles', 'submitter,reconciler'),
      peer: ctx.stub.getMspID(),
    });
  }

  @Transaction(false)
  @Returns('string')
  async now(ctx: Context): Promise<string> {
    await Promise.resolve();
    return ctx.stub.getDateTimestamp().toISOString();
  }

  @Transaction()
  async putPrivate(ctx: Context, collection: string, key: string): Promise<void> {
    const value = ctx.stub.getTransient().get('value');
    if (value === undefined) throw new Error('MISSING_TRANSIENT: value');
    await ctx.stub.putPrivateData(collection, key, value);
  }

  @Transaction(false)
  @Returns('string')
  async getPrivate(ctx: Context, collection: string, key: string): Promise<string> {
    return (await ctx.stub.getPrivateData(collection, key)).toString();
  }

  @Transaction(false)
  @Returns('string')
  async getPrivateHash(ctx: Context, collection: string, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getPrivateDataHash(collection, key)).toString('hex');
  }

  @Transaction()
  async fail(_ctx: Context, message: string): Promise<void> {
    await Promise.resolve();
    throw new Error(message);
  }

  @Transaction()
  async twoEvents(ctx: Context): Promise<void> {
    ctx.stub.setEvent('first', Buffer.from('1'));
    await ctx.stub.putState('events', Buffer.from('x'));
    ctx.stub.setEvent('second', Buffer.from('2'));
  }

  @Transaction(false)
  @Returns('string')
  async history(ctx: Context, key: string): Promise<string> {
    const out: { txId: string; value: string; isDelete: boolean; seconds: string }[] = [];
    for await (const m of ctx.stub.getHistoryForKey(key)) {
      out.push({
        txId: m.txId,
        value: m.value.toString(),
        isDelete: m.isDelete,
        seconds: String(m.timestamp.seconds),
      });
    }
    return JSON.stringify(out);
  }

  @Transaction()
  async callOther(ctx: Context): Promise<void> {
    await ctx.stub.invokeChaincode('other', ['x'], 'reconciliation');
  }
}

const ORGS = ['BankAMSP', 'BankBMSP', 'AuditorMSP'];

function options(dataDir: string): EmbeddedNetworkOptions {
  return {
    dataDir,
    channel: 'reconciliation',
    organisations: ORGS,
    chaincode: { name: 'tallystick', version: '0.1.0', contracts: [LedgerOps] },
    ordering: { maxTxPerBlock: 50, batchTimeoutMs: 5 },
  };
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

describe('EmbeddedNetwork', () => {
  let dataDir: string;
  let net: EmbeddedNetwork;
  let alice: Identity;
  let bruno: Identity;
  const blocks: CommittedBlock[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-net-'));
    net = await EmbeddedNetwork.start(options(dataDir));
    await net.ca('BankAMSP').register('alice', 'alice-pw', { roles: 'submitter,reconciler' }, 'client');
    await net.ca('BankBMSP').register('bruno', 'bruno-pw', { roles: 'reconciler' }, 'client');
    alice = await net.ca('BankAMSP').enroll('alice', 'alice-pw');
    bruno = await net.ca('BankBMSP').enroll('bruno', 'bruno-pw');
    net.onBlock((b) => blocks.push(b), { startBlock: 0n });
  });

  afterAll(async () => {
    await net.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('puts and gets, and getState does not see the transaction’s own writes', async () => {
    const r = await net.submit(alice, { fcn: 'put', args: ['greeting', 'hello'] });
    expect(r.blockNumber).toBeGreaterThan(0n);
    expect(r.txId).toMatch(/^[0-9a-f]{64}$/);
    expect((await net.evaluate(alice, { fcn: 'get', args: ['greeting'] })).toString()).toBe('hello');
    expect((await net.evaluate(bruno, { fcn: 'get', args: ['greeting'] })).toString()).toBe('hello');
    await net.submit(alice, { fcn: 'scribble', args: ['greeting'] });
    expect((await net.evaluate(alice, { fcn: 'get', args: ['greeting'] })).toString()).toBe('hello');
    expect((await net.evaluate(alice, { fcn: 'get', args: ['greeting-2'] })).toString()).toBe('kept');
    const inc = await net.submit(alice, { fcn: 'increment', args: ['own-write'] });
    expect(JSON.parse(inc.result.toString())).toEqual({ before: 0, seenAfterWrite: '' });
  });

  it('stores a string value as its UTF-8 bytes, as fabric-shim does: lone surrogates replaced, empty deletes', async () => {
    await net.submit(alice, { fcn: 'putText' });
    const read = async (key: string) =>
      JSON.parse((await net.evaluate(alice, { fcn: 'getHex', args: [key] })).toString()) as {
        value: string;
        private: string;
      };
    const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('hex');
    expect(await read('text-plain')).toEqual({
      value: utf8('héllo 😀 "quoted"'),
      private: utf8('héllo 😀 "quoted"'),
    });
    expect(await read('text-lone')).toEqual({ value: utf8('a\ufffdb'), private: utf8('a\ufffdb') });
    expect((await read('text-empty-before')).value).toBe('');
  });

  it('invalidates the second of two concurrent read-then-write transactions (MVCC_READ_CONFLICT)', async () => {
    await net.submit(alice, { fcn: 'put', args: ['counter', '10'] });
    const outcomes = await Promise.allSettled([
      net.submit(alice, { fcn: 'increment', args: ['counter'] }),
      net.submit(bruno, { fcn: 'increment', args: ['counter'] }),
    ]);
    const valid = outcomes.filter((o) => o.status === 'fulfilled');
    const invalid = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
    expect(valid).toHaveLength(1);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toBeInstanceOf(TransactionInvalidError);
    expect((invalid[0] as TransactionInvalidError).code).toBe('MVCC_READ_CONFLICT');
    expect((await net.evaluate(alice, { fcn: 'get', args: ['counter'] })).toString()).toBe('11');
    const history = JSON.parse(
      (await net.evaluate(alice, { fcn: 'history', args: ['counter'] })).toString(),
    ) as unknown[];
    expect(history).toHaveLength(2);
  });

  it('detects a phantom: a key inserted into a range read by a pending transaction', async () => {
    await net.submit(alice, { fcn: 'put', args: ['p1', 'x'] });
    const outcomes = await Promise.allSettled([
      net.submit(alice, { fcn: 'put', args: ['p2', 'y'] }),
      net.submit(bruno, { fcn: 'countRange', args: ['p', 'q', 'p-count'] }),
    ]);
    const [insert, count] = outcomes;
    expect(insert.status).toBe('fulfilled');
    expect(count.status).toBe('rejected');
    const err = (count as PromiseRejectedResult).reason as TransactionInvalidError;
    expect(err).toBeInstanceOf(TransactionInvalidError);
    expect(err.code).toBe('PHANTOM_READ_CONFLICT');
    expect(err.blockNumber).toBeGreaterThan(0n);
    expect((await net.evaluate(alice, { fcn: 'get', args: ['p-count'] })).toString()).toBe('');
    const ok = await net.submit(bruno, { fcn: 'countRange', args: ['p', 'q', 'p-count'] });
    expect(ok.result.toString()).toBe('2');
  });

  it('orders simple keys lexically by code point and answers partial composite key queries', async () => {
    for (const k of ['r\u{1F600}', 'r\uFF71', 'rb', 'ra'])
      await net.submit(alice, { fcn: 'put', args: [k, k] });
    const keys = JSON.parse(
      (await net.evaluate(alice, { fcn: 'rangeKeys', args: ['r', 's'] })).toString(),
    ) as string[];
    expect(keys).toEqual(['ra', 'rb', 'r\uFF71', 'r\u{1F600}']);
    await net.submit(alice, { fcn: 'putComposite', args: ['leg', 'case1', 'b', 'B'] });
    await net.submit(alice, { fcn: 'putComposite', args: ['leg', 'case1', 'a', 'A'] });
    await net.submit(alice, { fcn: 'putComposite', args: ['leg', 'case2', 'a', 'C'] });
    const legs = JSON.parse(
      (await net.evaluate(alice, { fcn: 'listComposite', args: ['leg', 'case1'] })).toString(),
    ) as string[];
    expect(legs).toEqual(['case1/a=A', 'case1/b=B']);
    const page1 = JSON.parse(
      (await net.evaluate(alice, { fcn: 'page', args: ['r', 's', '2', ''] })).toString(),
    ) as {
      keys: string[];
      bookmark: string;
      count: number;
    };
    expect(page1).toEqual({ keys: ['ra', 'rb'], bookmark: 'r\uFF71', count: 2 });
    const page2 = JSON.parse(
      (await net.evaluate(alice, { fcn: 'page', args: ['r', 's', '2', page1.bookmark] })).toString(),
    ) as {
      keys: string[];
    };
    expect(page2.keys).toEqual(['r\uFF71', 'r\u{1F600}']);
  });

  it('refuses what Fabric on LevelDB refuses', async () => {
    await expect(net.submit(alice, { fcn: 'writeThenPage' })).rejects.toThrow(
      'txSimulator does not support paginated queries after executing writes',
    );
    await expect(net.submit(alice, { fcn: 'richQuery' })).rejects.toThrow(
      'ExecuteQuery not supported for leveldb',
    );
    await expect(net.submit(alice, { fcn: 'callOther' })).rejects.toThrow(
      /not supported by the embedded network/,
    );
    await expect(net.evaluate(alice, { fcn: 'awaitRange', args: ['\u0000leg', ''] })).rejects.toThrow(
      /null character/,
    );
  });

  it('gives the chaincode the identity from the certificate, as ClientIdentity parses it', async () => {
    const who = JSON.parse((await net.evaluate(alice, { fcn: 'whoami' })).toString()) as Record<
      string,
      unknown
    >;
    expect(who).toEqual({
      id: 'x509::/O=BankAMSP/OU=client/CN=alice::/CN=ca.BankAMSP/O=BankAMSP',
      mspId: 'BankAMSP',
      roles: 'submitter,reconciler',
      enrollmentId: 'alice',
      type: 'client',
      isReconciler: true,
      peer: 'BankAMSP',
    });
    const onB = JSON.parse(
      (await net.evaluate(alice, { fcn: 'whoami', peerOrg: 'BankBMSP' })).toString(),
    ) as {
      peer: string;
    };
    expect(onB.peer).toBe('BankBMSP');
  });

  it('enrolls only with the right secret, and keeps keys private on disk', async () => {
    await expect(net.ca('BankAMSP').enroll('alice', 'wrong')).rejects.toThrow(/wrong secret/);
    await expect(net.ca('BankAMSP').enroll('nobody', 'x')).rejects.toThrow(/not registered/);
    const caDir = path.join(dataDir, 'ca', 'BankAMSP');
    expect(fs.statSync(path.join(caDir, 'ca-key.pem')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(caDir, 'enrolled', 'alice.json')).mode & 0o777).toBe(0o600);
    const registry = fs.readFileSync(path.join(caDir, 'registry.json'), 'utf8');
    expect(registry).not.toContain('alice-pw');
  });

  it('keeps private data on member peers only; hashes are everywhere', async () => {
    const coll = implicitCollection('BankAMSP');
    const secret = 'amount=1234.56;ref=SECRET-REF-42';
    const r = await net.submit(alice, {
      fcn: 'putPrivate',
      args: [coll, 'leg1'],
      transient: { value: secret },
    });
    expect(r.blockNumber).toBeGreaterThan(0n);
    expect((await net.evaluate(alice, { fcn: 'getPrivate', args: [coll, 'leg1'] })).toString()).toBe(secret);
    await expect(net.evaluate(bruno, { fcn: 'getPrivate', args: [coll, 'leg1'] })).rejects.toThrow(
      /private data matching public hash version is not available/,
    );
    const hashA = (await net.evaluate(alice, { fcn: 'getPrivateHash', args: [coll, 'leg1'] })).toString();
    const hashB = (await net.evaluate(bruno, { fcn: 'getPrivateHash', args: [coll, 'leg1'] })).toString();
    const hashAudit = (
      await net.evaluate(alice, { fcn: 'getPrivateHash', args: [coll, 'leg1'], peerOrg: 'AuditorMSP' })
    ).toString();
    expect(hashA).toMatch(/^[0-9a-f]{64}$/);
    expect(hashB).toBe(hashA);
    expect(hashAudit).toBe(hashA);
    // The plaintext is only in BankA's private store; the block file holds its hash, not the value.
    const needle = Buffer.from('SECRET-REF-42');
    const holders = filesUnder(dataDir).filter((f) => fs.readFileSync(f).includes(needle));
    expect(holders).toEqual([path.join(dataDir, 'ledger', 'private', 'BankAMSP.log')]);
  });

  it('rejects a write to an organisation’s implicit collection endorsed by another organisation', async () => {
    const coll = implicitCollection('BankAMSP');
    const err = (await net
      .submit(bruno, { fcn: 'putPrivate', args: [coll, 'forged'], transient: { value: 'x' } })
      .catch((e: unknown) => e)) as TransactionInvalidError;
    expect(err).toBeInstanceOf(TransactionInvalidError);
    expect(err.code).toBe('ENDORSEMENT_POLICY_FAILURE');
    const hash = (await net.evaluate(alice, { fcn: 'getPrivateHash', args: [coll, 'forged'] })).toString();
    expect(hash).toBe('');
    expect((await net.evaluate(alice, { fcn: 'getPrivate', args: [coll, 'forged'] })).toString()).toBe('');
    // Endorsed by both, the same write is valid.
    await net.submit(bruno, {
      fcn: 'putPrivate',
      args: [implicitCollection('BankBMSP'), 'both'],
      transient: { value: 'y' },
      endorsingOrgs: ['BankBMSP', 'BankAMSP'],
    });
  });

  it('enforces key-level endorsement policies (setStateValidationParameter), public and private', async () => {
    await net.submit(alice, { fcn: 'put', args: ['kle', 'v1'] });
    await net.submit(alice, { fcn: 'requireOrgs', args: ['', 'kle', 'BankAMSP,BankBMSP'] });
    expect((await net.evaluate(bruno, { fcn: 'requiredOrgs', args: ['', 'kle'] })).toString()).toBe(
      'BankAMSP,BankBMSP',
    );
    const alone = (await net
      .submit(alice, { fcn: 'put', args: ['kle', 'v2'] })
      .catch((e: unknown) => e)) as TransactionInvalidError;
    expect(alone).toBeInstanceOf(TransactionInvalidError);
    expect(alone.code).toBe('ENDORSEMENT_POLICY_FAILURE');
    // Changing the policy itself needs the current one too.
    const loosen = (await net
      .submit(alice, { fcn: 'requireOrgs', args: ['', 'kle', 'BankAMSP'] })
      .catch((e: unknown) => e)) as TransactionInvalidError;
    expect(loosen.code).toBe('ENDORSEMENT_POLICY_FAILURE');
    await net.submit(alice, { fcn: 'put', args: ['kle', 'v3'], endorsingOrgs: ['BankAMSP', 'BankBMSP'] });
    expect((await net.evaluate(alice, { fcn: 'get', args: ['kle'] })).toString()).toBe('v3');
    // Other keys still need only the chaincode policy.
    await net.submit(alice, { fcn: 'put', args: ['not-kle', 'x'] });

    const coll = implicitCollection('BankAMSP');
    await net.submit(alice, { fcn: 'putPrivate', args: [coll, 'agreed'], transient: { value: 'a' } });
    await net.submit(alice, { fcn: 'requireOrgs', args: [coll, 'agreed', 'BankAMSP,BankBMSP'] });
    expect((await net.evaluate(bruno, { fcn: 'requiredOrgs', args: [coll, 'agreed'] })).toString()).toBe(
      'BankAMSP,BankBMSP',
    );
    const privAlone = (await net
      .submit(alice, { fcn: 'putPrivate', args: [coll, 'agreed'], transient: { value: 'b' } })
      .catch((e: unknown) => e)) as TransactionInvalidError;
    expect(privAlone.code).toBe('ENDORSEMENT_POLICY_FAILURE');
    expect((await net.evaluate(alice, { fcn: 'getPrivate', args: [coll, 'agreed'] })).toString()).toBe('a');
  });

  it('reports a chaincode error as EndorsementError with the chaincode’s message', async () => {
    const before = net.height();
    const err = (await net
      .submit(alice, { fcn: 'fail', args: ['NOT_A_PARTY: BankAMSP is not a party'] })
      .catch((e: unknown) => e)) as EndorsementError;
    expect(err).toBeInstanceOf(EndorsementError);
    expect(err.message).toBe('NOT_A_PARTY: BankAMSP is not a party');
    await expect(net.evaluate(alice, { fcn: 'fail', args: ['BREAK_NOT_FOUND: x'] })).rejects.toThrow(
      'BREAK_NOT_FOUND: x',
    );
    expect(net.height()).toBe(before);
  });

  it('keeps only the last chaincode event', async () => {
    const r = await net.submit(alice, { fcn: 'twoEvents' });
    expect(r.event?.name).toBe('second');
    expect(r.event?.payload.toString()).toBe('2');
    await new Promise((resolve) => setImmediate(resolve));
    const tx = blocks.flatMap((b) => b.transactions).find((t) => t.txId === r.txId);
    expect(tx?.event?.name).toBe('second');
    expect(tx?.writes).toEqual([{ key: 'events', isDelete: false }]);
  });

  it('returns key history newest first, with deletes and timestamps', async () => {
    const t1 = new Date('2030-01-01T00:00:01.000Z');
    const t2 = new Date('2030-01-01T00:00:02.000Z');
    const t3 = new Date('2030-01-01T00:00:03.000Z');
    const a = await net.submit(alice, { fcn: 'put', args: ['h', 'v1'], timestamp: t1 });
    const b = await net.submit(alice, { fcn: 'put', args: ['h', 'v2'], timestamp: t2 });
    const c = await net.submit(alice, { fcn: 'del', args: ['h'], timestamp: t3 });
    const history = JSON.parse(
      (await net.evaluate(alice, { fcn: 'history', args: ['h'] })).toString(),
    ) as unknown;
    expect(history).toEqual([
      { txId: c.txId, value: '', isDelete: true, seconds: String(t3.getTime() / 1000) },
      { txId: b.txId, value: 'v2', isDelete: false, seconds: String(t2.getTime() / 1000) },
      { txId: a.txId, value: 'v1', isDelete: false, seconds: String(t1.getTime() / 1000) },
    ]);
  });

  it('gives the chaincode the injected transaction timestamp', async () => {
    const t = new Date('2031-05-06T07:08:09.123Z');
    expect((await net.evaluate(alice, { fcn: 'now', timestamp: t })).toString()).toBe(t.toISOString());
    const r = await net.submit(alice, { fcn: 'put', args: ['ts', 'x'], timestamp: t });
    await new Promise((resolve) => setImmediate(resolve));
    const tx = blocks.flatMap((b) => b.transactions).find((x) => x.txId === r.txId);
    expect(tx?.timestamp).toBe(t.toISOString());
  });

  it('marks a reused transaction ID DUPLICATE_TXID, and peers refuse it once committed', async () => {
    const nonce = Buffer.alloc(24, 7);
    const outcomes = await Promise.allSettled([
      net.submit(alice, { fcn: 'put', args: ['dup', '1'], nonce }),
      net.submit(alice, { fcn: 'put', args: ['dup', '2'], nonce }),
    ]);
    expect(outcomes[0].status).toBe('fulfilled');
    const err = (outcomes[1] as PromiseRejectedResult).reason as TransactionInvalidError;
    expect(err.code).toBe('DUPLICATE_TXID');
    expect((await net.evaluate(alice, { fcn: 'get', args: ['dup'] })).toString()).toBe('1');
    await expect(net.submit(alice, { fcn: 'put', args: ['dup', '3'], nonce })).rejects.toThrow(
      /duplicate transaction found/,
    );
  });

  it('delivers chained blocks to listeners, replaying from startBlock', async () => {
    await new Promise((resolve) => setImmediate(resolve));
    expect(blocks.map((b) => b.number)).toEqual(blocks.map((_, i) => BigInt(i)));
    const replayed: bigint[] = [];
    const off = net.onBlock((b) => replayed.push(b.number), { startBlock: 2n });
    // Blocks older than the in-memory window come back from disk, asynchronously.
    const height = Number(net.height());
    for (let i = 0; i < 200 && replayed.length < height - 2; i++) await new Promise((r) => setTimeout(r, 5));
    off();
    expect(replayed[0]).toBe(2n);
    expect(replayed).toHaveLength(Number(net.height()) - 2);
    const tx = blocks.flatMap((b) => b.transactions).find((t) => t.creatorMspId === 'BankBMSP');
    expect(tx?.creatorId).toBe('x509::/O=BankBMSP/OU=client/CN=bruno::/CN=ca.BankBMSP/O=BankBMSP');
    expect(tx?.endorsers).toEqual(['BankBMSP']);
  });

  it('reads blocks older than the in-memory window back from disk for a listener that starts behind', async () => {
    // More blocks than the network keeps in memory (8), each a transaction of its own.
    for (let i = 0; i < 70; i++) await net.submit(alice, { fcn: 'put', args: [`late-${i}`, String(i)] });
    const height = Number(net.height());
    expect(height).toBeGreaterThan(70);
    const late: CommittedBlock[] = [];
    const off = net.onBlock((b) => late.push(b), { startBlock: 0n });
    for (let i = 0; i < 200 && late.length < height; i++) await new Promise((r) => setTimeout(r, 5));
    off();
    expect(late.map((b) => b.number)).toEqual(late.map((_, i) => BigInt(i)));
    // What the late listener read from disk is what the live listener was handed at commit time.
    expect(late).toEqual(blocks.slice(0, height));
    const tx = late.flatMap((b) => b.transactions).find((t) => t.writes.some((w) => w.key === 'late-0'));
    expect(tx?.validationCode).toBe('VALID');
  });
});

describe('EmbeddedNetwork with an explicit collection', () => {
  let dataDir: string;
  let net: EmbeddedNetwork;
  let alice: Identity;
  let bruno: Identity;
  let audrey: Identity;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-coll-'));
    net = await EmbeddedNetwork.start({
      ...options(dataDir),
      chaincode: {
        name: 'tallystick',
        version: '0.1.0',
        contracts: [LedgerOps],
        collections: [
          {
            name: 'bilateralAB',
            members: ['BankAMSP', 'BankBMSP'],
            endorsementPolicy: "AND('BankAMSP.peer','BankBMSP.peer')",
            memberOnlyRead: true,
            memberOnlyWrite: true,
          },
        ],
      },
    });
    const enroll = async (org: string, id: string): Promise<Identity> => {
      await net.ca(org).register(id, `${id}-pw`, {}, 'client');
      return net.ca(org).enroll(id, `${id}-pw`);
    };
    [alice, bruno, audrey] = await Promise.all([
      enroll('BankAMSP', 'alice'),
      enroll('BankBMSP', 'bruno'),
      enroll('AuditorMSP', 'audrey'),
    ]);
  });

  afterAll(async () => {
    await net.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies the collection’s membership, access and endorsement policy', async () => {
    const write = (who: Identity, endorsingOrgs: string[]) =>
      net.submit(who, {
        fcn: 'putPrivate',
        args: ['bilateralAB', 'k'],
        transient: { value: 'shared' },
        endorsingOrgs,
      });
    const one = (await write(bruno, ['BankBMSP']).catch((e: unknown) => e)) as TransactionInvalidError;
    expect(one.code).toBe('ENDORSEMENT_POLICY_FAILURE');
    await write(bruno, ['BankBMSP', 'BankAMSP']);
    await expect(write(audrey, ['BankAMSP', 'BankBMSP'])).rejects.toThrow(/does not have write access/);
    expect((await net.evaluate(alice, { fcn: 'getPrivate', args: ['bilateralAB', 'k'] })).toString()).toBe(
      'shared',
    );
    expect((await net.evaluate(bruno, { fcn: 'getPrivate', args: ['bilateralAB', 'k'] })).toString()).toBe(
      'shared',
    );
    await expect(net.evaluate(audrey, { fcn: 'getPrivate', args: ['bilateralAB', 'k'] })).rejects.toThrow(
      /does not have read access/,
    );
    await expect(
      net.evaluate(alice, { fcn: 'getPrivate', args: ['bilateralAB', 'k'], peerOrg: 'AuditorMSP' }),
    ).rejects.toThrow(/not available/);
    const hash = (
      await net.evaluate(audrey, { fcn: 'getPrivateHash', args: ['bilateralAB', 'k'] })
    ).toString();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    await expect(net.evaluate(alice, { fcn: 'getPrivate', args: ['nosuch', 'k'] })).rejects.toThrow(
      'collection nosuch not defined in the collection config for chaincode tallystick',
    );
  });
});

describe('EmbeddedNetwork with a small orderer queue', () => {
  let dataDir: string;
  let net: EmbeddedNetwork;
  let alice: Identity;
  const blocks: CommittedBlock[] = [];
  const put = (key: string) => net.submit(alice, { fcn: 'put', args: [key, `v-${key}`] });

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-net-queue-'));
    net = await EmbeddedNetwork.start({
      ...options(dataDir),
      ordering: { maxTxPerBlock: 2, batchTimeoutMs: 1, queueTxMax: 4 },
    });
    await net.ca('BankAMSP').register('alice', 'alice-pw', {}, 'client');
    alice = await net.ca('BankAMSP').enroll('alice', 'alice-pw');
    net.onBlock((b) => blocks.push(b));
  });

  afterAll(async () => {
    await net.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds submits while the queue is full (back-pressure): a block, a full queue and as many waiting all commit', async () => {
    // 2 in the block being committed + 4 queued + 4 waiting for room: none can be refused.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(`held-${i}`)));
    expect(new Set(results.map((r) => r.txId)).size).toBe(10);
    for (const b of blocks) expect(b.transactions.length).toBeLessThanOrEqual(2);
    expect((await net.evaluate(alice, { fcn: 'get', args: ['held-9'] })).toString()).toBe('v-held-9');
  });

  it('refuses what is beyond the bound with OrdererBusyError, and submitting it again commits it', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    const first = await Promise.allSettled(keys.map(put));
    const refused = keys.filter((_, i) => first[i]?.status === 'rejected');
    for (const r of first) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(OrdererBusyError);
    }
    // How many are refused depends on timing (the orderer's own tests pin it down); each one is retryable.
    for (const key of refused) await put(key);
    for (const key of keys)
      expect((await net.evaluate(alice, { fcn: 'get', args: [key] })).toString()).toBe(`v-${key}`);
  });
});
