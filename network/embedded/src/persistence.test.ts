import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EmbeddedNetwork,
  implicitCollection,
  type CommittedBlock,
  type EmbeddedNetworkOptions,
  type Identity,
} from './index';

@Info({ title: 'PersistenceTestContract', description: 'public and private writes for the restart tests' })
class Store extends Contract {
  constructor() {
    super('store');
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

  @Transaction()
  async putPrivate(ctx: Context, key: string): Promise<void> {
    const value = ctx.stub.getTransient().get('value');
    if (value === undefined) throw new Error('MISSING_TRANSIENT: value');
    await ctx.stub.putPrivateData(implicitCollection(ctx.clientIdentity.getMSPID()), key, value);
  }

  @Transaction(false)
  @Returns('string')
  async getPrivate(ctx: Context, org: string, key: string): Promise<string> {
    return (await ctx.stub.getPrivateData(implicitCollection(org), key)).toString();
  }

  @Transaction(false)
  @Returns('string')
  async getPrivateHash(ctx: Context, org: string, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getPrivateDataHash(implicitCollection(org), key)).toString('hex');
  }

  @Transaction(false)
  @Returns('string')
  async history(ctx: Context, key: string): Promise<string> {
    const out: string[] = [];
    for await (const m of ctx.stub.getHistoryForKey(key)) out.push(`${m.txId}:${m.value.toString()}`);
    return JSON.stringify(out);
  }

  @Transaction()
  async requireOrgs(ctx: Context, key: string, orgs: string): Promise<void> {
    const policy = new KeyEndorsementPolicy();
    policy.addOrgs('MEMBER', ...orgs.split(','));
    await ctx.stub.setStateValidationParameter(key, policy.getPolicy());
  }

  /** An event and a result larger than one base64 slice of the action's JSON, of every byte value. */
  @Transaction()
  @Returns('string')
  async bigEvent(ctx: Context, size: string): Promise<string> {
    ctx.stub.setEvent('big', bigBytes(Number(size)));
    await ctx.stub.putState('big', Buffer.from(size));
    return 'r'.repeat(Number(size));
  }

  /** Writes which peer ran it: two endorsers disagree. */
  @Transaction()
  async peerSpecific(ctx: Context): Promise<void> {
    await ctx.stub.putState('peer', Buffer.from(ctx.stub.getMspID()));
  }
}

const bigBytes = (size: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 256));

const ORGS = ['BankAMSP', 'BankBMSP'];
const dirs: string[] = [];

function options(dataDir: string): EmbeddedNetworkOptions {
  return {
    dataDir,
    channel: 'reconciliation',
    organisations: ORGS,
    chaincode: { name: 'tallystick', version: '0.1.0', contracts: [Store] },
  };
}

function newDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-persist-'));
  dirs.push(dir);
  return dir;
}

/** Every committed block, from the genesis block on (read back from the block file when not in memory). */
async function allBlocks(net: EmbeddedNetwork): Promise<CommittedBlock[]> {
  const out: CommittedBlock[] = [];
  const height = net.height();
  await new Promise<void>((resolve) => {
    const off = net.onBlock(
      (b) => {
        out.push(b);
        if (b.number === height - 1n) {
          off();
          resolve();
        }
      },
      { startBlock: 0n },
    );
  });
  expect(out.map((b) => b.number)).toEqual(Array.from({ length: Number(height) }, (_, i) => BigInt(i)));
  return out;
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function flipByte(file: string, offset: number): void {
  const bytes = fs.readFileSync(file);
  bytes[offset] = (bytes[offset] as number) ^ 0x5a;
  fs.writeFileSync(file, bytes);
}

/** Where the last record of a record file starts (records are `[u32 length][u32 crc][payload]`). */
function lastRecordOffset(file: string): number {
  const bytes = fs.readFileSync(file);
  let offset = 0;
  let last = 0;
  while (offset < bytes.length) {
    last = offset;
    offset += 8 + bytes.readUInt32BE(offset);
  }
  return last;
}

/** Alice of Bank A, registered and enrolled. */
async function enrolAlice(net: EmbeddedNetwork): Promise<Identity> {
  await net.ca('BankAMSP').register('alice', 'alice-pw', {}, 'client');
  return net.ca('BankAMSP').enroll('alice', 'alice-pw');
}

/** The network in `dir` started again, with what it warned of while starting (its start-up notices). */
async function restartWarning(dir: string): Promise<{ net: EmbeddedNetwork; warnings: string }> {
  const warnings = captureWarnings();
  try {
    return { net: await EmbeddedNetwork.start(options(dir)), warnings: warnings.lines.join('\n') };
  } finally {
    warnings.restore();
  }
}

/** Collects console.warn lines (the network's start-up notices) until restored. */
function captureWarnings(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  return {
    lines,
    restore: () => {
      console.warn = warn;
    },
  };
}

describe('EmbeddedNetwork persistence', () => {
  it('restores state, versions, history, private data, CAs and users after a restart', async () => {
    const dir = newDir();
    let net = await EmbeddedNetwork.start(options(dir));
    await expect(EmbeddedNetwork.start(options(dir))).rejects.toThrow(/already open/);
    await net.ca('BankAMSP').register('alice', 'alice-pw', { roles: 'reconciler' }, 'client');
    await net.ca('BankBMSP').register('bruno', 'bruno-pw', { roles: 'reconciler' }, 'client');
    let alice = await net.ca('BankAMSP').enroll('alice', 'alice-pw');
    const bruno = await net.ca('BankBMSP').enroll('bruno', 'bruno-pw');
    const first = await net.submit(alice, { fcn: 'put', args: ['k', 'v1'] });
    const second = await net.submit(alice, { fcn: 'put', args: ['k', 'v2'] });
    await net.submit(alice, { fcn: 'putPrivate', args: ['leg'], transient: { value: 'private-amount-991' } });
    await net.submit(alice, { fcn: 'put', args: ['guarded', 'g1'] });
    await net.submit(alice, { fcn: 'requireOrgs', args: ['guarded', 'BankAMSP,BankBMSP'] });
    // 200,001 bytes: several base64 slices of 49,152 bytes and a remainder that is not a multiple of three.
    const big = await net.submit(alice, { fcn: 'bigEvent', args: ['200001'] });
    expect(big.event?.payload.equals(bigBytes(200_001))).toBe(true);
    expect(big.result.toString()).toBe('r'.repeat(200_001));
    const hashBefore = (
      await net.evaluate(bruno, { fcn: 'getPrivateHash', args: ['BankAMSP', 'leg'] })
    ).toString();
    const heightBefore = net.height();
    const blocksBefore = await allBlocks(net);
    await net.stop();
    await expect(net.submit(alice, { fcn: 'put', args: ['k', 'v3'] })).rejects.toThrow(/stopped/);

    net = await EmbeddedNetwork.start(options(dir));
    try {
      expect(net.height()).toBe(heightBefore);
      expect(await allBlocks(net)).toEqual(blocksBefore);
      // Read back from the block file, the large event is the one the chaincode set.
      const bigTx = (await allBlocks(net)).flatMap((b) => b.transactions).find((t) => t.txId === big.txId);
      expect(bigTx?.event?.payload.equals(bigBytes(200_001))).toBe(true);
      expect((await net.evaluate(bruno, { fcn: 'get', args: ['k'] })).toString()).toBe('v2');
      expect(JSON.parse((await net.evaluate(bruno, { fcn: 'history', args: ['k'] })).toString())).toEqual([
        `${second.txId}:v2`,
        `${first.txId}:v1`,
      ]);
      expect((await net.evaluate(alice, { fcn: 'getPrivate', args: ['BankAMSP', 'leg'] })).toString()).toBe(
        'private-amount-991',
      );
      expect(
        (await net.evaluate(bruno, { fcn: 'getPrivateHash', args: ['BankAMSP', 'leg'] })).toString(),
      ).toBe(hashBefore);
      await expect(net.evaluate(bruno, { fcn: 'getPrivate', args: ['BankAMSP', 'leg'] })).rejects.toThrow(
        /not available/,
      );
      // The key-level policy survived too.
      await expect(net.submit(alice, { fcn: 'put', args: ['guarded', 'g2'] })).rejects.toMatchObject({
        code: 'ENDORSEMENT_POLICY_FAILURE',
      });
      await net.submit(alice, {
        fcn: 'put',
        args: ['guarded', 'g2'],
        endorsingOrgs: ['BankAMSP', 'BankBMSP'],
      });
      // Registered users survive; the identity enrolled before the restart is still accepted.
      await net.submit(alice, { fcn: 'put', args: ['k', 'v3'] });
      alice = await net.ca('BankAMSP').enroll('alice', 'alice-pw');
      await expect(net.ca('BankAMSP').enroll('alice', 'nope')).rejects.toThrow(/wrong secret/);
      const r = await net.submit(alice, { fcn: 'put', args: ['k', 'v4'] });
      expect(r.blockNumber).toBe(heightBefore + 3n);
      const blocks = await allBlocks(net);
      expect(blocks.at(-1)?.previousHash).not.toBe('');
      expect((await net.evaluate(bruno, { fcn: 'get', args: ['k'] })).toString()).toBe('v4');
    } finally {
      await net.stop();
    }
    await expect(EmbeddedNetwork.start({ ...options(dir), organisations: ['BankAMSP'] })).rejects.toThrow(
      /was created for organisations/,
    );
  });

  it('drops a torn block that was never acknowledged (a crash mid-append), with its private data, and says so', async () => {
    const dir = newDir();
    let net = await EmbeddedNetwork.start(options(dir));
    const alice = await enrolAlice(net);
    await net.submit(alice, { fcn: 'put', args: ['a', '1'] });
    const kept = net.height();
    // The mark as it stood before the last block: a crash while appending that block never rewrote it.
    const markFile = path.join(dir, 'ledger', 'acknowledged');
    const markBefore = fs.readFileSync(markFile);
    await net.submit(alice, { fcn: 'putPrivate', args: ['torn'], transient: { value: 'lost-in-crash' } });
    await net.stop();

    const blockFile = path.join(dir, 'ledger', 'blocks.log');
    const privateFile = path.join(dir, 'ledger', 'private', 'BankAMSP.log');
    const size = fs.statSync(blockFile).size;
    fs.truncateSync(blockFile, size - 10); // the crash in the middle of the last append
    fs.writeFileSync(markFile, markBefore);
    expect(fs.readFileSync(privateFile).includes(Buffer.from('lost-in-crash'))).toBe(true);

    const restarted = await restartWarning(dir);
    net = restarted.net;
    try {
      expect(net.height()).toBe(kept);
      expect(restarted.warnings).toMatch(
        new RegExp(
          `blocks\\.log: dropped a torn tail of \\d+ bytes at offset \\d+ \\(block ${kept}, never acknowledged`,
        ),
      );
      expect(restarted.warnings).toMatch(/BankAMSP\.log: dropped the private data of blocks from/);
      expect(fs.readFileSync(privateFile).includes(Buffer.from('lost-in-crash'))).toBe(false);
      expect((await net.evaluate(alice, { fcn: 'getPrivate', args: ['BankAMSP', 'torn'] })).toString()).toBe(
        '',
      );
      expect((await net.evaluate(alice, { fcn: 'get', args: ['a'] })).toString()).toBe('1');
      const r = await net.submit(alice, { fcn: 'put', args: ['b', '2'] });
      expect(r.blockNumber).toBe(kept);
    } finally {
      await net.stop();
    }
    // The appended block chains onto the kept ones: the file reopens cleanly.
    net = await EmbeddedNetwork.start(options(dir));
    try {
      expect(net.height()).toBe(kept + 1n);
      expect((await net.evaluate(alice, { fcn: 'get', args: ['b'] })).toString()).toBe('2');
    } finally {
      await net.stop();
    }
  });

  it('keeps a block written whole but not yet acknowledged when the process stopped', async () => {
    const dir = newDir();
    let net = await EmbeddedNetwork.start(options(dir));
    const alice = await enrolAlice(net);
    await net.submit(alice, { fcn: 'put', args: ['a', '1'] });
    const markFile = path.join(dir, 'ledger', 'acknowledged');
    const markBefore = fs.readFileSync(markFile);
    await net.submit(alice, { fcn: 'putPrivate', args: ['p'], transient: { value: 'synced' } });
    const height = net.height();
    await net.stop();
    fs.writeFileSync(markFile, markBefore); // stopped after the block's sync, before the mark's

    const restarted = await restartWarning(dir);
    net = restarted.net;
    try {
      expect(net.height()).toBe(height);
      expect(restarted.warnings).toMatch(
        /block \d+ is whole on disk but not yet acknowledged when the process stopped; kept/,
      );
      expect((await net.evaluate(alice, { fcn: 'getPrivate', args: ['BankAMSP', 'p'] })).toString()).toBe(
        'synced',
      );
    } finally {
      await net.stop();
    }
  });

  describe('refuses to start on damaged acknowledged data, changing nothing', () => {
    /** A ledger with public and private blocks, cleanly stopped: every block acknowledged. */
    async function stoppedLedger(): Promise<{ dir: string; height: bigint }> {
      const dir = newDir();
      const net = await EmbeddedNetwork.start(options(dir));
      const alice = await enrolAlice(net);
      for (let i = 0; i < 6; i++) {
        await net.submit(alice, { fcn: 'put', args: [`k${i}`, `v${i}`] });
        await net.submit(alice, { fcn: 'putPrivate', args: [`p${i}`], transient: { value: `secret-${i}` } });
      }
      const height = net.height();
      await net.stop();
      return { dir, height };
    }

    /** `file` put back as it was: the ledger in `dir` starts again with every block. */
    async function expectRepaired(
      dir: string,
      file: string,
      original: Buffer,
      height: bigint,
    ): Promise<void> {
      fs.writeFileSync(file, original);
      const net = await EmbeddedNetwork.start(options(dir));
      try {
        expect(net.height()).toBe(height);
      } finally {
        await net.stop();
      }
    }

    const cutBy7 = (f: string) => {
      fs.truncateSync(f, fs.statSync(f).size - 7);
    };
    const flipMiddle = (f: string) => {
      flipByte(f, Math.floor(fs.statSync(f).size / 2));
    };
    /** The refusal naming `file`'s damaged record: `record` (a pattern) and what is wrong with it. */
    const damaged = (file: string, record: string, what: string) =>
      new RegExp(
        `${file}: acknowledged data is damaged at offset \\d+: record ${record} is damaged \\(${what}`,
      );
    const anyDamage = '(checksum mismatch|header damaged|cut short)';
    const cases: { name: string; file: string; damage: (file: string) => void; message: RegExp }[] = [
      {
        name: 'the block file cut by 7 bytes',
        file: 'blocks.log',
        damage: cutBy7,
        message: damaged(
          'blocks\\.log',
          '12',
          'cut short: .*\\); .* the last good record is block 11\\. Refusing to start',
        ),
      },
      {
        name: 'the block file cut to a record boundary (a whole block gone)',
        file: 'blocks.log',
        damage: (f) => {
          fs.truncateSync(f, lastRecordOffset(f));
        },
        message: damaged('blocks\\.log', '12', 'the file ends there\\)'),
      },
      {
        name: 'a byte flipped in the middle of the block file',
        file: 'blocks.log',
        damage: flipMiddle,
        message: damaged('blocks\\.log', '\\d+', anyDamage),
      },
      {
        name: "an organisation's private data file cut by 7 bytes",
        file: 'private/BankAMSP.log',
        damage: cutBy7,
        message: damaged(
          'BankAMSP\\.log',
          '5',
          'cut short: .*\\); .* the last good record is the private data of block 10\\. Refusing',
        ),
      },
      {
        name: 'a byte flipped in the middle of a private data file',
        file: 'private/BankAMSP.log',
        damage: flipMiddle,
        message: damaged('BankAMSP\\.log', '\\d+', anyDamage),
      },
      {
        name: 'both copies of the acknowledgement mark damaged',
        file: 'acknowledged',
        damage: (f) => {
          flipByte(f, 20);
          flipByte(f, 4096 + 20);
        },
        message: /acknowledged: both copies of the acknowledgement mark are damaged/,
      },
    ];

    it.each(cases)('$name', async ({ file, damage, message }) => {
      const { dir, height } = await stoppedLedger();
      const target = path.join(dir, 'ledger', file);
      const original = fs.readFileSync(target);
      damage(target);
      const damaged = fs.readFileSync(target);
      const err = await EmbeddedNetwork.start(options(dir)).then(
        async (net) => {
          await net.stop();
          return undefined;
        },
        (e: unknown) => e as Error,
      );
      expect(err?.message).toMatch(message);
      expect(err?.message).toContain(target);
      // Nothing cut, and the data directory is free again: repaired, the ledger starts with every block.
      expect(fs.readFileSync(target).equals(damaged)).toBe(true);
      await expectRepaired(dir, target, original, height);
    });

    it('one damaged copy of the mark: the other, one block older, still guards the ledger', async () => {
      const { dir, height } = await stoppedLedger();
      const mark = path.join(dir, 'ledger', 'acknowledged');
      const bytes = fs.readFileSync(mark);
      // The newer copy is the one with the higher sequence number; damage it.
      const seq = (at: number) =>
        (JSON.parse(bytes.subarray(at + 8, at + 8 + bytes.readUInt32BE(at)).toString()) as { seq: number })
          .seq;
      flipByte(mark, (seq(0) > seq(4096) ? 0 : 4096) + 20);
      const blocks = path.join(dir, 'ledger', 'blocks.log');
      const original = fs.readFileSync(blocks);
      fs.truncateSync(blocks, lastRecordOffset(blocks) - 1); // into the block before the last
      await expect(EmbeddedNetwork.start(options(dir))).rejects.toThrow(
        /blocks\.log: acknowledged data is damaged/,
      );
      await expectRepaired(dir, blocks, original, height);
    });
  });

  it('fails the submit when endorsing peers produce different results', async () => {
    const net = await EmbeddedNetwork.start(options(newDir()));
    try {
      const alice = await enrolAlice(net);
      await expect(
        net.submit(alice, { fcn: 'peerSpecific', endorsingOrgs: ['BankAMSP', 'BankBMSP'] }),
      ).rejects.toThrow(/ProposalResponsePayloads do not match/);
      const ok = await net.submit(alice, { fcn: 'peerSpecific', endorsingOrgs: ['BankBMSP'] });
      expect(ok.blockNumber).toBeGreaterThan(0n);
      expect((await net.evaluate(alice, { fcn: 'get', args: ['peer'] })).toString()).toBe('BankBMSP');
    } finally {
      await net.stop();
    }
  });
});
