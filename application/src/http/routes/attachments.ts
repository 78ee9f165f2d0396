import type { Request } from 'express';
import { Type } from '@sinclair/typebox';

import {
  ACTION_ROLES,
  ATTACHMENT_MEDIA_TYPES,
  attachmentsOf,
  type AttachmentMediaType,
  type BreakRecord,
  type TimelineEntry,
} from '../../../../chaincode/src/core/breakMachine';
import { LIMITS } from '../../../../chaincode/src/core/limits';
import type { SealedBreak } from '../../../../chaincode/src/api/reconciliation';
import { fetchFromParty, FetchRefused, verifyFetch } from '../../attachments/partyFetch';
import {
  heldFiles,
  ownAttachment,
  readFile,
  recordOwnAttachment,
  sha256Of,
  storeFile,
} from '../../readModel/attachments';
import { LedgerRejected } from '../../ledger/ledgerGateway';
import { referenceOfBreak, referenceOfCase } from '../../readModel/caseReferences';
import { ApiError } from '../errors';
import { route, STREAMED, type RouteContext } from './route';
import { Str } from './schema';
import { BreakAttachments, CommittedBreak } from './shapes';

/**
 * Files attached to breaks as evidence (issue 21 item 3; docs/RECONCILIATION.md, "Attachments"). The file stays on
 * the node of the institution that attached it; the ledger keeps its SHA-256, size, media type and its name sealed
 * for the parties. Another party's node fetches it from there (attachments/partyFetch.ts) and checks the bytes
 * against the ledger's hash before it keeps or serves them.
 */

const STAFF = ACTION_ROLES.ATTACH;
const Sha256 = Str({ pattern: '^[0-9a-f]{64}$', description: 'the SHA-256 of the file, 64 hex digits' });
const BreakParams = Type.Object({ breakId: Str({ min: 1, max: 64, description: 'a break id' }) });
const FileParams = Type.Object({
  breakId: Str({ min: 1, max: 64, description: 'a break id' }),
  sha256: Sha256,
});

/** Name travels percent-encoded (UTF-8), as Content-Disposition's filename* does: a header is Latin-1 text. */
const NAME_HEADER = 'Attachment-Name';

/** The break for a party's staff: as the ledger holds it, opened when the node holds its reference. */
async function partyBreak(
  ctx: RouteContext,
  breakId: string,
): Promise<{ sealed: SealedBreak; opened?: BreakRecord }> {
  const sealed = await ctx.deps.gateway.getBreak(ctx.session.identity, breakId);
  // An auditor reads every break; attachments are the parties' (as for any other step, a non-party is told none).
  if (!sealed.parties.includes(ctx.session.mspId))
    throw new ApiError('BREAK_NOT_FOUND', `no break ${breakId}`);
  const reference = await referenceOfCase(ctx.pool, ctx.session.mspId, sealed.caseId);
  if (reference === undefined) return { sealed };
  return { sealed, opened: await ctx.deps.gateway.getBreak(ctx.session.identity, breakId, reference) };
}

/** The body of an upload, refused past `max` bytes (413 ATTACHMENT_TOO_LARGE) before it is all read. */
async function readUpload(req: Request, max: number): Promise<Buffer> {
  const declared = Number(req.get('content-length') ?? 'NaN');
  const tooLarge = () =>
    new ApiError(
      'ATTACHMENT_TOO_LARGE',
      `an attachment is at most ${String(max)} bytes (${String(max / 1024 / 1024)} MiB)`,
      { limit: max },
    );
  if (declared > max) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function fileName(raw: string | undefined): string {
  let name: string;
  try {
    name = decodeURIComponent(raw ?? '');
  } catch {
    throw new ApiError('VALIDATION_FAILED', `${NAME_HEADER} must be the file name percent-encoded in UTF-8`, {
      field: NAME_HEADER,
    });
  }
  if (
    name === '' ||
    name.length > LIMITS.attachmentNameMax ||
    /[/\\\u0000-\u001f\u007f]/.test(name) ||
    name.trim() !== name
  )
    throw new ApiError(
      'VALIDATION_FAILED',
      `${NAME_HEADER}: a file name of 1 to ${String(LIMITS.attachmentNameMax)} characters, without a path, control characters or surrounding spaces`,
      { field: NAME_HEADER },
    );
  return name;
}

/** Sends a file as a download: never rendered by the node's origin, whatever it holds. */
function sendFile(
  ctx: RouteContext,
  bytes: Buffer,
  sha256: string,
  mediaType: string,
  name: string | null,
): void {
  const shown = name ?? sha256;
  const ascii = shown.replace(/[^\x20-\x7e]|["\\]/g, '_');
  ctx.res.status(200);
  ctx.res.setHeader('content-type', 'application/octet-stream');
  ctx.res.setHeader(
    'content-disposition',
    `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(shown)}`,
  );
  ctx.res.setHeader('content-security-policy', "default-src 'none'; sandbox");
  ctx.res.setHeader('cache-control', 'private, no-store');
  ctx.res.setHeader('x-attachment-sha256', sha256);
  ctx.res.setHeader('x-attachment-media-type', mediaType);
  ctx.res.end(bytes);
}

const FILE_RESPONSE = {
  description:
    'the file (application/octet-stream, as a download), its bytes checked against the ledger’s SHA-256; its media type in x-attachment-media-type',
  media: 'application/octet-stream',
  schema: Type.String({ format: 'binary' }),
} as const;

export const attachmentRoutes = [
  route({
    operationId: 'attachToBreak',
    method: 'post',
    path: '/breaks/{breakId}/attachments',
    summary:
      'Attach a file to a break as evidence (the file stays on this node, its hash goes on the ledger)',
    description: `The body is the file itself, its Content-Type one of ${ATTACHMENT_MEDIA_TYPES.join(', ')} (415 otherwise), at most ${String(LIMITS.attachmentBytesMax)} bytes (413 ATTACHMENT_TOO_LARGE); its name in the ${NAME_HEADER} header, percent-encoded UTF-8 (as Content-Disposition's filename*). A reconciler or approver of a party, in any status but RESOLVED; the status does not change. The node keeps the file under its SHA-256 and submits the ATTACH step: the ledger records the hash, size and media type, and the name sealed for the parties. With an Idempotency-Key a retry returns the first result. The node supplies the case's payment reference (422 REFERENCE_NEEDED when it holds none: open the case once with it).`,
    tags: ['breaks'],
    auth: 'session',
    roles: { anyOf: STAFF, what: 'attaching a file to a break' },
    index: true,
    params: BreakParams,
    headers: Type.Object({
      'Idempotency-Key': Type.Optional(
        Str({ pattern: '^[A-Za-z0-9._~:-]{1,100}$', description: '1-100 letters, digits or . _ ~ : -' }),
      ),
      [NAME_HEADER]: Str({
        min: 1,
        max: 3 * 4 * LIMITS.attachmentNameMax,
        description: 'the file name, percent-encoded UTF-8',
      }),
    }),
    upload: ATTACHMENT_MEDIA_TYPES,
    responses: { 200: { description: 'committed', schema: CommittedBreak } },
    errors: [404, 409, 413, 422],
    handle: async ({ params, headers }, ctx) => {
      const mediaType = (ctx.req.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      if (!(ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(mediaType))
        throw new ApiError(
          'UNSUPPORTED_MEDIA_TYPE',
          `an attachment is one of ${ATTACHMENT_MEDIA_TYPES.join(', ')}; got ${mediaType || 'no Content-Type'}`,
        );
      const name = fileName(headers[NAME_HEADER]);
      const bytes = await readUpload(ctx.req, LIMITS.attachmentBytesMax);
      if (bytes.length === 0) throw new ApiError('VALIDATION_FAILED', 'the file is empty', { field: 'body' });
      const sha256 = sha256Of(bytes);
      // Kept before the ledger hears of it: once the step commits, every party may ask for it at once.
      await storeFile(ctx.pool, sha256, bytes);
      const reference = await referenceOfBreak(ctx.pool, ctx.session.mspId, params.breakId);
      const key = headers['Idempotency-Key'];
      const options = { ...(reference ? { reference } : {}), ...(key ? { idempotencyKey: key } : {}) };
      let committed;
      try {
        committed = await ctx.counted('attachToBreak', () =>
          ctx.deps.gateway.attachToBreak(
            ctx.session.identity,
            params.breakId,
            { sha256, size: bytes.length, mediaType: mediaType as AttachmentMediaType, name },
            options,
          ),
        );
      } catch (e) {
        if (reference === undefined && e instanceof LedgerRejected && e.code === 'INVALID_REFERENCE')
          throw new ApiError(
            'REFERENCE_NEEDED',
            `this node holds no payment reference for break ${params.breakId}: open its case once with the reference, and the node keeps it`,
          );
        throw e;
      }
      const entry = committed.result.timeline.find((e) => e.attachment?.sha256 === sha256);
      await recordOwnAttachment(ctx.pool, {
        breakId: params.breakId,
        sha256,
        caseId: committed.result.caseId,
        parties: committed.result.parties,
        mediaType,
        name,
        attachedBy: ctx.session.enrollmentId,
        txId: entry?.txId ?? committed.txId,
        attachedAt: entry?.at ?? committed.result.updatedAt,
      });
      return {
        status: 200 as const,
        body: { ...committed, blockNumber: committed.blockNumber.toString() },
      };
    },
  }),
  route({
    operationId: 'listBreakAttachments',
    method: 'get',
    path: '/breaks/{breakId}/attachments',
    summary: 'The files attached to a break (from its timeline on the ledger)',
    description:
      "A party's people. Names and who attached are opened when this node holds the case's reference (null otherwise); `held` says whether this node has the file already (a download fetches it from the attaching party's node otherwise). A non-party is answered 404, as for every break read.",
    tags: ['breaks'],
    auth: 'session',
    index: true,
    params: BreakParams,
    responses: { 200: { description: 'the attachments, oldest first', schema: BreakAttachments } },
    errors: [404],
    handle: async ({ params }, ctx) => {
      const { sealed, opened } = await partyBreak(ctx, params.breakId);
      const shas = sealed.timeline.flatMap((e) => (e.attachment ? [e.attachment.sha256] : []));
      const held = await heldFiles(ctx.pool, shas);
      // Opened with the reference (names and persons, as the ledger opens a break's comments), when the node holds it.
      const openedEntries = new Map<number, TimelineEntry>(
        opened ? attachmentsOf(opened).map((x) => [x.entry.seq, x.entry]) : [],
      );
      const items = sealed.timeline.flatMap((e) =>
        e.attachment
          ? [
              {
                seq: e.seq,
                sha256: e.attachment.sha256,
                size: e.attachment.size,
                mediaType: e.attachment.mediaType,
                name: openedEntries.get(e.seq)?.attachment?.name ?? null,
                attachedBy: openedEntries.get(e.seq)?.actor ?? null,
                attachedAt: e.at,
                txId: e.txId,
                held: held.has(e.attachment.sha256),
              },
            ]
          : [],
      );
      return { status: 200 as const, body: { items } };
    },
  }),
  route({
    operationId: 'downloadBreakAttachment',
    method: 'get',
    path: '/breaks/{breakId}/attachments/{sha256}',
    summary: 'Download an attached file, checked against the ledger',
    description:
      "A reconciler or approver of a party. The file is served only when its bytes hash to the SHA-256 the ledger holds (500 ATTACHMENT_CORRUPT otherwise: the stored copy was altered). When this node does not hold it, it fetches it from the attaching party's node (signed by the person asking, attachments/partyFetch.ts), checks size and hash against the ledger, keeps it and serves it; 502 ATTACHMENT_UNAVAILABLE when no party's node could supply it. Served as application/octet-stream with Content-Disposition: attachment, never rendered by the node.",
    tags: ['breaks'],
    auth: 'session',
    roles: { anyOf: STAFF, what: 'downloading an attachment' },
    index: true,
    params: FileParams,
    responses: { 200: FILE_RESPONSE },
    errors: [404, 500, 502],
    handle: async ({ params }, ctx): Promise<typeof STREAMED> => {
      const { sealed, opened } = await partyBreak(ctx, params.breakId);
      const entry = sealed.timeline.find((e) => e.attachment?.sha256 === params.sha256);
      const facts = entry?.attachment;
      if (entry === undefined || facts === undefined)
        throw new ApiError(
          'ATTACHMENT_NOT_FOUND',
          `no file ${params.sha256} is attached to break ${params.breakId}`,
        );
      const name = opened?.timeline.find((e) => e.seq === entry.seq)?.attachment?.name ?? null;
      const local = await readFile(ctx.pool, facts.sha256);
      if (local !== undefined) {
        if (sha256Of(local) !== facts.sha256 || local.length !== facts.size) {
          ctx.log({
            level: 'error',
            msg: 'a stored attachment does not hash to the ledger',
            breakId: params.breakId,
            sha256: facts.sha256,
          });
          throw new ApiError(
            'ATTACHMENT_CORRUPT',
            `this node's copy of ${facts.sha256} does not hash to the ledger's SHA-256: it was altered, and is not served`,
          );
        }
        sendFile(ctx, local, facts.sha256, facts.mediaType, name);
        return STREAMED;
      }
      // Not here: from the node that attached it (named when the node can open the step's persons), else each
      // other party's node in turn.
      const uploader = opened?.timeline[entry.seq]?.actor.mspId;
      const others = sealed.parties.filter((p) => p !== ctx.session.mspId);
      const candidates = uploader && others.includes(uploader) ? [uploader] : others;
      const directory = ctx.deps.partyNodes;
      const failures: string[] = [];
      for (const mspId of directory === undefined ? [] : candidates) {
        const got = await fetchFromParty(
          directory as NonNullable<typeof directory>,
          mspId,
          ctx.session.identity,
          params.breakId,
          facts.sha256,
          facts.size,
        );
        if ('failed' in got) {
          failures.push(got.failed);
          continue;
        }
        // Whoever served it, the bytes are the ledger's or nothing.
        if (got.bytes.length !== facts.size || sha256Of(got.bytes) !== facts.sha256) {
          failures.push(`${mspId}: its file does not hash to the ledger's SHA-256`);
          continue;
        }
        await storeFile(ctx.pool, facts.sha256, got.bytes);
        sendFile(ctx, got.bytes, facts.sha256, facts.mediaType, name);
        return STREAMED;
      }
      ctx.log({
        level: 'warn',
        msg: 'an attachment could not be fetched',
        breakId: params.breakId,
        failures,
      });
      throw new ApiError(
        'ATTACHMENT_UNAVAILABLE',
        directory === undefined
          ? 'this node holds no copy and has no directory of the parties’ nodes to fetch it from'
          : `no party's node supplied the file (${failures.join('; ')})`,
        { tried: candidates },
      );
    },
  }),
  route({
    operationId: 'partyAttachment',
    method: 'get',
    path: '/party/breaks/{breakId}/attachments/{sha256}',
    summary: "Node to node: a file this institution attached, for another party's node",
    description: `Signed by a reconciler or approver of a party (headers Tallystick-Party-Certificate, -Signed-At, -Signature: attachments/partyFetch.ts), whose certificate chains to the CA of an institution in this node's directory. Served only to a party of the break the file was attached to, and only when the stored bytes hash to the SHA-256 the ledger committed. A file not attached here, or a caller who is not a party, is 404 ATTACHMENT_NOT_FOUND alike; a request that does not verify is 401.`,
    tags: ['breaks'],
    auth: 'public',
    index: true,
    params: FileParams,
    headers: Type.Object({
      'Tallystick-Party-Certificate': Type.Optional(Str({ max: 16_384 })),
      'Tallystick-Party-Signed-At': Type.Optional(Str({ max: 40 })),
      'Tallystick-Party-Signature': Type.Optional(Str({ max: 512 })),
    }),
    responses: { 200: FILE_RESPONSE },
    errors: [401, 404, 500],
    handle: async ({ params }, ctx): Promise<typeof STREAMED> => {
      await servePartyFetch(params, ctx);
      return STREAMED;
    },
  }),
];

async function servePartyFetch(
  params: { breakId: string; sha256: string },
  ctx: RouteContext,
): Promise<void> {
  const directory = ctx.deps.partyNodes;
  if (directory === undefined)
    throw new ApiError('UNAUTHENTICATED', 'this node has no directory of party nodes to check a caller by');
  let caller;
  try {
    caller = verifyFetch(
      (n) => ctx.req.get(n),
      directory,
      ctx.deps.mspId,
      params.breakId,
      params.sha256,
      new Date(),
    );
  } catch (e) {
    if (e instanceof FetchRefused) throw new ApiError('UNAUTHENTICATED', e.message);
    throw e;
  }
  const own = await ownAttachment(ctx.pool, params.breakId, params.sha256);
  if (own === undefined || caller.mspId === ctx.deps.mspId || !own.parties.includes(caller.mspId))
    throw new ApiError(
      'ATTACHMENT_NOT_FOUND',
      `${ctx.deps.mspId} attached no file ${params.sha256} to a break ${params.breakId} of yours`,
    );
  const bytes = await readFile(ctx.pool, params.sha256);
  if (bytes === undefined || sha256Of(bytes) !== params.sha256)
    throw new ApiError(
      'ATTACHMENT_CORRUPT',
      `this node's copy of ${params.sha256} does not hash to the ledger's SHA-256 and is not served`,
    );
  ctx.log({
    level: 'info',
    msg: 'attachment fetched by a party',
    breakId: params.breakId,
    sha256: params.sha256,
    by: `${caller.mspId}/${caller.enrollmentId}`,
  });
  sendFile(ctx, bytes, params.sha256, own.mediaType, own.name);
}
