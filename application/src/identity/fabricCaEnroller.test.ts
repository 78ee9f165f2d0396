import { describe, expect, it } from 'vitest';

import { EnrolmentRefused } from './enroller';
import { fabricCaEnroller } from './fabricCaEnroller';

describe('the fabric-ca enroller', () => {
  it('answers a refusal no sooner than its floor, however fast the CA refused', async () => {
    // Nothing listens on port 9: the CA "refuses" at once, faster than any secret check.
    const enroller = fabricCaEnroller({
      url: 'https://127.0.0.1:9',
      tlsCaPem: 'unused: the connection never gets that far',
      mspId: 'BankAMSP',
      refusalFloorMs: 300,
    });
    const started = performance.now();
    await expect(enroller.enroll('nobody', 'secret')).rejects.toBeInstanceOf(EnrolmentRefused);
    expect(performance.now() - started).toBeGreaterThanOrEqual(299);
  });
});
