import type { EntryRecord } from '../../chaincode/src/core/blacklist/entry';

/**
 * An entry as the ledger holds it, for the core's tests (dispute, evidence requests, metering, queries): Bank A's
 * ACTIVE money-mule entry listed on 2030-01-01, each field overridable. Shared so that a field added to
 * `EntryRecord` is given once for every test.
 */
export function entryFixture(over: Partial<EntryRecord> = {}): EntryRecord {
  return {
    category: 'MONEY_MULE',
    evidenceHash: 'e'.repeat(64),
    expiresOn: '2032-01-01',
    indicators: ['MULE_PATTERN', 'POLICE_REPORT'],
    inputHash: 'i',
    keyVersion: 1,
    listedAt: '2030-01-01T00:00:00.000Z',
    listedOn: '2030-01-01',
    policyVersion: 1,
    severity: 'HIGH',
    status: 'ACTIVE',
    subjectKey: 'a'.repeat(64),
    txId: 'tx-list',
    uploader: 'BankAMSP',
    ...over,
  };
}
