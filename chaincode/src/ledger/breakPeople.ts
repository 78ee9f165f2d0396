/**
 * A break between its two forms: the core's (BreakRecord, every person in plaintext, what the state machine
 * decides on) and the ledger's (SealedBreak: every person sealed for the case's parties). The chaincode opens a
 * break with the reference a step carries, lets the core decide, and seals what the step added; matching and the
 * sweep, which may run without the reference, never read or change a person (blindBreak, sealBreak without a
 * sealer). The node opens what it indexes with the references it holds.
 */
import type { BreakRecord, PersonRef, TimelineEntry } from '../core/breakMachine';
import type { SealedBreak, SealedEntry } from '../api/reconciliation';
import { canonicalJson } from './codec';
import { sealKey, unsealWithKey } from './seal';

/**
 * Who took a step no person took: the ledger's own (matching opens and clears a break in whichever member's
 * transaction brought the legs or ran the sweep; the block names that transaction's signer).
 */
export const LEDGER_PERSON: PersonRef = Object.freeze({ mspId: '', id: '', name: '' });

/** The steps the ledger takes itself: their entries name no person. */
const LEDGER_STEPS: ReadonlySet<string> = new Set(['OPEN', 'CLEAR']);

/** The persons a break names besides its timeline. */
interface BreakPeople {
  readonly approver?: PersonRef;
  readonly assignee?: PersonRef;
  readonly proposer?: PersonRef;
}

/** The persons of one timeline entry. */
interface EntryPeople {
  readonly actor: PersonRef;
  readonly assignee?: string;
}

function peopleOf(b: BreakRecord): BreakPeople {
  return {
    ...(b.proposal?.approver ? { approver: b.proposal.approver } : {}),
    ...(b.assignee ? { assignee: b.assignee } : {}),
    ...(b.proposal ? { proposer: b.proposal.proposer } : {}),
  };
}

/**
 * The break as the ledger keeps it. `before` is its ledger form before this step (undefined for a new break): its
 * entries keep their sealed persons, byte for byte. `seal` seals a text under the case's people key; without it
 * (matching, the sweep: no reference at hand) the break's persons stay as `before` had them, and a new entry may
 * only be the ledger's own (OPEN, CLEAR).
 */
export function sealBreak(
  b: BreakRecord,
  before: SealedBreak | undefined,
  seal: ((text: string) => string) | undefined,
): SealedBreak {
  const kept = before?.timeline ?? [];
  const timeline = b.timeline.map((e, i): SealedEntry => {
    const old = kept[i];
    if (old !== undefined) return { ...entryFacts(e), people: old.people };
    if (LEDGER_STEPS.has(e.action)) return { ...entryFacts(e), people: '' };
    if (seal === undefined)
      throw new Error(`break ${b.breakId}: a ${e.action} step names a person and needs the reference`);
    const people: EntryPeople =
      e.assignee === undefined ? { actor: e.actor } : { actor: e.actor, assignee: e.assignee };
    return { ...entryFacts(e), people: seal(canonicalJson(people)) };
  });
  let people = before?.people ?? '';
  if (seal !== undefined) {
    const text = canonicalJson(peopleOf(b));
    people = text === '{}' ? '' : seal(text);
  }
  const { assignee: _a, proposal, timeline: _t, ...facts } = b;
  return {
    ...facts,
    people,
    ...(proposal ? { proposal: sealedProposal(proposal) } : {}),
    timeline,
  };
}

/** What of a proposal is public: its kind and root cause (its proposer and approver are sealed). */
function sealedProposal(p: NonNullable<BreakRecord['proposal']>): NonNullable<SealedBreak['proposal']> {
  return p.rootCause === undefined ? { kind: p.kind } : { kind: p.kind, rootCause: p.rootCause };
}

function entryFacts(e: TimelineEntry): Omit<SealedEntry, 'people'> {
  const { actor: _actor, assignee: _assignee, ...facts } = e;
  return facts;
}

/** The break with its persons opened by the case's people key (comments stay sealed: openComments). */
export function openSealedBreak(s: SealedBreak, reference: string): BreakRecord {
  const key = sealKey(reference, s.caseId, 'people');
  return withPeople(s, (sealed) => JSON.parse(unsealWithKey(key, s.caseId, sealed)) as unknown);
}

/**
 * The break for matching and the sweep, which decide nothing about persons: every person is LEDGER_PERSON. Only
 * ever handed back to sealBreak without a sealer, which keeps the ledger's sealed persons.
 */
export function blindBreak(s: SealedBreak): BreakRecord {
  return withPeople(s, undefined);
}

function withPeople(s: SealedBreak, open: ((sealed: string) => unknown) | undefined): BreakRecord {
  const { people: sealedPeople, proposal, timeline, ...facts } = s;
  const people: BreakPeople =
    open === undefined
      ? {
          ...(proposal ? { proposer: LEDGER_PERSON } : {}),
          ...(s.status === 'ASSIGNED' ? { assignee: LEDGER_PERSON } : {}),
        }
      : sealedPeople === ''
        ? {}
        : (open(sealedPeople) as BreakPeople);
  return {
    ...facts,
    ...(people.assignee ? { assignee: people.assignee } : {}),
    ...(proposal
      ? {
          proposal: {
            kind: proposal.kind,
            ...(proposal.rootCause === undefined ? {} : { rootCause: proposal.rootCause }),
            proposer: people.proposer ?? LEDGER_PERSON,
            ...(people.approver ? { approver: people.approver } : {}),
          },
        }
      : {}),
    timeline: timeline.map((e): TimelineEntry => {
      const { people: sealed, ...rest } = e;
      const p: EntryPeople =
        sealed === '' || open === undefined ? { actor: LEDGER_PERSON } : (open(sealed) as EntryPeople);
      return { ...rest, actor: p.actor, ...(p.assignee === undefined ? {} : { assignee: p.assignee }) };
    }),
  };
}

/** The persons of one sealed entry, for a node that holds the case's people key; LEDGER_PERSON for the ledger's. */
export function openEntryPeople(
  key: Buffer,
  caseId: string,
  sealed: string,
): { actor: PersonRef; assignee?: string } {
  return sealed === ''
    ? { actor: LEDGER_PERSON }
    : (JSON.parse(unsealWithKey(key, caseId, sealed)) as EntryPeople);
}

/** The assignee a break's sealed persons name, for a node that holds the case's people key. */
export function openAssignee(key: Buffer, caseId: string, sealed: string): PersonRef | undefined {
  return sealed === '' ? undefined : (JSON.parse(unsealWithKey(key, caseId, sealed)) as BreakPeople).assignee;
}
