/**
 * A break's due date in the console: the last moment of a chosen day in the person's time zone, as the UTC time
 * the ledger takes (SET_DUE), and that day back from a due time. Pure (no clock): the component passes times in.
 */

/** The UTC offset of `zone` at `utcMs`, in ms (east of Greenwich positive). */
function offsetMs(zone: string, utcMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/** 23:59:59 of `day` (YYYY-MM-DD) in `zone`, as a UTC ISO-8601 time. */
export function endOfDayIn(day: string, zone: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1, 23, 59, 59);
  // The offset at the wall time taken as UTC is the zone's offset except right at a transition: correct once.
  let utc = wall - offsetMs(zone, wall);
  utc = wall - offsetMs(zone, utc);
  return new Date(utc).toISOString();
}

/** The day (YYYY-MM-DD) a UTC time falls on in `zone`. */
export function dayIn(iso: string, zone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));
}
