import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { extname, basename } from 'node:path';

import { ATTACHMENT_MEDIA_TYPES } from '../../../../chaincode/src/core/breakMachine';
import type { BreakAttachments, CommittedBreak } from '../../http/apiTypes';
import type { CommandContext, Outcome } from '../cliContext';
import { answerError, CliError, usageError } from '../cliErrors';
import { NodeUnreachable } from '../cliHttp';
import { fileUpload } from '../cliUpload';
import { request, type Connection } from '../cliSession';
import { table } from '../cliFormat';

/** The media type of a file by its extension (the node accepts these only; --type names another of them). */
const BY_EXTENSION: Readonly<Record<string, (typeof ATTACHMENT_MEDIA_TYPES)[number]>> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.txt': 'text/plain',
  '.fin': 'text/plain',
  '.mt': 'text/plain',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
};

const sizeText = (bytes: number): string =>
  bytes < 1024
    ? `${String(bytes)} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** `break ID attach FILE [--type MEDIA] [--idempotency-key KEY]`: the file goes to the node, its hash on the ledger. */
export async function attach(
  ctx: CommandContext,
  breakId: string,
  file: string,
  type: string | undefined,
  idempotencyKey: string | undefined,
): Promise<Outcome> {
  const mediaType = type ?? BY_EXTENSION[extname(file).toLowerCase()];
  if (mediaType === undefined || !(ATTACHMENT_MEDIA_TYPES as readonly string[]).includes(mediaType))
    throw usageError(
      `break attach: the file's type must be one of ${ATTACHMENT_MEDIA_TYPES.join(', ')} (--type), ${type === undefined ? `not known from ${extname(file) || 'no extension'}` : `got ${type}`}`,
    );
  const { session, body } = await fileUpload(ctx, file);
  const committed = await request<CommittedBreak>(
    session,
    'POST',
    `/v1/breaks/${encodeURIComponent(breakId)}/attachments`,
    body,
    {
      'content-type': mediaType,
      'attachment-name': encodeURIComponent(basename(file)),
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
  );
  const entry = committed.result.timeline.findLast((e) => e.action === 'ATTACH');
  return {
    json: committed,
    lines: [
      `attached ${basename(file)} to break ${breakId} (${mediaType}, ${sizeText(entry?.attachment?.size ?? 0)})`,
      `sha256 ${entry?.attachment?.sha256 ?? '?'}  tx ${committed.txId}  block ${committed.blockNumber}`,
    ],
  };
}

/** `break ID attachments`: the files attached to a break, from its timeline on the ledger. */
export async function listAttachments(ctx: CommandContext, breakId: string): Promise<Outcome> {
  const s = await ctx.session();
  const list = await request<BreakAttachments>(
    s,
    'GET',
    `/v1/breaks/${encodeURIComponent(breakId)}/attachments`,
  );
  return {
    json: list,
    lines:
      list.items.length === 0
        ? [`break ${breakId} has no attachments`]
        : table([
            ['name', 'size', 'type', 'by', 'at', 'sha256', 'here'],
            ...list.items.map((a) => [
              a.name ?? '(name sealed: open the case once)',
              sizeText(a.size),
              a.mediaType,
              a.attachedBy === null ? '(sealed)' : `${a.attachedBy.name} (${a.attachedBy.mspId})`,
              a.attachedAt,
              a.sha256,
              a.held ? 'yes' : 'no',
            ]),
          ]),
  };
}

/** The bytes of a GET, not text (a file): the node's error answer as a failure, as `request` reports it. */
async function download(s: Connection, path: string): Promise<Buffer> {
  let res;
  try {
    res = await s.client.send('GET', path, s.token ? { authorization: `Bearer ${s.token}` } : {});
  } catch (e) {
    if (e instanceof NodeUnreachable)
      throw new CliError(e.retryable ? 'unavailable' : 'usage', e.code, e.message);
    throw e;
  }
  if (res.status !== 200) {
    let payload: unknown = null;
    try {
      payload = JSON.parse(res.text);
    } catch {
      // not JSON: answerError quotes the text
    }
    throw answerError(res.status, payload, res.text);
  }
  return res.bytes;
}

/** `break ID attachment SHA256 --out FILE`: the file, checked against its hash (the node checked it too). */
export async function saveAttachment(
  ctx: CommandContext,
  breakId: string,
  sha256: string,
  out: string | undefined,
): Promise<Outcome> {
  if (!/^[0-9a-f]{64}$/.test(sha256))
    throw usageError('break attachment: SHA256 is 64 lower-case hex digits');
  if (out === undefined) throw usageError('break attachment: --out FILE names where to write the file');
  const s = await ctx.session();
  const bytes = await download(s, `/v1/breaks/${encodeURIComponent(breakId)}/attachments/${sha256}`);
  if (createHash('sha256').update(bytes).digest('hex') !== sha256)
    throw new CliError(
      'refused',
      'ATTACHMENT_CORRUPT',
      `the bytes received do not hash to ${sha256}: not written`,
    );
  await writeFile(out, bytes, { flag: 'wx' }).catch((e: unknown) => {
    throw usageError(
      `cannot write ${out} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      'FILE_UNWRITABLE',
    );
  });
  return {
    json: { breakId, sha256, size: bytes.length, out },
    lines: [`wrote ${out} (${sizeText(bytes.length)}, sha256 ${sha256})`],
  };
}
