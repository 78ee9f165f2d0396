import { Type } from '@sinclair/typebox';

import { ENTRY_STATUSES, SEVERITIES } from '../../../../chaincode/src/core/blacklist/entry';
import { BLACKLIST_LIMITS } from '../../../../chaincode/src/core/blacklist/limits';
import {
  DISPUTE_ACTIONS,
  DISPUTE_STATUSES,
  VOTE_CHOICES,
} from '../../../../chaincode/src/core/blacklist/dispute';
import { EVIDENCE_REQUEST_STATUSES } from '../../../../chaincode/src/core/blacklist/evidenceRequest';
import { PROPOSAL_STATUSES } from '../../../../chaincode/src/core/blacklist/proposal';
import { SUBJECT_LIMITS, SUBJECT_TYPES } from '../../../../chaincode/src/core/subject';
import { BULK_UPLOAD_STATUSES } from '../../blacklist/bulkProgress';
import { AnyJson, component, Decimal, Int, Nullable, Obj, OneOf, Str, Time } from './schema';

/**
 * The shapes the blacklist's routes (routes/blacklist.ts) take and answer, declared once; the named ones are
 * components of the OpenAPI document and have their types in ../apiTypes.ts. Kept free of Node imports (the
 * console takes its types from here).
 */

export const Hex64 = (description: string) => Str({ pattern: '^[0-9a-f]{64}$', description });
export const SubjectKeyParam = Hex64(
  'a subject key: 64 lower-case hex characters (the keyed hash, never the identifier)',
);
export const MspId = Str({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'an MSP id' });
export const Code = Str({
  pattern: '^[A-Z][A-Z0-9_]{0,63}$',
  description: 'a policy code (upper case, e.g. MONEY_MULE)',
});
export const Day = Type.String({ format: 'date', description: 'a day YYYY-MM-DD' });
export const Identifier = {
  type: OneOf(SUBJECT_TYPES, `the identifier's type: ${SUBJECT_TYPES.join(', ')}`),
  identifier: Str({
    min: 1,
    max: SUBJECT_LIMITS.rawLengthMax,
    description: `the identifier as written, at most ${String(SUBJECT_LIMITS.rawLengthMax)} characters (hashed on this node; never sent to the ledger, stored or logged)`,
  }),
};
export const ConsentInput = Obj(
  {
    hash: Hex64("the SHA-256 of the subject's signed authorisation (64 lower-case hex characters)"),
    expiresOn: Day,
  },
  'the consent: its hash (the document stays with your institution) and its expiry',
);

export const Committed = {
  txId: Type.String(),
  blockNumber: Decimal('the block that holds the transaction'),
};
export const committed = <T>(r: { txId: string; blockNumber: bigint; result: T }) => ({
  txId: r.txId,
  blockNumber: r.blockNumber.toString(),
  result: r.result,
});

export const Severity = OneOf(SEVERITIES);
export const EntryStatus = OneOf(ENTRY_STATUSES);
export const BlacklistUploadResult = component(
  'BlacklistUploadResult',
  Obj({
    subjectKey: Type.String(),
    keyVersion: Type.Integer(),
    category: Type.String(),
    uploader: Type.String(),
    outcome: OneOf(['LISTED', 'UNCHANGED'] as const),
    status: EntryStatus,
    expiresOn: Type.String(),
    txId: Type.String({ description: 'the listing transaction (the first one, for UNCHANGED)' }),
  }),
);
export const BlacklistEntryHit = component(
  'BlacklistEntryHit',
  Obj({
    subjectKey: Type.String(),
    keyVersion: Type.Integer(),
    category: Type.String(),
    severity: Severity,
    indicators: Type.Array(Type.String()),
    evidenceHash: Type.String(),
    listedOn: Type.String(),
    expiresOn: Type.String(),
    status: EntryStatus,
    uploader: Type.String({ description: 'the institution that listed it (the signer of txId)' }),
    txId: Type.String({ description: 'the listing transaction; its block holds the signer’s certificate' }),
    listedAt: Time(),
  }),
);
const queryResultFields = {
  queryId: Type.String({ description: 'the transaction that recorded this query' }),
  at: Time(),
  purpose: Type.String(),
  entries: Type.Array(BlacklistEntryHit),
  crossValidation: Obj({
    institutions: Int({ min: 0, description: 'distinct institutions that list the subject' }),
    categories: Type.Array(Type.String()),
    institutionsByCategory: Type.Record(Type.String(), Type.Integer()),
  }),
};
export const BlacklistQueryAnswer = component(
  'BlacklistQueryAnswer',
  Obj({ ...Committed, result: Obj(queryResultFields) }),
);
export const BlacklistSubjectReportAnswer = component(
  'BlacklistSubjectReportAnswer',
  Obj({
    ...Committed,
    result: Obj({
      ...queryResultFields,
      looks: Type.Array(
        Obj({
          institution: Type.String(),
          purpose: Type.String(),
          on: Type.String(),
          queryId: Type.String(),
        }),
      ),
    }),
  }),
);
export const BlacklistEntryRecord = component(
  'BlacklistEntryRecord',
  Obj({
    subjectKey: Type.String(),
    keyVersion: Type.Integer(),
    uploader: Type.String(),
    category: Type.String(),
    severity: Severity,
    indicators: Type.Array(Type.String()),
    evidenceHash: Type.String(),
    listedAt: Time(),
    listedOn: Type.String(),
    expiresOn: Type.String(),
    status: EntryStatus,
    txId: Type.String(),
    policyVersion: Type.Integer(),
    inputHash: Type.String(),
    relists: Type.Optional(Type.String()),
    confirmedBy: Type.Optional(
      Type.Array(Type.String(), { description: 'institutions whose queries found it and that confirmed it' }),
    ),
    dispute: Type.Optional(Type.String({ description: 'the dispute open on it, or the last one' })),
    revocation: Type.Optional(
      Obj({
        how: OneOf(['RETRACTED', 'VOTE'] as const),
        disputeId: Type.String(),
        at: Time(),
        txId: Type.String(),
      }),
    ),
    evidencePurge: Type.Optional(
      Obj(
        {
          status: OneOf(['DUE', 'DONE'] as const),
          dueSince: Time(),
          purgedAt: Nullable(Time()),
          txId: Nullable(Type.String()),
        },
        "after a revocation: the uploader's private evidence to be purged (DUE) or purged (DONE); the public evidence hash stays",
      ),
    ),
  }),
);
export const BlacklistPolicy = component(
  'BlacklistPolicy',
  Obj({
    categories: Type.Record(
      Type.String(),
      Obj({
        indicatorsMin: Int({ min: 1, max: BLACKLIST_LIMITS.indicatorsMax }),
        listingDaysMax: Int({ min: 1, max: BLACKLIST_LIMITS.listingDaysMax }),
      }),
    ),
    indicators: Type.Array(Type.String(), { maxItems: BLACKLIST_LIMITS.policyCodesMax }),
    purposes: Type.Array(Type.String(), { maxItems: BLACKLIST_LIMITS.policyCodesMax }),
    exemptPurposes: Type.Array(Type.String(), { maxItems: BLACKLIST_LIMITS.policyCodesMax }),
    metering: Obj({
      periodDays: Type.Integer(),
      queriesBase: Type.Integer(),
      queriesPerEntry: Type.Integer(),
      queriesPerConfirmedEntry: Type.Integer(),
      queriesPerRevokedEntry: Type.Integer(),
    }),
    disputes: Obj({ answerDays: Type.Integer(), voteDays: Type.Integer() }),
  }),
);
export const BlacklistPolicyVersion = component(
  'BlacklistPolicyVersion',
  Obj({
    version: Type.Integer(),
    policy: BlacklistPolicy,
    adoptedAt: Nullable(Time()),
    txId: Nullable(Type.String()),
    proposalId: Nullable(Type.String()),
    approvedBy: Type.Array(Type.String()),
    membersAtAdoption: Type.Integer(),
  }),
);
export const ProposalView = {
  proposal: Obj({
    proposalId: Type.String(),
    baseVersion: Type.Integer(),
    policy: BlacklistPolicy,
    proposedBy: Obj({ mspId: Type.String(), name: Type.String(), id: Type.String() }),
    proposedAt: Time(),
    txId: Type.String(),
    approvals: Type.Array(
      Obj({ mspId: Type.String(), name: Type.String(), at: Time(), txId: Type.String() }),
    ),
    status: OneOf(PROPOSAL_STATUSES),
    adoptedVersion: Nullable(Type.Integer()),
    inputHash: Type.String(),
  }),
  status: OneOf(PROPOSAL_STATUSES),
};
export const BlacklistProposalStep = component(
  'BlacklistProposalStep',
  Obj({
    ...Committed,
    result: Obj({
      ...ProposalView,
      outcome: OneOf(['PROPOSED', 'UNCHANGED', 'APPROVED', 'ADOPTED'] as const),
      version: Nullable(BlacklistPolicyVersion),
    }),
  }),
);
export const BlacklistMember = component(
  'BlacklistMember',
  Obj({ mspId: Type.String(), joinedAt: Time(), txId: Type.String(), by: Type.String() }),
);
export const EntryPath = Type.Object({ subjectKey: SubjectKeyParam, uploader: MspId, category: Code });
export const ProposalId = Str({
  pattern: `^[A-Za-z0-9][A-Za-z0-9._-]{0,${String(BLACKLIST_LIMITS.proposalIdMax - 1)}}$`,
  description: `a proposal id you choose (letters, digits, . _ -; at most ${String(BLACKLIST_LIMITS.proposalIdMax)})`,
});

export const BlacklistBulkReport = component(
  'BlacklistBulkReport',
  Obj({
    lines: Int({ min: 0, description: 'data lines read (the header and empty lines not counted)' }),
    listed: Int({ min: 0 }),
    unchanged: Int({ min: 0, description: 'lines whose entry the ledger already held as given' }),
    refused: Type.Array(
      Obj({
        line: Int({ min: 1, description: 'the line of the file where the record starts (1 is the header)' }),
        code: Type.String(),
        message: Type.String(),
      }),
    ),
  }),
);

export const UploadId = Str({
  pattern: '^[A-Za-z0-9._~:-]{8,100}$',
  description: "the client's name for a bulk upload: 8-100 letters, digits or . _ ~ : - (a UUID will do)",
});
export const BlacklistBulkProgress = component(
  'BlacklistBulkProgress',
  Obj({
    uploadId: UploadId,
    status: OneOf(
      BULK_UPLOAD_STATUSES,
      "READING: the file is being read and its lines checked; POSTING: good lines going to the ledger; DONE (the report came back with the upload's answer); FAILED (the upload's answer says why)",
    ),
    lines: Nullable(Int({ min: 0, description: 'data lines of the file; null until it is read' })),
    linesDone: Int({
      min: 0,
      description: 'lines refused when checked, or posted and answered by the ledger',
    }),
    listed: Int({ min: 0 }),
    unchanged: Int({ min: 0 }),
    refused: Int({ min: 0, description: 'lines refused so far' }),
    startedAt: Time(),
    finishedAt: Nullable(Time()),
  }),
);
export const BlacklistUploadAnswer = component(
  'BlacklistUploadAnswer',
  Obj({ ...Committed, result: Type.Array(BlacklistUploadResult) }),
);
export const BlacklistEntryView = component(
  'BlacklistEntryView',
  Obj({ entry: BlacklistEntryRecord, status: EntryStatus }),
);
export const BlacklistProposal = component('BlacklistProposal', Obj(ProposalView));
export const BlacklistEntryVersion = Obj({
  txId: Type.String(),
  timestamp: Time(),
  isDelete: Type.Boolean(),
  value: AnyJson('the stored entry'),
});

/** A client-chosen id (a dispute's, an evidence request's): the idempotency key of the transaction. */
export const ClientId = Str({
  pattern: '^[A-Za-z0-9._:-]{1,64}$',
  description:
    'an id you choose (1-64 of A-Z a-z 0-9 . _ : -); the same id again with the same body changes nothing',
});
export const EntryRef = {
  subjectKey: SubjectKeyParam,
  uploader: MspId,
  category: Code,
};

export const BlacklistAllowance = component(
  'BlacklistAllowance',
  Obj({
    mspId: Type.String(),
    period: Obj({
      startsOn: Type.String({ description: 'the first day of the period' }),
      endsBefore: Type.String({ description: 'the first day of the next period' }),
      renewsAt: Time(),
    }),
    listed: Int({ min: 0, description: 'entries in force and not disputed' }),
    confirmed: Int({ min: 0, description: 'of those, entries another member confirmed' }),
    revoked: Int({ min: 0, description: 'entries revoked by the members, until their expiry day' }),
    allowance: Int({ min: 0 }),
    used: Int({ min: 0 }),
    remaining: Int({ min: 0 }),
  }),
);
export const BlacklistConfirmAnswer = component(
  'BlacklistConfirmAnswer',
  Obj({
    ...Committed,
    result: Obj({
      outcome: OneOf(['CONFIRMED', 'UNCHANGED'] as const),
      subjectKey: Type.String(),
      uploader: Type.String(),
      category: Type.String(),
      confirmedBy: Type.Array(Type.String()),
    }),
  }),
);
export const BlacklistDispute = component(
  'BlacklistDispute',
  Obj({
    disputeId: Type.String(),
    subjectKey: Type.String(),
    uploader: Type.String(),
    category: Type.String(),
    disputer: Obj({ mspId: Type.String(), name: Type.String() }),
    requestHash: Type.String(),
    openedAt: Time(),
    txId: Type.String(),
    policyVersion: Type.Integer(),
    answerDays: Type.Integer(),
    voteDays: Type.Integer(),
    status: OneOf(DISPUTE_STATUSES),
    deadline: Nullable(
      Type.String({ description: 'the last day (UTC, inclusive) for the answer, the contest or the votes' }),
    ),
    maintainedWith: Nullable(Type.String()),
    votingReason: Nullable(OneOf(['CONTESTED', 'UNANSWERED'] as const)),
    votes: Type.Array(Obj({ mspId: Type.String(), choice: OneOf(VOTE_CHOICES) })),
    steps: Type.Array(
      Obj({
        action: OneOf(DISPUTE_ACTIONS),
        by: Type.String(),
        name: Type.String(),
        at: Time(),
        txId: Type.String(),
        detail: Nullable(Type.String()),
        status: OneOf(DISPUTE_STATUSES),
      }),
    ),
    inputHash: Type.String(),
  }),
);
export const BlacklistDisputeAnswer = component(
  'BlacklistDisputeAnswer',
  Obj({
    ...Committed,
    result: Obj({ outcome: OneOf(['OPENED', 'RECORDED', 'UNCHANGED'] as const), dispute: BlacklistDispute }),
  }),
);
export const BlacklistPurgeAnswer = component(
  'BlacklistPurgeAnswer',
  Obj({
    ...Committed,
    result: Type.Array(
      Obj({
        subjectKey: Type.String(),
        category: Type.String(),
        disputeId: Type.String(),
        evidenceHash: Type.String({ description: 'the public hash, which stays' }),
      }),
    ),
  }),
);
export const BlacklistEvidenceRequest = component(
  'BlacklistEvidenceRequest',
  Obj({
    requestId: Type.String(),
    subjectKey: Type.String(),
    uploader: Type.String(),
    category: Type.String(),
    queryId: Type.String(),
    requester: Obj({ mspId: Type.String(), name: Type.String() }),
    requestedAt: Time(),
    txId: Type.String(),
    status: OneOf(EVIDENCE_REQUEST_STATUSES),
    decision: Nullable(
      Obj({
        by: Type.String(),
        at: Time(),
        txId: Type.String(),
        deliveredHash: Nullable(Type.String({ description: 'SHA-256 of the evidence delivered (approved)' })),
      }),
    ),
    inputHash: Type.String(),
  }),
);
export const BlacklistEvidenceRequestAnswer = component(
  'BlacklistEvidenceRequestAnswer',
  Obj({
    ...Committed,
    result: Obj({
      outcome: OneOf(['REQUESTED', 'APPROVED', 'DECLINED', 'UNCHANGED'] as const),
      request: BlacklistEvidenceRequest,
    }),
  }),
);
export const BlacklistReceivedEvidence = component(
  'BlacklistReceivedEvidence',
  Obj({
    requestId: Type.String(),
    evidence: Obj({
      salt: Type.String(),
      summary: Type.String(),
      documentHashes: Type.Array(Type.String()),
    }),
    deliveredHash: Type.String({ description: 'the hash the ledger recorded with the approval' }),
    receivedHash: Type.String({ description: 'the hash of what this node received (equal, or refused)' }),
    verified: Type.Literal(true),
  }),
);
