import { Contract, Info, Returns, Transaction } from 'fabric-contract-api';

import type { SealedBreak } from '../api/reconciliation';
import {
  parseAttachment,
  type Attachment,
  type BreakAction,
  type ResolutionKind,
} from '../core/breakMachine';
import { LIMITS } from '../core/limits';
import type { RootCause } from '../core/rootCause';
import { fail } from '../core/errors';
import { parseText } from '../core/reference';
import { canonicalJson } from '../ledger/codec';
import { keys } from '../ledger/keys';
import { seal } from '../ledger/seal';
import { TallyContext } from './context';
import * as noticeDirectory from './noticeDirectory';
import * as rec from './reconciliation';

/**
 * The reconciliation contract. Each transaction loads, calls the pure core, writes and emits one event; private
 * inputs (legs, references, comments) come in the transient map, never as arguments, because arguments are
 * stored in the block for every member to read. Results are canonical JSON strings.
 */
@Info({
  title: 'Tallystick reconciliation',
  description: 'T+0 matching of payment legs and the break workflow',
})
export class ReconciliationContract extends Contract {
  constructor() {
    super('reconciliation');
  }

  override createContext(): TallyContext {
    return new TallyContext();
  }

  override async afterTransaction(ctx: TallyContext): Promise<void> {
    ctx.emitChanges();
    await Promise.resolve();
  }

  /** Posts one leg (transient `leg`). */
  @Transaction()
  @Returns('string')
  async postLeg(ctx: TallyContext): Promise<string> {
    return canonicalJson(await rec.postLegs(ctx, [ctx.transientJson('leg')]));
  }

  /** Posts a batch of legs (transient `legs`, a JSON array), all or nothing. */
  @Transaction()
  @Returns('string')
  async postLegs(ctx: TallyContext): Promise<string> {
    return canonicalJson(await rec.postLegs(ctx, ctx.transientJson('legs')));
  }

  /** Flags cases past their service level with legs missing, at most `limit` per transaction. */
  @Transaction()
  @Returns('string')
  async sweep(ctx: TallyContext, limit: number): Promise<string> {
    return canonicalJson(await rec.sweep(ctx, limit));
  }

  /**
   * Assigns to a person of the caller's institution, named in transient `assignee` (an argument would be in the
   * block for every member to read; the ledger keeps the name sealed for the parties).
   */
  @Transaction()
  @Returns('string')
  async assignBreak(ctx: TallyContext, breakId: string): Promise<string> {
    const name = parseText(ctx.transient('assignee'), 'transient assignee', 64);
    return canonicalJson(
      await rec.once(ctx, 'assignBreak', { assignee: name, breakId }, () =>
        rec.actOnBreak(ctx, breakId, { type: 'ASSIGN', assignee: name }),
      ),
    );
  }

  /**
   * A resolution (`kind`) with its root cause (`rootCause`, core/rootCause.ts) and a comment (transient): a
   * missing one is PROPOSAL_INCOMPLETE, naming every one missing (the core decides).
   */
  @Transaction()
  @Returns('string')
  async proposeResolution(
    ctx: TallyContext,
    breakId: string,
    kind: string,
    rootCause: string,
  ): Promise<string> {
    return canonicalJson(
      await rec.once(ctx, 'proposeResolution', { breakId, kind, rootCause }, () =>
        rec.actOnBreak(ctx, breakId, {
          type: 'PROPOSE',
          kind: kind as ResolutionKind,
          rootCause: rootCause as RootCause,
        }),
      ),
    );
  }

  /** Moves a break's due date (`dueAt`, UTC ISO-8601): an approver of a party, with a comment (transient). */
  @Transaction()
  @Returns('string')
  async setBreakDue(ctx: TallyContext, breakId: string, dueAt: string): Promise<string> {
    return canonicalJson(
      await rec.once(ctx, 'setBreakDue', { breakId, dueAt }, () =>
        rec.actOnBreak(ctx, breakId, { type: 'SET_DUE', dueAt }),
      ),
    );
  }

  /**
   * Attaches a file to a break as evidence (ATTACH: staff of a party, any status but RESOLVED, the status
   * unchanged). `attachment` is JSON `{ sha256, size, mediaType }`, the file's public facts; its name travels in
   * transient `attachmentName` (an argument is in the block for every member to read) and is stored sealed for
   * the parties with the case's key, as a comment is; an optional comment in transient `comment`. The file itself
   * stays on the node of the institution that attached it (docs/RECONCILIATION.md, "Attachments").
   */
  @Transaction()
  @Returns('string')
  async attachToBreak(ctx: TallyContext, breakId: string, attachment: string): Promise<string> {
    const facts = parseAttachmentFacts(attachment);
    const name = parseFileName(ctx.transient('attachmentName'));
    return canonicalJson(
      await rec.once(ctx, 'attachToBreak', { attachment: { ...facts, name }, breakId }, async () =>
        rec.actOnBreak(ctx, breakId, {
          type: 'ATTACH',
          attachment: { ...facts, name: await sealedFileName(ctx, breakId, name) },
        }),
      ),
    );
  }

  /** APPROVE, ACCEPT, REJECT, RESOLVE or COMMENT (comment in transient `comment`, with transient `reference`). */
  @Transaction()
  @Returns('string')
  async decideBreak(ctx: TallyContext, breakId: string, action: string): Promise<string> {
    const simple: readonly string[] = ['APPROVE', 'ACCEPT', 'REJECT', 'RESOLVE', 'COMMENT'];
    if (!simple.includes(action)) {
      fail(
        'INVALID_INPUT',
        `action must be one of ${simple.join(', ')} (ASSIGN and PROPOSE have their own transactions), got ${JSON.stringify(action)}`,
      );
    }
    return canonicalJson(
      await rec.once(ctx, 'decideBreak', { action, breakId }, () =>
        rec.actOnBreak(ctx, breakId, { type: action } as BreakAction),
      ),
    );
  }

  @Transaction()
  async setServiceLevel(ctx: TallyContext, route: string, serviceLevelMs: number): Promise<void> {
    await rec.once(ctx, 'setServiceLevel', { route, serviceLevelMs }, () =>
      rec.setServiceLevel(ctx, route, serviceLevelMs),
    );
  }

  @Transaction(false)
  @Returns('string')
  async getCase(ctx: TallyContext, caseId: string): Promise<string> {
    return canonicalJson(await rec.getCase(ctx, caseId));
  }

  /**
   * The case with legs and comments opened; transient `reference`; parties only. `caseId` picks one of the
   * reference's cases (one per route declared for it); '' opens the first the caller is a party to.
   */
  @Transaction(false)
  @Returns('string')
  async readCase(ctx: TallyContext, caseId: string): Promise<string> {
    return canonicalJson(await rec.readCase(ctx, caseId));
  }

  /** A break; with transient `reference`, its comments opened (parties only). */
  @Transaction(false)
  @Returns('string')
  async getBreak(ctx: TallyContext, breakId: string): Promise<string> {
    return canonicalJson(await rec.readBreak(ctx, breakId));
  }

  @Transaction(false)
  @Returns('string')
  async listOpenBreaks(
    ctx: TallyContext,
    mspId: string,
    pageSize: number,
    bookmark: string,
  ): Promise<string> {
    return canonicalJson(await rec.listOpenBreaks(ctx, mspId, pageSize, bookmark));
  }

  /** The caller's own legs as posted (its implicit collection), for its node's index; `legs`: [{ caseId, legId }]. */
  @Transaction(false)
  @Returns('string')
  async readOwnLegs(ctx: TallyContext, legs: string): Promise<string> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(legs);
    } catch {
      fail('INVALID_INPUT', 'legs is not JSON');
    }
    return canonicalJson(await rec.readOwnLegs(ctx, parsed));
  }

  /**
   * Registers the caller's institution's notice key (an X25519 public key, 32 bytes in base64): its admin or its
   * system. The same key again is UNCHANGED; another replaces it (the key's history keeps the old one).
   */
  @Transaction()
  @Returns('string')
  async registerNoticeKey(ctx: TallyContext, publicKey: string): Promise<string> {
    return canonicalJson(await noticeDirectory.registerNoticeKey(ctx, publicKey));
  }

  /** The notice-key directory: every institution's current key, with the time it was registered. */
  @Transaction(false)
  @Returns('string')
  async listNoticeKeys(ctx: TallyContext): Promise<string> {
    return canonicalJson(await noticeDirectory.listNoticeKeys(ctx));
  }

  /** Every committed version of a case, break or leg record, newest first, with transaction id and time. */
  @Transaction(false)
  @Returns('string')
  async getHistory(ctx: TallyContext, kind: string, id: string): Promise<string> {
    return canonicalJson(await rec.history(ctx, kind, id));
  }
}

/** The public facts of an attachment (`{ sha256, size, mediaType }` as JSON), each checked by the core's rules. */
function parseAttachmentFacts(text: string): Omit<Attachment, 'name'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    fail('INVALID_INPUT', 'attachment is not JSON: { sha256, size, mediaType }');
  }
  if (typeof parsed === 'object' && parsed !== null && 'name' in parsed)
    fail(
      'INVALID_INPUT',
      'attachment.name travels in transient attachmentName, never as an argument (arguments are in the block)',
    );
  // The core's parser checks the facts; a stand-in name, since the name is checked (and sealed) apart.
  const { name: _name, ...facts } = parseAttachment({ ...(parsed as object), name: '-' });
  return facts;
}

/** A file name: text of 1 to LIMITS.attachmentNameMax characters, no control characters, no path. */
function parseFileName(value: string | undefined): string {
  const name = parseText(value, 'attachment.name (transient attachmentName)', LIMITS.attachmentNameMax);
  if (/[/\\]/.test(name) || name.trim() !== name || name === '.' || name === '..')
    fail('INVALID_INPUT', 'attachment.name must be a file name without a path or surrounding spaces');
  return name;
}

/**
 * The file name sealed for the case's parties (the comment's key: the reference's `detail` key), as actOnBreak
 * seals a comment. Without the break or the reference actOnBreak refuses the step (BREAK_NOT_FOUND,
 * INVALID_REFERENCE) whatever is passed here, so a stand-in that is not the name takes their place.
 */
async function sealedFileName(ctx: TallyContext, breakId: string, name: string): Promise<string> {
  const reference = ctx.transient('reference');
  const b = await ctx.getJson<SealedBreak>(keys.break(breakId));
  if (reference === undefined || b === undefined) return '-';
  return seal(reference, b.caseId, ctx.sealNonce(), name);
}
