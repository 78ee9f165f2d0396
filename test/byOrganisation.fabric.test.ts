import { execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConsortium, repoRoot } from '../application/src/ledger/consortium';
import {
  FabricTransport,
  loadProfiles,
  openFabricLedger,
  walletIdentity,
  type FabricLedger,
} from '../application/src/ledger/fabricLedger';
import { LedgerUnavailable, type Identity } from '../application/src/ledger/ledgerGateway';
import { canonicalJson } from '../chaincode/src/ledger/codec';
import { layoutFor } from '../network/fabric/src/layout';
import { paymentLegs } from './support/legs';

// The network brought up organisation by organisation, each by its own `--org` command, as members operating
// their own hosts would (docs/FABRIC.md, "One organisation's part"). It is a network of its own, made and removed
// here, so it never touches the one the live suite (test/conformance/fabric.fabric.test.ts) runs on: its run
// folder is the live one's name + `-by-org`, its ports the live ones + 500 (TALLYSTICK_FABRIC_BY_ORG_OFFSET
// overrides), one orderer.
const live = layoutFor(repoRoot());
const runDir = join(dirname(live.runDir), `${basename(live.runDir)}-by-org`);
const offset = Number(process.env.TALLYSTICK_FABRIC_BY_ORG_OFFSET ?? live.portOffset + 500);
const consortium = loadConsortium();
const members = consortium.organisations.map((o) => o.mspId);

interface Ran {
  code: number;
  output: string;
}

/** One launcher command, as its organisation's operator runs it: `node network/fabric/cli.mjs …`. */
function launcher(...args: string[]): Promise<Ran> {
  const env = {
    ...process.env,
    TALLYSTICK_FABRIC_RUN: runDir,
    TALLYSTICK_FABRIC_PORT_OFFSET: String(offset),
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot(), 'network', 'fabric', 'cli.mjs'), ...args],
      { cwd: repoRoot(), env, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

async function launcherOk(...args: string[]): Promise<string> {
  const ran = await launcher(...args);
  expect(ran.code, `${args.join(' ')}:\n${ran.output}`).toBe(0);
  return ran.output;
}

/** `status` rows as `name → state`, from the launcher's table. */
function states(output: string): Record<string, string> {
  const rows = output.split('\n').slice(1);
  return Object.fromEntries(
    rows
      .map((line) => line.split(/\s+/))
      .filter((cells) => cells.length >= 4 && (cells[3] === 'up' || cells[3] === 'down'))
      .map((cells): [string, string] => [cells[0] ?? '', cells[3] ?? '']),
  );
}

/**
 * Seconds after a peer joins, discovery may not know it yet: a write that was not sent (NOT_SENT) is tried again,
 * as a client would, for up to 60 s.
 */
async function eventually<T>(write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await write();
    } catch (e) {
      if (!(e instanceof LedgerUnavailable) || e.outcome !== 'NOT_SENT' || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe('the network brought up organisation by organisation (up --org)', () => {
  let ledger: FabricLedger | undefined;

  beforeAll(async () => {
    if (existsSync(runDir)) await launcher('down');
    rmSync(runDir, { recursive: true, force: true });
  });

  afterAll(async () => {
    await ledger?.close();
    await launcherOk('down');
    rmSync(runDir, { recursive: true, force: true });
  });

  it('each organisation enrols alone, and a member cannot start before the channel exists', async () => {
    for (const org of [...members, 'OrdererMSP']) await launcherOk('enrol', '--org', org, '--orderers', '1');
    const early = await launcher('up', '--org', 'BankAMSP', '--orderers', '1');
    expect(early.code).toBe(1);
    expect(early.output).toMatch(/no channel genesis block .* the ordering organisation makes it/);
  }, 180_000);

  it('the ordering organisation, then each member by its own command; the third approval commits', async () => {
    expect(await launcherOk('up', '--org', 'OrdererMSP', '--orderers', '1')).toMatch(/genesis block/);
    const summaries: string[] = [];
    for (const [index, org] of members.entries()) {
      const output = await launcherOk('up', '--org', org, '--orderers', '1');
      summaries.push(output.split('\n').find((l) => /approved sequence|sequence 1 /.test(l)) ?? output);
      // its CA, peer and chaincode server run; its peer endorses once the definition is committed (3rd member)
      const own = await launcher('status', '--org', org);
      const rows = states(own.output);
      expect(Object.values(rows).every((s) => s === 'up')).toBe(true);
      expect(Object.keys(rows).some((name) => name.startsWith('chaincode-'))).toBe(true);
      expect(own.code, own.output).toBe(index < 2 ? 4 : 0);
    }
    expect(summaries[0]).toMatch(/approved sequence 1 \(1 of 5/);
    expect(summaries[1]).toMatch(/approved sequence 1 \(2 of 5/);
    expect(summaries[2]).toMatch(/committed by this member/);
    expect(summaries[3]).toMatch(/already committed/);
    const all = await launcher('status');
    expect(all.code, all.output).toBe(0);
  }, 240_000);

  it('transactions of two members commit through the application gateway', async () => {
    ledger = await openFabricLedger({ runDir, consortium });
    const l = ledger;
    const p = paymentLegs();
    const a = await eventually(async () => l.gateway.postLegs(await l.identity('banka-system'), [p.debit]));
    const b = await eventually(async () => l.gateway.postLegs(await l.identity('bankb-system'), [p.credit]));
    expect(b.blockNumber).toBeGreaterThan(a.blockNumber);
  }, 120_000);

  // issue 17 item 2 on the live network: the commit event is taken away and the submit is still answered
  for (const how of ['never comes', 'fails at once'] as const) {
    it(`a submit whose commit event ${how} is answered from the peer's record by id`, async () => {
      const sysA = await walletIdentity(runDir, 'BankAMSP', 'banka-system');
      const transport = new FabricTransport({
        channel: consortium.channel,
        chaincode: consortium.chaincode.name,
        profiles: loadProfiles(runDir),
        listener: sysA,
        lateCommitMs: 300,
      });
      try {
        const c = await (
          transport as unknown as {
            connect(w: Identity): Promise<{ network: { addCommitListener: unknown } }>;
          }
        ).connect(sysA);
        c.network.addCommitListener = (
          listener: (error: unknown, event: unknown) => void,
          peers: { name: string }[],
        ) => {
          if (how === 'fails at once')
            for (const peer of peers)
              listener(Object.assign(new Error('event service failed to start (test)'), { peer }), undefined);
          return Promise.resolve();
        };
        const started = Date.now();
        const leg = paymentLegs().debit;
        const posted = await eventually(() =>
          transport.submit(sysA, {
            fcn: 'reconciliation:postLegs',
            args: [],
            transient: { legs: canonicalJson([leg]) },
          }),
        );
        expect(Date.now() - started).toBeLessThan(15_000); // well before the 30 s commit deadline
        await expect(transport.transactionStatus(sysA, posted.txId)).resolves.toEqual({
          status: 'VALID',
          blockNumber: posted.blockNumber,
        });
        expect(JSON.parse(posted.payload.toString('utf8'))).toMatchObject([{ legId: leg.legId }]);
      } finally {
        await transport.close();
      }
    }, 60_000);
  }

  it('down --org stops one member alone; the others keep running and committing', async () => {
    expect(await launcherOk('down', '--org', 'BankBMSP')).toMatch(
      /stopped 3: ca-BankBMSP, peer0-bankb, chaincode-/,
    );
    const after = await launcher('status');
    expect(after.code).toBe(3);
    const rows = states(after.output);
    const down = Object.entries(rows)
      .filter(([, s]) => s === 'down')
      .map(([name]) => name);
    expect(down.sort()).toEqual(['ca-BankBMSP', 'peer0-bankb']); // its server is gone from the table
    expect(Object.keys(rows).filter((n) => n.startsWith('chaincode-'))).toHaveLength(members.length - 1);
    const l = ledger ?? (await openFabricLedger({ runDir, consortium }));
    ledger = l;
    await expect(
      eventually(async () => l.gateway.postLegs(await l.identity('banka-system'), [paymentLegs().debit])),
    ).resolves.toMatchObject({ blockNumber: expect.any(BigInt) as unknown });
    // and it comes back by its own command
    await launcherOk('up', '--org', 'BankBMSP', '--orderers', '1');
    expect((await launcher('status')).code).toBe(0);
  }, 180_000);
});
