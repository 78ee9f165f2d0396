import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { BlacklistGateway } from '../../application/src/ledger/blacklistGateway';
import {
  startEmbeddedConsortium,
  type EmbeddedConsortium,
} from '../../application/src/ledger/embeddedLedger';
import { LedgerRejected } from '../../application/src/ledger/ledgerGateway';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The files under `dir` that hold `marker`'s bytes. */
function holding(dir: string, marker: string): string[] {
  const needle = Buffer.from(marker, 'utf8');
  return filesUnder(dir)
    .filter((f) => readFileSync(f).includes(needle))
    .map((f) => f.slice(dir.length + 1));
}

/**
 * Purged evidence leaves no bytes on the embedded network's disk (issue 19 item 6; docs/BLACKLIST.md, "Purge"):
 * the uploader retracts a disputed entry, the transaction purges its evidence, and afterwards no file of the data
 * directory holds the evidence, neither at once nor after a restart that replays the ledger. A stop between the
 * purge's acknowledgement and its rewrite of the private-data log (the bytes rebuilt as such a crash leaves them)
 * is finished by the next start's replay.
 */
describe('purged blacklist evidence on the embedded network’s disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tallystick-blacklist-purge-'));
  let net: EmbeddedConsortium | undefined;
  const start = async () => (net = await startEmbeddedConsortium({ dataDir, durability: 'fsync' }));
  const stop = async () => {
    await net?.close();
    net = undefined;
  };
  afterAll(async () => {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const marker = `evidence-${randomBytes(12).toString('hex')}`;
  const kept = `kept-${randomBytes(12).toString('hex')}`;
  const privateLog = join(dataDir, 'ledger', 'private', 'BankBMSP.log');
  const subject = { keyVersion: 1, subjectKey: randomBytes(32).toString('hex') };
  const other = { keyVersion: 1, subjectKey: randomBytes(32).toString('hex') };
  const entry = (s: typeof subject, summary: string) => ({
    category: 'MONEY_MULE',
    evidence: { salt: randomBytes(16).toString('hex'), summary },
    indicators: ['MULE_PATTERN', 'POLICE_REPORT'],
    severity: 'HIGH' as const,
    subject: s,
  });
  const gateway = (c: EmbeddedConsortium) => new BlacklistGateway(c.gateway);
  /** PayCo disputes Bank B's entry about `s` (on a subject's behalf); the dispute's id. */
  const openDispute = async (c: EmbeddedConsortium, s: typeof subject): Promise<string> => {
    const disputeId = `d-${randomBytes(6).toString('hex')}`;
    await gateway(c).openDispute(await c.identity('pavel'), {
      category: 'MONEY_MULE',
      disputeId,
      requestHash: randomBytes(32).toString('hex'),
      subjectKey: s.subjectKey,
      uploader: 'BankBMSP',
    });
    return disputeId;
  };
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      (e: unknown) => (e instanceof LedgerRejected ? e.code : String(e)),
    );

  // Each test stops what it started, also when it fails, so the next one can open the data directory.
  afterEach(stop);

  it('a retraction purges the evidence: no file holds it, at once and after a restart; other evidence stays', async () => {
    const c = await start();
    const bl = gateway(c);
    for (const admin of ['bankb-admin', 'payco-admin']) await bl.join(await c.identity(admin));
    await bl.upload(await c.identity('bankb-system'), entry(subject, marker));
    await bl.upload(await c.identity('bankb-system'), entry(other, kept));
    // Positive control: the scan reads the private-data log in clear.
    expect(holding(dataDir, marker)).toEqual(['ledger/private/BankBMSP.log']);
    const disputeId = await openDispute(c, subject);
    const step = await bl.disputeStep(await c.identity('bruno'), disputeId, 'RETRACT');
    expect(step.result.dispute.status).toBe('RETRACTED');
    expect(holding(dataDir, marker)).toEqual([]);
    expect(holding(dataDir, kept)).toEqual(['ledger/private/BankBMSP.log']);

    await stop();
    const again = await start();
    expect(holding(dataDir, marker)).toEqual([]);
    const bruno = await again.identity('bankb-system');
    expect(await code(gateway(again).ownEvidence(bruno, subject.subjectKey, 'MONEY_MULE'))).toBe(
      'ENTRY_NOT_FOUND',
    );
    expect(JSON.stringify(await gateway(again).ownEvidence(bruno, other.subjectKey, 'MONEY_MULE'))).toContain(
      kept,
    );
    await stop();
  }, 120_000);

  it('a stop between the purge and its rewrite leaves the bytes; the next start removes them', async () => {
    const c = await start();
    const bl = gateway(c);
    const third = { keyVersion: 1, subjectKey: randomBytes(32).toString('hex') };
    const late = `late-${randomBytes(12).toString('hex')}`;
    await bl.upload(await c.identity('bankb-system'), entry(third, late));
    const disputeId = await openDispute(c, third);
    await stop();
    const before = readFileSync(privateLog);
    expect(before.includes(Buffer.from(late))).toBe(true);

    const d = await start();
    await gateway(d).disputeStep(await d.identity('bruno'), disputeId, 'RETRACT');
    await stop();
    const after = readFileSync(privateLog);
    expect(after.includes(Buffer.from(late))).toBe(false);
    // What a crash after the acknowledgement and before the rewrite leaves: the old records (the rewrite is in
    // place, of the same length), then the purging block's.
    writeFileSync(privateLog, Buffer.concat([before, after.subarray(before.length)]));
    expect(holding(dataDir, late)).toEqual(['ledger/private/BankBMSP.log']);

    const e = await start();
    expect(holding(dataDir, late)).toEqual([]);
    expect(
      await code(gateway(e).ownEvidence(await e.identity('bankb-system'), third.subjectKey, 'MONEY_MULE')),
    ).toBe('ENTRY_NOT_FOUND');
    await stop();
    // The rewritten records read back whole: a start after it replays them without a word.
    await start();
    expect(holding(dataDir, late)).toEqual([]);
  }, 120_000);
});
