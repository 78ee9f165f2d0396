import { describe, expect, it } from 'vitest';

import { dayIn, endOfDayIn } from '../application/console/src/dueDate';

describe('the console’s due dates', () => {
  it('moves a break to the end of a day in the person’s time zone, and reads that day back', () => {
    expect(endOfDayIn('2026-12-08', 'Asia/Shanghai')).toBe('2026-12-08T15:59:59.000Z');
    expect(endOfDayIn('2026-12-08', 'UTC')).toBe('2026-12-08T23:59:59.000Z');
    // across a daylight-saving change (New York: UTC-5 in winter, UTC-4 in summer)
    expect(endOfDayIn('2026-07-01', 'America/New_York')).toBe('2026-07-02T03:59:59.000Z');
    expect(endOfDayIn('2026-03-08', 'America/New_York')).toBe('2026-03-09T03:59:59.000Z');
    expect(dayIn('2026-12-08T15:59:59.000Z', 'Asia/Shanghai')).toBe('2026-12-08');
    expect(dayIn('2026-12-08T16:00:00.000Z', 'Asia/Shanghai')).toBe('2026-12-09');
  });
});
