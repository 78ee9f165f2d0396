import { Type } from '@sinclair/typebox';
import type { Request } from 'express';

import type { BlacklistPolicy as PolicyInput } from '../../../../chaincode/src/core/blacklist/policy';
import { TallyError } from '../../../../chaincode/src/core/errors';
import { BULK_PROGRESS_LIMITS, BulkProgressBoard } from '../../blacklist/bulkProgress';
import {
  BULK_LIMITS,
  BulkFileError,
  bulkUpload,
  evidenceSalt,
  type BulkReport,
} from '../../blacklist/bulkUpload';
import type { NodeBlacklist } from '../../blacklist/nodeBlacklist';
import type { SubjectKey } from '../../blacklist/subjectKeys';
import { BLACKLIST_LIMITS } from '../../../../chaincode/src/core/blacklist/limits';
import { ApiError } from '../errors';
import {
  BlacklistBulkProgress,
  BlacklistBulkReport,
  BlacklistEntryVersion,
  BlacklistEntryView,
  BlacklistMember,
  BlacklistPolicy,
  BlacklistPolicyVersion,
  BlacklistProposal,
  BlacklistProposalStep,
  BlacklistQueryAnswer,
  BlacklistSubjectReportAnswer,
  BlacklistUploadAnswer,
  Code,
  Committed,
  committed,
  ConsentInput,
  Day,
  EntryPath,
  Hex64,
  Identifier,
  ProposalId,
  Severity,
  SubjectKeyParam,
  UploadId,
} from './blacklistShapes';
import { blacklistOf, who } from './blacklistCommon';
import { blacklistDisputeRoutes } from './blacklistDisputes';
import { route, type RouteContext } from './route';
import { Int, Nullable, Obj, OneOf, Str, Time } from './schema';

/**
 * The shared blacklist's member API (docs/BLACKLIST.md). Identifiers travel only in request bodies (never in a
 * URL, which logs and proxies keep), are normalised and hashed here with the consortium key, and go no further:
 * the ledger gets the keyed hash, the log the route. Who may do what is the chaincode's (`BLACKLIST_ACCESS`), so
 * these routes check no role themselves: every refusal is the chaincode's, with its code (ROLE_REQUIRED,
 * NOT_A_MEMBER, CONSENT_REQUIRED, ...).
 */

const today = (bl: NodeBlacklist): string => bl.now().toISOString().slice(0, 10);

/** The subject's keys under every version held; a bad identifier is 400 naming the field, never echoing it. */
function keysOf(bl: NodeBlacklist, type: string, identifier: string): readonly SubjectKey[] {
  try {
    return bl.keyring.keysForIdentifier(type, identifier, 'identifier', { today: today(bl) });
  } catch (e) {
    if (e instanceof TallyError) throw new ApiError(e.code, e.detail, { field: 'identifier' });
    throw e;
  }
}

/** The node's bulk uploads in progress (per app: each node its own). */
const progressBoard = (ctx: RouteContext): BulkProgressBoard =>
  ctx.state('blacklist.bulkProgress', () => new BulkProgressBoard());

/** The bulk file, read whole up to its limit (413 beyond it, nothing posted). */
async function fileOf(req: Request): Promise<string> {
  if ((req.get('content-type') ?? '').includes('application/json'))
    throw new ApiError('VALIDATION_FAILED', 'send the CSV file itself as the body (text/csv)');
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes > BULK_LIMITS.bytesMax)
      throw new ApiError('PAYLOAD_TOO_LARGE', `a bulk file is at most ${String(BULK_LIMITS.bytesMax)} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export const blacklistRoutes = [
  route({
    operationId: 'joinBlacklist',
    method: 'post',
    path: '/blacklist/join',
    summary: 'Join the blacklist (your institution)',
    description: `${who('JOIN')} Joining again changes nothing (UNCHANGED).`,
    tags: ['blacklist'],
    auth: 'session',
    responses: {
      200: {
        description: 'committed',
        schema: Obj({
          ...Committed,
          result: Obj({ outcome: OneOf(['JOINED', 'UNCHANGED'] as const), member: BlacklistMember }),
        }),
      },
    },
    errors: [403, 503],
    handle: async (_input, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistJoin', () => bl.gateway.join(ctx.session.identity));
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'listBlacklistMembers',
    method: 'get',
    path: '/blacklist/members',
    summary: 'The institutions that have joined the blacklist',
    tags: ['blacklist'],
    auth: 'session',
    responses: { 200: { description: 'the members', schema: Type.Array(BlacklistMember) } },
    errors: [403, 503],
    handle: async (_input, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.members(ctx.session.identity),
    }),
  }),
  route({
    operationId: 'uploadBlacklistEntry',
    method: 'post',
    path: '/blacklist/entries',
    summary: 'List one entry',
    description: `${who('UPLOAD')} The identifier is normalised and hashed on this node with the consortium key; the ledger gets its keyed hash only. The uploader is your institution (the signer), never a field. The evidence (summary, document hashes) goes to your institution's own private collection with a salt the node derives from the entry under its own secret, so the same entry posted again is UNCHANGED and names the first transaction; other content for an entry in force is 409 IDEMPOTENCY_CONFLICT. A bad identifier is 400 naming \`identifier\`, without repeating it; a category, indicator or expiry the policy refuses is 400 POLICY_VIOLATION.`,
    tags: ['blacklist'],
    auth: 'session',
    body: Obj({
      ...Identifier,
      category: Code,
      severity: Severity,
      indicators: Type.Array(Code, { minItems: 1, maxItems: BLACKLIST_LIMITS.indicatorsMax }),
      summary: Str({
        min: 1,
        max: BLACKLIST_LIMITS.evidenceSummaryMax,
        description: `the evidence in words, at most ${String(BLACKLIST_LIMITS.evidenceSummaryMax)} characters (private to your institution)`,
      }),
      documentHashes: Type.Optional(
        Type.Array(Hex64("a document's SHA-256 (64 lower-case hex characters)"), {
          maxItems: BLACKLIST_LIMITS.evidenceDocumentsMax,
        }),
      ),
      expiresOn: Type.Optional(Day),
    }),
    responses: {
      201: { description: 'committed', schema: BlacklistUploadAnswer },
    },
    errors: [403, 409, 503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const [key] = keysOf(bl, body.type, body.identifier);
      if (key === undefined) throw new Error('the keyring gave no key');
      const subject = { keyVersion: bl.keyring.writeVersion, subjectKey: key.subjectKey };
      const documentHashes = [...(body.documentHashes ?? [])];
      const indicators = [...body.indicators];
      const salt = evidenceSalt(bl.saltKey, {
        category: body.category,
        documentHashes,
        expiresOn: body.expiresOn ?? null,
        indicators,
        severity: body.severity,
        subject,
        summary: body.summary,
      });
      const entry = {
        subject,
        category: body.category,
        severity: body.severity,
        indicators,
        evidence: { salt, summary: body.summary, documentHashes },
        ...(body.expiresOn === undefined ? {} : { expiresOn: body.expiresOn }),
      };
      const r = await ctx.counted('blacklistUpload', () => bl.gateway.upload(ctx.session.identity, entry));
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'uploadBlacklistFile',
    method: 'post',
    path: '/blacklist/entries/bulk',
    summary: `List the entries of a CSV file (up to ${String(BULK_LIMITS.linesMax)} lines)`,
    description: `${who('UPLOAD')} The body is the CSV file itself (text/csv, UTF-8, at most ${String(BULK_LIMITS.bytesMax)} bytes). A header names the columns type, identifier, category, severity, indicators, summary and optionally document_hashes and expires_on (lists separated by ;). Every line is checked first (the identifier normalised and hashed on this node, the entry against the policy in force); a bad line is listed in \`refused\` with its line number and a message that never holds the identifier; the good lines are posted in transactions of up to ${String(BLACKLIST_LIMITS.uploadBatchMax)}. The same file again changes nothing (every line UNCHANGED). A file without a header, with an unknown column, broken quoting or too many lines is 400 and nothing of it is posted; over its size, 413. With an \`Upload-Id\` header (your name for this upload, e.g. a UUID) the node reports its progress meanwhile at GET /blacklist/bulk-uploads/{uploadId}; an id of yours still running is 409 IDEMPOTENCY_CONFLICT, and while the node holds its limit of running uploads, 429.`,
    tags: ['blacklist'],
    auth: 'session',
    upload: ['text/csv'],
    headers: Type.Object({ 'Upload-Id': Type.Optional(UploadId) }),
    responses: {
      200: {
        description: 'what each line did',
        schema: BlacklistBulkReport,
      },
    },
    errors: [403, 409, 429, 503],
    handle: async ({ headers }, ctx) => {
      const bl = blacklistOf(ctx);
      const { mspId } = ctx.session;
      const uploadId = headers['Upload-Id'];
      const board = progressBoard(ctx);
      if (uploadId !== undefined) {
        const started = board.start(mspId, uploadId);
        if (started === 'RUNNING')
          throw new ApiError('IDEMPOTENCY_CONFLICT', 'an upload under this Upload-Id is still running', {
            field: 'Upload-Id',
          });
        if (started === 'FULL')
          throw new ApiError(
            'RATE_LIMITED',
            'this node has too many bulk uploads in progress; try again later',
          );
      }
      let report: BulkReport | undefined;
      try {
        const text = await fileOf(ctx.req);
        report = await bulkUpload(text, {
          gateway: bl.gateway,
          who: ctx.session.identity,
          keyring: bl.keyring,
          saltKey: bl.saltKey,
          now: bl.now,
          ...(uploadId === undefined
            ? {}
            : {
                onProgress: (p) => {
                  board.update(mspId, uploadId, p);
                },
              }),
        });
        return { status: 200 as const, body: report };
      } catch (e) {
        if (e instanceof BulkFileError) throw new ApiError('VALIDATION_FAILED', e.message, { field: 'body' });
        throw e;
      } finally {
        if (uploadId !== undefined) board.finish(mspId, uploadId, report);
      }
    },
  }),
  route({
    operationId: 'getBlacklistUploadProgress',
    method: 'get',
    path: '/blacklist/bulk-uploads/{uploadId}',
    summary: 'How far a bulk upload has got (lines done of the total, listed, unchanged and refused so far)',
    description: `The progress of a bulk file posted to POST /blacklist/entries/bulk with an \`Upload-Id\` header, read while that request runs (the console polls it for its progress bar): READING while the file is read and its lines checked, then POSTING with the lines done of the total after each transaction the ledger answered, and DONE or FAILED at the end (the report itself is the upload's answer). Your institution's uploads only; kept on this node for ${String(BULK_PROGRESS_LIMITS.keptAfterDoneMs / 60_000)} minutes after they end. Nothing here goes to the ledger.`,
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ uploadId: UploadId }),
    responses: { 200: { description: 'the upload so far', schema: BlacklistBulkProgress } },
    errors: [404],
    handle: ({ params }, ctx) => {
      const progress = progressBoard(ctx).get(ctx.session.mspId, params.uploadId);
      if (!progress) throw new ApiError('NOT_FOUND', 'no bulk upload of your institution under this id');
      return { status: 200 as const, body: progress };
    },
  }),
  route({
    operationId: 'queryBlacklist',
    method: 'post',
    path: '/blacklist/queries',
    summary:
      'A recorded query: the entries in force about a subject, with provenance and the cross-validation count',
    description: `${who('QUERY')} The query is a transaction: the ledger records who asked (institution and person), the subject's keyed hash, the purpose, the consent's hash and expiry, and the time. The identifier is hashed on this node (under every key version it holds, during a rotation both). Without a consent the query is 403 CONSENT_REQUIRED unless the policy exempts the purpose; an expired consent 403 CONSENT_EXPIRED; a purpose the policy does not name 400 POLICY_VIOLATION. The answer lists each entry in force (ACTIVE or DISPUTED) with its uploader, listing transaction and time, and how many distinct institutions list the subject, in which categories.`,
    tags: ['blacklist'],
    auth: 'session',
    body: Obj({ ...Identifier, purpose: Code, consent: Type.Optional(ConsentInput) }),
    responses: { 200: { description: 'committed: the query is recorded', schema: BlacklistQueryAnswer } },
    errors: [403, 503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const subjects = keysOf(bl, body.type, body.identifier);
      const r = await ctx.counted('blacklistQuery', () =>
        bl.gateway.query(ctx.session.identity, {
          subjects,
          purpose: body.purpose,
          ...(body.consent === undefined ? {} : { consent: body.consent }),
        }),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'blacklistSubjectReport',
    method: 'post',
    path: '/blacklist/subject-reports',
    summary: "The subject's report: the entries about them and who looked (institution, purpose, day)",
    description: `${who('SUBJECT_REPORT')} For a subject whose identity your institution has verified, with their signed request as the consent (never exempt). Recorded like a query (purpose SUBJECT_REPORT), so it shows in the next report.`,
    tags: ['blacklist'],
    auth: 'session',
    body: Obj({ ...Identifier, consent: ConsentInput }),
    responses: {
      200: { description: 'committed: the report is recorded', schema: BlacklistSubjectReportAnswer },
    },
    errors: [403, 503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const subjects = keysOf(bl, body.type, body.identifier);
      const r = await ctx.counted('blacklistSubjectReport', () =>
        bl.gateway.subjectReport(ctx.session.identity, { subjects, consent: body.consent }),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getBlacklistEntry',
    method: 'get',
    path: '/blacklist/entries/{subjectKey}/{uploader}/{category}',
    summary: 'An entry by its key, with its status on the ledger’s day',
    description: `For its uploader's institution (any role) and auditors; to anyone else 404 ENTRY_NOT_FOUND, as for an entry that does not exist (the chaincode decides). The subject key is the keyed hash an upload or a query answered.`,
    tags: ['blacklist'],
    auth: 'session',
    params: EntryPath,
    responses: {
      200: { description: 'the entry', schema: BlacklistEntryView },
    },
    errors: [404, 503],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.getEntry(
        ctx.session.identity,
        params.subjectKey,
        params.uploader,
        params.category,
      ),
    }),
  }),
  route({
    operationId: 'getBlacklistEntryHistory',
    method: 'get',
    path: '/blacklist/entries/{subjectKey}/{uploader}/{category}/history',
    summary: 'Every committed version of an entry',
    description: `For its uploader's institution (any role) and auditors; to anyone else 404 ENTRY_NOT_FOUND.`,
    tags: ['blacklist'],
    auth: 'session',
    params: EntryPath,
    responses: {
      200: {
        description: 'the versions, oldest first',
        schema: Type.Array(BlacklistEntryVersion),
      },
    },
    errors: [404, 503],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.entryHistory(
        ctx.session.identity,
        params.subjectKey,
        params.uploader,
        params.category,
      ),
    }),
  }),
  route({
    operationId: 'getBlacklistQueryLog',
    method: 'get',
    path: '/blacklist/query-log/{subjectKey}',
    summary: 'Every recorded query of a subject key (auditors)',
    description: who('READ_QUERY_LOG'),
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ subjectKey: SubjectKeyParam }),
    responses: {
      200: {
        description: 'the recorded queries',
        schema: Type.Array(
          Obj({
            queryId: Type.String(),
            at: Time(),
            querier: Obj({ mspId: Type.String(), name: Type.String() }),
            subjectKeys: Type.Array(Type.String()),
            purpose: Type.String(),
            consentHash: Nullable(Type.String()),
            consentExpiresOn: Nullable(Type.String()),
            hits: Type.Integer(),
            policyVersion: Type.Integer(),
          }),
        ),
      },
    },
    errors: [503],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.queryLog(ctx.session.identity, params.subjectKey),
    }),
  }),
  route({
    operationId: 'getBlacklistPolicy',
    method: 'get',
    path: '/blacklist/policy',
    summary: 'The blacklist policy: the version in force, or any version',
    description: `${who('READ_POLICY')} Version 1 is the genesis policy; every adopted version is kept.`,
    tags: ['blacklist'],
    auth: 'session',
    query: Type.Object({
      version: Type.Optional(
        Int({ min: 1, max: 2_147_483_647, description: 'a policy version (absent: the one in force)' }),
      ),
    }),
    responses: { 200: { description: 'the policy version', schema: BlacklistPolicyVersion } },
    errors: [404, 503],
    handle: async ({ query }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.policy(ctx.session.identity, query.version ?? 0),
    }),
  }),
  route({
    operationId: 'proposeBlacklistPolicy',
    method: 'post',
    path: '/blacklist/policy/proposals',
    summary: 'Propose a whole new policy against the version in force',
    description: `${who('PROPOSE_POLICY')} Idempotent by proposalId: the same policy again is UNCHANGED, another one 409 IDEMPOTENCY_CONFLICT. It is adopted when the approvals of more than half of the member institutions are in (each by an approver; not the proposer).`,
    tags: ['blacklist'],
    auth: 'session',
    body: Obj({ proposalId: ProposalId, policy: BlacklistPolicy }),
    responses: { 201: { description: 'committed', schema: BlacklistProposalStep } },
    errors: [403, 409, 503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistProposePolicy', () =>
        bl.gateway.proposePolicy(ctx.session.identity, body.proposalId, body.policy as PolicyInput),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getBlacklistPolicyProposal',
    method: 'get',
    path: '/blacklist/policy/proposals/{proposalId}',
    summary: 'A policy proposal, its approvals and its status',
    description: who('READ_POLICY'),
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ proposalId: ProposalId }),
    responses: { 200: { description: 'the proposal', schema: BlacklistProposal } },
    errors: [404, 503],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.proposal(ctx.session.identity, params.proposalId),
    }),
  }),
  route({
    operationId: 'approveBlacklistPolicy',
    method: 'post',
    path: '/blacklist/policy/proposals/{proposalId}/approve',
    summary: "Your institution's approval of a policy proposal",
    description: `${who('APPROVE_POLICY')} The proposer cannot approve (403 SELF_APPROVAL); a second approval of one institution changes nothing; a proposal made against an older version is 409 ALREADY_DECIDED. The approval that makes a majority adopts the policy (\`outcome\` ADOPTED, \`version\` the new version).`,
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ proposalId: ProposalId }),
    responses: { 200: { description: 'committed', schema: BlacklistProposalStep } },
    errors: [403, 404, 409, 503],
    handle: async ({ params }, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistApprovePolicy', () =>
        bl.gateway.approvePolicy(ctx.session.identity, params.proposalId),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  ...blacklistDisputeRoutes,
];
