import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConsortium } from './consortium';
import { startEmbeddedConsortium, type EmbeddedConsortium } from './embeddedLedger';
import { LedgerRejected } from './ledgerGateway';

describe('the embedded transport maps failures as the Fabric one does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tallystick-embedded-map-'));
  let c: EmbeddedConsortium;
  beforeAll(async () => {
    c = await startEmbeddedConsortium({ dataDir: dir, durability: 'none' });
  });
  afterAll(async () => {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a chaincode failure without a code is internal, never the caller’s INVALID_INPUT', async () => {
    const transport = c.gateway.transport;
    const who = await c.identity('alice');
    const e = await transport
      .submit(who, { fcn: 'reconciliation:noSuchTransaction', args: [], transient: {} })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(LedgerRejected);
    expect(String(e)).toMatch(/without a code/);
  });

  it('enrols one person several times at once (a login beside the node’s own reader), each time', async () => {
    const ca = c.network.ca('BankAMSP');
    const enrolled = await Promise.all(Array.from({ length: 6 }, () => ca.enroll('amir', 'amir-pw')));
    expect(enrolled.every((i) => i.mspId === 'BankAMSP')).toBe(true);
  });

  it('a coded refusal stays the caller’s, with its code', async () => {
    const who = await c.identity('alice');
    const e = await c.gateway.getBreak(who, 'brk-missing').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(LedgerRejected);
    expect((e as LedgerRejected).code).toBe('BREAK_NOT_FOUND');
  });
});

describe('the embedded consortium follows the consortium file’s people', () => {
  it('a changed attribute (a write-off limit) reaches the person’s next certificate, as fabric-ca’s identity modify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallystick-embedded-attrs-'));
    try {
      const consortium = loadConsortium();
      const without = {
        ...consortium,
        organisations: consortium.organisations.map((o) => ({
          ...o,
          users: o.users.map(({ attributes: _a, ...u }) => u),
        })),
      };
      const first = await startEmbeddedConsortium({ dataDir: dir, durability: 'none', consortium: without });
      const before = new X509Certificate((await first.identity('bella')).certificatePem);
      await first.close();
      expect(before.raw.includes('writeOffLimit')).toBe(false);
      const again = await startEmbeddedConsortium({ dataDir: dir, durability: 'none', consortium });
      const after = new X509Certificate((await again.identity('bella')).certificatePem);
      await again.close();
      expect(after.raw.includes('writeOffLimit')).toBe(true);
      expect(after.raw.includes('CNY:5000000')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
