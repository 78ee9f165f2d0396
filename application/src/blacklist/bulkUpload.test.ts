import { createSecretKey, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { residentIdCheckCharacter } from '../../../chaincode/src/core/subject';
import { startBackend, type Backend } from '../../../test/support/backend';
import { BlacklistGateway } from '../ledger/blacklistGateway';
import type { Identity } from '../ledger/ledgerGateway';
import { BulkFileError, bulkUpload, type BulkProgress, type BulkUploadOptions } from './bulkUpload';
import { createSubjectKeyFile, loadSubjectKeyring, type SubjectKeyring } from './subjectKeys';

const HEADER = 'type,identifier,category,severity,indicators,summary,document_hashes,expires_on';
const mobile = (i: number) => `1380013${String(8000 + i).padStart(4, '0')}`;
const residentId = (seq: number) => {
  const first17 = `11010519900307${String(seq).padStart(3, '0')}`;
  return first17 + residentIdCheckCharacter(first17);
};
const mule = (identifier: string, summary = 'transfers from three victims') =>
  `MOBILE,${identifier},MONEY_MULE,HIGH,MULE_PATTERN;POLICE_REPORT,"${summary}",,`;

describe('bulk upload of a blacklist file (node side, through the embedded ledger)', () => {
  let backend: Backend;
  let bl: BlacklistGateway;
  let sys: Identity;
  let ring: SubjectKeyring;
  let dir: string;
  let options: BulkUploadOptions;

  beforeAll(async () => {
    backend = await startBackend();
    const connection = backend.embedded;
    if (!connection) throw new Error('embedded backend');
    bl = new BlacklistGateway(connection.gateway);
    await bl.join(await backend.identity('banka-admin'));
    sys = await backend.identity('banka-system');
    dir = mkdtempSync(join(tmpdir(), 'tallystick-bulk-'));
    await createSubjectKeyFile(join(dir, 'v1.key'), 1);
    ring = await loadSubjectKeyring({ files: [join(dir, 'v1.key')] }, join(dir, 'data'));
    options = {
      batchSize: 3,
      gateway: bl,
      keyring: ring,
      now: () => new Date(),
      saltKey: createSecretKey(randomBytes(32)),
      who: sys,
    };
  });
  afterAll(async () => {
    await backend.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts the good lines, refuses the bad ones by line number without echoing them, and changes nothing the second time', async () => {
    const badId = residentId(7).slice(0, 17) + (residentId(7).endsWith('X') ? '0' : 'X');
    const lines = [
      HEADER,
      mule(mobile(1)),
      mule(mobile(2)),
      `CN_RESIDENT_ID,${badId},IDENTITY_FRAUD,HIGH,FORGED_DOCUMENT;SYNTHETIC_IDENTITY,forged papers,,`,
      '',
      `CN_RESIDENT_ID,${residentId(8)},IDENTITY_FRAUD,HIGH,FORGED_DOCUMENT;SYNTHETIC_IDENTITY,"forged papers,\nsecond line",,`,
      `MOBILE,${mobile(3)},RUDE_CUSTOMER,LOW,POLICE_REPORT,x,,`,
      `MOBILE,${mobile(4)},MONEY_MULE,HIGH,POLICE_REPORT,only one flag,,`,
      mule(mobile(1), 'the same subject again'),
      mule(mobile(5)),
      `BANK_CARD,4111111111111111,SCAM_RECEIVING_ACCOUNT,MEDIUM,VICTIM_COMPLAINT;RAPID_PASS_THROUGH,scam,,2027-01-01`,
    ];
    const progress: BulkProgress[] = [];
    const first = await bulkUpload(lines.join('\n'), {
      ...options,
      onProgress: (p) => progress.push(p),
    });
    expect(first.lines).toBe(9);
    expect(first.listed).toBe(5);
    expect(first.unchanged).toBe(0);
    expect(first.refused.map((r) => [r.line, r.code])).toEqual([
      [4, 'INVALID_INPUT'],
      [8, 'POLICY_VIOLATION'],
      [9, 'POLICY_VIOLATION'],
      [10, 'INVALID_INPUT'],
    ]);
    expect(first.refused[0]?.message).toContain('line 4 identifier');
    expect(first.refused[1]?.message).toContain('line 8.category: RUDE_CUSTOMER is not a category');
    expect(first.refused[3]?.message).toBe('line 10 lists the same subject in MONEY_MULE as line 2');
    // Once the lines are checked (the refused ones done), then after each batch the ledger answered.
    expect(progress).toEqual([
      { lines: 9, linesDone: 4, listed: 0, unchanged: 0, refused: 4 },
      { lines: 9, linesDone: 7, listed: 3, unchanged: 0, refused: 4 },
      { lines: 9, linesDone: 9, listed: 5, unchanged: 0, refused: 4 },
    ]);
    const text = JSON.stringify(first);
    for (const raw of [badId, mobile(3), mobile(4), mobile(1)]) expect(text).not.toContain(raw);

    const height = backend.height();
    const again = await bulkUpload(lines.join('\n'), options);
    expect(again).toMatchObject({ lines: 9, listed: 0, unchanged: 5 });
    // The entries are as the first upload left them: one version each.
    const [key] = ring.keysForIdentifier('MOBILE', mobile(1), 'identifier');
    const history = await bl.entryHistory(sys, key?.subjectKey ?? '', 'BankAMSP', 'MONEY_MULE');
    expect(history).toHaveLength(1);
    expect(backend.height()).toBeGreaterThan(height); // the re-upload's transactions commit, writing nothing
  });

  it('a line the ledger refuses (other content over an entry in force) is refused alone; its batch still posts', async () => {
    const lines = [HEADER, mule(mobile(11)), mule(mobile(1), 'new wording'), mule(mobile(12))];
    const r = await bulkUpload(lines.join('\n'), options);
    expect(r.listed).toBe(2);
    expect(r.refused).toEqual([
      { code: 'IDEMPOTENCY_CONFLICT', line: 3, message: expect.any(String) as string },
    ]);
  });

  it('refuses a whole file that is not one: no header, unknown columns, broken quoting, too many lines', async () => {
    await expect(bulkUpload('', options)).rejects.toBeInstanceOf(BulkFileError);
    await expect(bulkUpload('type,identifier,colour\n', options)).rejects.toThrow('unknown column "colour"');
    await expect(bulkUpload('type,identifier,category\n', options)).rejects.toThrow(
      'the column severity is missing',
    );
    await expect(bulkUpload(`${HEADER}\nMOBILE,"13800138000,x\n`, options)).rejects.toThrow('not CSV');
    const many = [HEADER, ...Array.from({ length: 100_001 }, () => mule(mobile(1)))].join('\n');
    await expect(bulkUpload(many, options)).rejects.toThrow('at most 100000');
  });
});
