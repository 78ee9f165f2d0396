import { lockCheckpointBefore, writeCheckpoint, ContinuityError, type Checkpoint } from './checkpoint';
import { sumDaily } from './dailyCounts';
import type { Projection } from './rows';
import type { Queryable } from './sql';
import { checkTimelines, writeBreaks, writeTransitions } from './write/breaks';
import { writeCases } from './write/cases';
import { writeDailyCounts } from './write/dailyCounts';
import { writeLegs } from './write/legs';
import { nameBreakPeople } from './write/breakPeople';
import { writeOpenBreaks } from './write/openBreaks';
import { writeOwnLegs } from './write/ownLegs';
import { writeTransactions } from './write/transactions';

/**
 * Writes one projection and moves the checkpoint to its last transaction. Call inside one SQL transaction
 * (the caller commits): either all of it lands or none. Checks, before writing, that the projection starts
 * after the checkpoint (whose row it locks) and that every break's timeline continues where the index left it.
 */
export async function applyProjection(
  client: Queryable,
  p: Projection,
  institution: string,
  /** Test seam: runs after the rows, before the checkpoint is written. */
  beforeCheckpoint?: () => Promise<void>,
): Promise<Checkpoint> {
  const last = p.transactions.at(-1);
  if (!last) throw new ContinuityError('an empty projection');
  await lockCheckpointBefore(client, institution, p.transactions);
  await checkTimelines(client, p.breaks, p.transitions);

  await writeTransactions(client, p.transactions);
  const casesCounted = await writeCases(client, [...p.cases.values()]);
  await writeLegs(client, p.legs);
  if (p.ownLegs) await writeOwnLegs(client, institution, p.ownLegs);
  await writeBreaks(client, [...p.breaks.values()]);
  await writeTransitions(client, p.transitions);
  await writeOpenBreaks(client, institution, p.openBreaks);
  if (p.peopleKeys) await nameBreakPeople(client, p.peopleKeys);
  await writeDailyCounts(client, sumDaily(casesCounted, p.daily));

  await beforeCheckpoint?.();
  return writeCheckpoint(client, institution, last);
}
