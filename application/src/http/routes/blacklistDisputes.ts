import { Type } from '@sinclair/typebox';

import { ApiError } from '../errors';
import { blacklistOf, who } from './blacklistCommon';
import {
  BlacklistAllowance,
  BlacklistConfirmAnswer,
  BlacklistDispute,
  BlacklistDisputeAnswer,
  BlacklistEvidenceRequest,
  BlacklistEvidenceRequestAnswer,
  BlacklistPurgeAnswer,
  BlacklistReceivedEvidence,
  ClientId,
  committed,
  EntryRef,
  Hex64,
  MspId,
} from './blacklistShapes';
import { route } from './route';
import { Obj, OneOf } from './schema';

/**
 * The blacklist's routes after a hit (docs/BLACKLIST.md): the allowance and confirmed hits (metering, issue 19
 * item 4), disputes and votes (item 6), evidence on request (item 7). As in routes/blacklist.ts, no role or rule
 * is checked here: every refusal is the chaincode's, with its code. Entries are addressed by subject key (the
 * keyed hash a query answered), never by identifier.
 */
export const blacklistDisputeRoutes = [
  route({
    operationId: 'getBlacklistAllowance',
    method: 'get',
    path: '/blacklist/allowance',
    summary: "Your institution's query allowance in the current period, and what it is made of",
    description: `${who('READ_ALLOWANCE')} allowance = queriesBase + queriesPerEntry × entries in force + queriesPerConfirmedEntry × confirmed entries − queriesPerRevokedEntry × entries revoked by the members (until their expiry), never below 0 (the parameters are the policy's). A query over it is 429 ALLOWANCE_EXCEEDED, whose message names when it renews (\`renewsAt=\`). Another institution's allowance: auditors only (403 WRONG_INSTITUTION).`,
    tags: ['blacklist'],
    auth: 'session',
    query: Type.Object({ mspId: Type.Optional(MspId) }),
    responses: { 200: { description: 'the allowance', schema: BlacklistAllowance } },
    errors: [403, 503],
    handle: async ({ query }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.allowance(ctx.session.identity, query.mspId ?? ''),
    }),
  }),
  route({
    operationId: 'confirmBlacklistHit',
    method: 'post',
    path: '/blacklist/confirmations',
    summary: 'Confirm a hit of one of your recorded queries: the entry counts more for its uploader',
    description: `${who('CONFIRM_HIT')} \`queryId\` is your institution's recorded query (its transaction id) that found the entry, made after the entry was listed (else 403 NOT_A_HIT). One confirmation per institution (again: UNCHANGED); never your own entry (403 WRONG_INSTITUTION).`,
    tags: ['blacklist'],
    auth: 'session',
    body: Obj({ queryId: ClientId, ...EntryRef }),
    responses: { 200: { description: 'committed', schema: BlacklistConfirmAnswer } },
    errors: [403, 404, 409, 503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistConfirm', () =>
        bl.gateway.confirmHit(ctx.session.identity, body),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'openBlacklistDispute',
    method: 'post',
    path: '/blacklist/disputes',
    summary:
      "Dispute an entry on a subject's behalf: it shows DISPUTED in every result from this transaction on",
    description: `${who('DISPUTE')} \`requestHash\` is the SHA-256 of the subject's signed request (the document stays with your institution). The uploader then has the policy's answerDays to maintain or retract it. Not your own entry (403 WRONG_INSTITUTION); only an entry in force (409 INVALID_TRANSITION). Idempotent by disputeId.`,
    tags: ['blacklist'],
    auth: 'session',
    body: Obj({
      disputeId: ClientId,
      ...EntryRef,
      requestHash: Hex64("the SHA-256 of the subject's signed request (64 lower-case hex characters)"),
    }),
    responses: { 201: { description: 'committed', schema: BlacklistDisputeAnswer } },
    errors: [403, 404, 409, 503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistDispute', () =>
        bl.gateway.openDispute(ctx.session.identity, body),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getBlacklistDispute',
    method: 'get',
    path: '/blacklist/disputes/{disputeId}',
    summary: 'A dispute: its status, deadline, votes and every step',
    description: who('READ_DISPUTE'),
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ disputeId: ClientId }),
    responses: { 200: { description: 'the dispute', schema: BlacklistDispute } },
    errors: [404, 503],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.dispute(ctx.session.identity, params.disputeId),
    }),
  }),
  route({
    operationId: 'stepBlacklistDispute',
    method: 'post',
    path: '/blacklist/disputes/{disputeId}/steps',
    summary: 'A step of a dispute: maintain, retract, withdraw, contest, vote or close',
    description: `MAINTAIN (with \`evidenceHash\`) or RETRACT: the uploader, within the deadline. WITHDRAW or CONTEST: the disputing member (CONTEST once maintained, within answerDays of it). VOTE (\`vote\`: REVOKE or UPHOLD): an approver of any member institution while the vote is open; the first side with a majority of the members decides. CLOSE: any member, after the deadline (unanswered: to a vote; maintained and not contested: upheld; vote over: by the votes cast, a tie upholds). ${who('DISPUTE_STEP')} (VOTE: ${who('VOTE')}) Refusals: 403 NOT_A_PARTY, 409 INVALID_TRANSITION, ALREADY_DECIDED, DEADLINE_PASSED, DEADLINE_NOT_REACHED. A revocation signed by another institution than the uploader leaves the uploader's evidence to purge (POST /blacklist/evidence-purges).`,
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ disputeId: ClientId }),
    body: Obj({
      action: OneOf(['MAINTAIN', 'RETRACT', 'WITHDRAW', 'CONTEST', 'VOTE', 'CLOSE'] as const),
      evidenceHash: Type.Optional(
        Hex64('MAINTAIN: the SHA-256 of the evidence the entry is maintained with'),
      ),
      vote: Type.Optional(OneOf(['REVOKE', 'UPHOLD'] as const)),
    }),
    responses: { 200: { description: 'committed', schema: BlacklistDisputeAnswer } },
    errors: [403, 404, 409, 503],
    handle: async ({ params, body }, ctx) => {
      const detail = body.action === 'MAINTAIN' ? body.evidenceHash : body.action === 'VOTE' ? body.vote : '';
      if (detail === undefined)
        throw new ApiError(
          'VALIDATION_FAILED',
          body.action === 'MAINTAIN' ? 'MAINTAIN needs evidenceHash' : 'VOTE needs vote',
          { field: body.action === 'MAINTAIN' ? 'evidenceHash' : 'vote' },
        );
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistDisputeStep', () =>
        bl.gateway.disputeStep(ctx.session.identity, params.disputeId, body.action, detail),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'purgeBlacklistEvidence',
    method: 'post',
    path: '/blacklist/evidence-purges',
    summary: "Purge the private evidence of your institution's revoked entries",
    description: `${who('PURGE_EVIDENCE')} Purges (Fabric private-data purge) the evidence of every entry of your institution the members revoked, up to 500 per call; the entries keep their public evidence hash and their history. Until this is done your institution may neither list nor query (409 EVIDENCE_PURGE_DUE). Nothing due: an empty list.`,
    tags: ['blacklist'],
    auth: 'session',
    responses: { 200: { description: 'committed', schema: BlacklistPurgeAnswer } },
    errors: [403, 503],
    handle: async (_input, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistPurge', () => bl.gateway.purgeEvidence(ctx.session.identity));
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'requestBlacklistEvidence',
    method: 'post',
    path: '/blacklist/evidence-requests',
    summary: "Ask an entry's uploader for its evidence, after a hit",
    description: `${who('REQUEST_EVIDENCE')} \`queryId\`: your institution's recorded query that found the entry (else 403 NOT_A_HIT). The uploader approves or declines; the ledger records the request, the decision and the hash of what is delivered. Idempotent by requestId.`,
    tags: ['blacklist'],
    auth: 'session',
    body: Obj({ requestId: ClientId, queryId: ClientId, ...EntryRef }),
    responses: { 201: { description: 'committed', schema: BlacklistEvidenceRequestAnswer } },
    errors: [403, 404, 409, 503],
    handle: async ({ body }, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistRequestEvidence', () =>
        bl.gateway.requestEvidence(ctx.session.identity, body),
      );
      return { status: 201 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'getBlacklistEvidenceRequest',
    method: 'get',
    path: '/blacklist/evidence-requests/{requestId}',
    summary: 'An evidence request and its decision',
    description: `For the requesting and the uploading institution (any role) and auditors; to anyone else 404 EVIDENCE_REQUEST_NOT_FOUND.`,
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ requestId: ClientId }),
    responses: { 200: { description: 'the request', schema: BlacklistEvidenceRequest } },
    errors: [404, 503],
    handle: async ({ params }, ctx) => ({
      status: 200 as const,
      body: await blacklistOf(ctx).gateway.evidenceRequest(ctx.session.identity, params.requestId),
    }),
  }),
  route({
    operationId: 'decideBlacklistEvidenceRequest',
    method: 'post',
    path: '/blacklist/evidence-requests/{requestId}/decision',
    summary: "The uploader's decision on an evidence request",
    description: `${who('DECIDE_EVIDENCE_REQUEST')} Only the uploader's institution (403 NOT_A_PARTY). APPROVE records the hash of the evidence your institution's peer holds, which must be the entry's evidence hash (else 409 EVIDENCE_UNAVAILABLE); the same decision again is UNCHANGED, another 409 ALREADY_DECIDED.`,
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ requestId: ClientId }),
    body: Obj({ decision: OneOf(['APPROVE', 'DECLINE'] as const) }),
    responses: { 200: { description: 'committed', schema: BlacklistEvidenceRequestAnswer } },
    errors: [403, 404, 409, 503],
    handle: async ({ params, body }, ctx) => {
      const bl = blacklistOf(ctx);
      const r = await ctx.counted('blacklistDecideEvidence', () =>
        bl.gateway.decideEvidenceRequest(ctx.session.identity, params.requestId, body.decision),
      );
      return { status: 200 as const, body: committed(r) };
    },
  }),
  route({
    operationId: 'receiveBlacklistEvidence',
    method: 'get',
    path: '/blacklist/evidence-requests/{requestId}/evidence',
    summary: 'The evidence of an approved request, its hash checked by this node',
    description: `${who('RECEIVE_EVIDENCE')} For the requester. This node reads it from the uploader's peer (the only one that holds it, over the peer's TLS connection), hashes it and compares the hash with the one the ledger recorded with the approval; a mismatch is 409 EVIDENCE_UNAVAILABLE and nothing is returned. Not yet approved or declined: 409 INVALID_TRANSITION; the entry revoked since: 409 EVIDENCE_UNAVAILABLE.`,
    tags: ['blacklist'],
    auth: 'session',
    params: Type.Object({ requestId: ClientId }),
    responses: { 200: { description: 'the evidence, verified', schema: BlacklistReceivedEvidence } },
    errors: [403, 404, 409, 503],
    handle: async ({ params }, ctx) => {
      const r = await blacklistOf(ctx).gateway.receiveEvidence(ctx.session.identity, params.requestId);
      return {
        status: 200 as const,
        body: {
          deliveredHash: r.deliveredHash ?? r.receivedHash,
          evidence: { ...r.evidence, documentHashes: [...r.evidence.documentHashes] },
          receivedHash: r.receivedHash,
          requestId: r.requestId,
          verified: true as const,
        },
      };
    },
  }),
];
