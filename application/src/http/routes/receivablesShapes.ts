import { Type } from '@sinclair/typebox';

import { DAY_COUNTS } from '../../../../chaincode/src/core/receivables/financing';
import { RECEIVABLES_LIMITS } from '../../../../chaincode/src/core/receivables/limits';
import { RECEIVABLES_ROLES } from '../../../../chaincode/src/core/receivables/parties';
import { MOVE_STATUSES, PART_STATUSES } from '../../../../chaincode/src/core/receivables/part';
import { TOKEN_STATUSES } from '../../../../chaincode/src/core/receivables/token';
import { TRADE_STATUSES } from '../../../../chaincode/src/core/receivables/trade';
import { Committed, Day, Hex64, MspId } from './blacklistShapes';
import { component, Decimal, Int, Nullable, Obj, OneOf, Str, Time } from './schema';
import { LegInput } from './shapes';

/**
 * The shapes the receivables routes (routes/receivables.ts) take and answer, declared once; the named ones are
 * components of the OpenAPI document. The chaincode parses every input again with the core's parsers (the
 * core decides what a trade, an issue or a move is); these schemas describe what those accept.
 */

export const ClientId = (what: string) =>
  Str({ pattern: '^[A-Za-z0-9._:-]{1,64}$', description: `${what}: 1-64 characters of A-Z a-z 0-9 . _ : -` });
export const PartId = Str({
  min: 1,
  max: 200,
  description: 'a part id: <token>/root, or <token>/<move>/<n>',
});
export const Minor = (what: string) =>
  Str({ pattern: '^[0-9]{1,18}$', description: `${what}: integer minor units as a decimal string` });
const Currency = Str({ pattern: '^[A-Z]{3}$', description: 'an ISO 4217 currency' });
const Uscc = Str({
  pattern: '^[0-9A-Z]{18}$',
  description: 'a unified social credit code (GB 32100-2015, 18 characters, checked)',
});

export const Enterprise = component(
  'ReceivablesEnterprise',
  Obj(
    { kind: OneOf(['ENTERPRISE'] as const), enterpriseId: Uscc, mspId: MspId },
    'an enterprise: its code and the member bank that enrolled it',
  ),
);
export const Bank = component('ReceivablesBank', Obj({ kind: OneOf(['BANK'] as const), mspId: MspId }));
export const Party = Type.Union([Enterprise, Bank]);
export const Person = component(
  'ReceivablesPerson',
  Obj({ mspId: Type.String(), id: Type.String(), name: Type.String() }, 'who signed, from the certificate'),
);
/** What a token and a move record of who proposed and who signed (the core's FourEyesRecord), declared once. */
const FOUR_EYES = {
  proposedBy: Person,
  proposedAt: Time(),
  txId: Type.String(),
  inputHash: Type.String(),
  signedBy: Nullable(Person),
  signedAt: Nullable(Time()),
};

export const TradeInput = component(
  'ReceivablesTradeInput',
  Obj({
    tradeId: ClientId('the trade id, chosen by the client (the request is idempotent by it)'),
    buyer: Enterprise,
    seller: Enterprise,
    contractHash: Hex64("the contract's SHA-256"),
    invoiceHash: Hex64("the invoice's SHA-256"),
    deliveryNoteHash: Hex64("the delivery note's SHA-256"),
    invoiceCode: Str({
      pattern: '^([0-9]{10}|[0-9]{12})?$',
      description: 'the invoice code, 10 or 12 digits; empty for a fully digital invoice',
    }),
    invoiceNumber: Str({
      pattern: '^([0-9]{8}|[0-9]{20})$',
      description: 'the invoice number: 8 digits, or 20 for a fully digital invoice',
    }),
    amountMinor: Minor('the amount'),
    currency: Currency,
    dueDate: Day,
  }),
);

const TradeBinding = Obj({ kind: OneOf(['ISSUE', 'MOVE'] as const), id: Type.String(), txId: Type.String() });

export const Trade = component(
  'ReceivablesTrade',
  Obj({
    tradeId: Type.String(),
    buyer: Enterprise,
    seller: Enterprise,
    contractHash: Type.String(),
    invoiceHash: Type.String(),
    deliveryNoteHash: Type.String(),
    invoiceCode: Type.String(),
    invoiceNumber: Type.String(),
    amountMinor: Decimal('minor units'),
    currency: Type.String(),
    dueDate: Type.String(),
    status: OneOf(TRADE_STATUSES),
    registeredBy: Person,
    registeredAt: Time(),
    txId: Type.String(),
    inputHash: Type.String(),
    confirmedBy: Nullable(Person),
    confirmedAt: Nullable(Time()),
    boundTo: Nullable(TradeBinding),
  }),
);

export const IssueInput = component(
  'ReceivablesIssueInput',
  Obj({
    tokenId: ClientId('the token id, chosen by the client (the request is idempotent by it; no "/")'),
    tradeId: ClientId('the confirmed trade the token is issued against'),
    amountMinor: Minor('the amount, at most the trade’s'),
    currency: Currency,
    maturityDate: Day,
    undertaking: Str({
      min: 1,
      max: RECEIVABLES_LIMITS.undertakingMax,
      description: 'the irrevocable payment undertaking, as the core enterprise words it',
    }),
    longTermReason: Type.Optional(
      Str({
        max: RECEIVABLES_LIMITS.reasonMax,
        description: 'why the term is beyond six months (required then)',
      }),
    ),
  }),
);

export const Token = component(
  'ReceivablesToken',
  Obj({
    tokenId: Type.String(),
    tradeId: Type.String(),
    amountMinor: Decimal('minor units'),
    currency: Type.String(),
    maturityDate: Type.String(),
    undertaking: Type.String(),
    longTermReason: Nullable(Type.String()),
    issuer: Enterprise,
    payee: Enterprise,
    longTerm: Type.Boolean({ description: 'the term is beyond six months: every view shows it' }),
    status: OneOf(TOKEN_STATUSES),
    ...FOUR_EYES,
    issuedOn: Nullable(Type.String()),
    answeredBy: Nullable(Person),
    answeredAt: Nullable(Time()),
    declineReason: Nullable(Type.String()),
  }),
);

export const Screening = component(
  'ReceivablesScreening',
  Obj(
    {
      enterprise: Enterprise,
      purpose: OneOf(['PAYMENT_SCREENING', 'CREDIT_APPLICATION'] as const),
      subjectKeys: Type.Array(Obj({ keyVersion: Type.Integer(), subjectKey: Hex64('the keyed hash') })),
      consentHash: Hex64(
        "the hash of the enterprise's own signed act that consents (trade confirmation or offer)",
      ),
      consentExpiresOn: Day,
      entries: Type.Array(
        Obj({
          subjectKey: Type.String(),
          keyVersion: Type.Integer(),
          uploader: Type.String(),
          category: Type.String(),
          severity: Type.String(),
          status: OneOf(['ACTIVE', 'DISPUTED'] as const),
          listedOn: Type.String(),
          expiresOn: Type.String(),
          txId: Type.String(),
        }),
      ),
      result: OneOf(['CLEAR', 'HIT'] as const),
      decision: OneOf(['ALLOWED', 'REFUSED', 'FLAGGED'] as const),
      blacklistPolicyVersion: Type.Integer(),
      at: Time(),
      txId: Type.String(),
      screenedBy: Person,
    },
    'a screening of the receiving enterprise against the shared blacklist, in the transaction that moved or financed the part',
  ),
);

export const Part = component(
  'ReceivablesPart',
  Obj({
    partId: Type.String(),
    tokenId: Type.String(),
    parentId: Nullable(Type.String()),
    issuer: Enterprise,
    holder: Party,
    amountMinor: Decimal('minor units'),
    currency: Type.String(),
    maturityDate: Type.String(),
    status: OneOf(PART_STATUSES),
    paidMinor: Decimal('paid so far, minor units'),
    tradeId: Type.String(),
    createdAt: Time(),
    createdTxId: Type.String(),
    spentBy: Nullable(Type.String()),
    offer: Nullable(
      Obj({
        offerId: Type.String(),
        bank: Type.String(),
        at: Time(),
        txId: Type.String(),
        by: Person,
        screenings: Type.Optional(Type.Array(Screening)),
      }),
    ),
    financing: Nullable(Obj({ financingId: Type.String(), from: Enterprise })),
    overdueSince: Nullable(Type.String()),
  }),
);

export const MoveInput = component(
  'ReceivablesMoveInput',
  Obj({
    moveId: ClientId('the move id, chosen by the client (the request is idempotent by it; no "/")'),
    partId: PartId,
    outputs: Type.Array(
      Obj({
        holder: Enterprise,
        amountMinor: Minor('the output'),
        tradeId: Type.Optional(
          ClientId('the confirmed trade between the holder and this output’s holder (a transfer)'),
        ),
      }),
      { minItems: 1, maxItems: RECEIVABLES_LIMITS.outputsMaxCeiling },
    ),
  }),
);

export const Move = component(
  'ReceivablesMove',
  Obj({
    moveId: Type.String(),
    tokenId: Type.String(),
    partId: Type.String(),
    holder: Enterprise,
    outputs: Type.Array(
      Obj({
        holder: Enterprise,
        amountMinor: Decimal('minor units'),
        tradeId: Nullable(Type.String()),
        partId: Type.String(),
      }),
    ),
    status: OneOf(MOVE_STATUSES),
    ...FOUR_EYES,
    signTxId: Nullable(Type.String()),
    screenings: Type.Optional(Type.Array(Screening)),
  }),
);

const TradeSummary = Obj({
  tradeId: Type.String(),
  contractHash: Type.String(),
  invoiceHash: Type.String(),
  deliveryNoteHash: Type.String(),
  invoiceCode: Type.String(),
  invoiceNumber: Type.String(),
});

export const Financing = component(
  'ReceivablesFinancing',
  Obj({
    financing: Obj({
      financingId: Type.String(),
      partId: Type.String(),
      tokenId: Type.String(),
      seller: Enterprise,
      bank: Bank,
      debtor: Enterprise,
      amountMinor: Decimal('the part, minor units'),
      currency: Type.String(),
      financedOn: Type.String(),
      maturityDate: Type.String(),
      days: Int({ description: 'actual days from the financing day to maturity' }),
      dayCount: OneOf(DAY_COUNTS),
      rateBp: Int({ description: 'annual discount rate, basis points' }),
      discountMinor: Decimal('the discount, rounded half up to a minor unit'),
      feeMinor: Decimal('the fee, on its own line'),
      proceedsMinor: Decimal('what the seller receives: amount − discount − fee'),
      rounding: OneOf(['HALF_UP'] as const),
      acceptedBy: Person,
      txId: Type.String(),
      screening: Type.Optional(Screening),
    }),
    registration: Obj(
      {
        kind: OneOf(['RECEIVABLE_TRANSFER'] as const),
        financingId: Type.String(),
        assignor: Enterprise,
        assignee: Bank,
        debtor: Enterprise,
        tokenId: Type.String(),
        partId: Type.String(),
        amountMinor: Decimal('minor units'),
        currency: Type.String(),
        financedOn: Type.String(),
        maturityDate: Type.String(),
        trade: TradeSummary,
        originalTrade: TradeSummary,
        txId: Type.String(),
      },
      'the record for the public registry of receivable transfers and pledges',
    ),
  }),
);

export const Payment = component(
  'ReceivablesPayment',
  Obj({
    paymentId: Type.String(),
    partId: Type.String(),
    amountMinor: Decimal('minor units'),
    reference: Type.String(),
    payerAccount: Type.String(),
    payeeAccount: Type.String(),
    tokenId: Type.String(),
    payer: Party,
    payee: Party,
    currency: Type.String(),
    valueDate: Type.String(),
    full: Type.Boolean(),
    paidMinor: Decimal('paid on the part, this payment included'),
    recordedBy: Person,
    txId: Type.String(),
    inputHash: Type.String(),
    legs: Type.Array(LegInput, {
      description:
        'the two legs the reconciliation ledger should see: each bank posts its own (POST /v1/legs) as it posts any leg',
    }),
  }),
);

export const OfferInput = Obj({
  offerId: ClientId('the offer id, chosen by the client (the financing’s id once accepted)'),
  partId: PartId,
  bank: MspId,
});

export const FinancingAnswerInput = Obj({
  partId: PartId,
  offerId: ClientId('the offer answered'),
  decision: OneOf(['ACCEPT', 'DECLINE'] as const),
  terms: Type.Optional(
    Obj({
      rateBp: Type.Integer({ description: 'annual discount rate in basis points (350 = 3.50 %), 0 to 3600' }),
      dayCount: OneOf(DAY_COUNTS),
      feeMinor: Type.Optional(Minor('the fee')),
    }),
  ),
});

export const PaymentInput = Obj({
  paymentId: Str({ pattern: '^[A-Za-z0-9._:-]{1,56}$', description: 'the payment id (idempotent by it)' }),
  partId: PartId,
  amountMinor: Minor('the amount paid, at most what is unpaid'),
  reference: Str({
    min: 1,
    max: 64,
    description: "the bank payment's end-to-end reference (UETR or EndToEndId)",
  }),
  payerAccount: Str({ pattern: '^[A-Za-z0-9/.-]{1,34}$', description: "the core enterprise's account" }),
  payeeAccount: Str({ pattern: '^[A-Za-z0-9/.-]{1,34}$', description: "the holder's account" }),
});

export { Committed };

// ---- The node's index: each person's lists ---------------------------------------------------------------------

export const RECORD_KINDS = ['TRADE', 'TOKEN', 'PART', 'MOVE', 'PAYMENT', 'FINANCING'] as const;

/** What every listed record carries beside itself: the columns the lists filter and sort on. */
const Listed = {
  id: Type.String(),
  status: Type.String({ description: "the record's status (a payment: PAID or PARTLY_PAID)" }),
  tokenId: Nullable(Type.String()),
  tradeId: Nullable(Type.String()),
  holder: Nullable(
    Type.String({
      description:
        "a party as `<code>@<MSP>` or `<MSP>`: a part's holder, a token's payee, a trade's seller, a move's holder, a payment's payee, a financing's bank",
    }),
  ),
  currency: Nullable(Type.String()),
  amountMinor: Decimal('integer minor units (a move: the sum of its outputs)'),
  dueOn: Nullable(
    Type.String({
      format: 'date',
      description: 'maturity (token, part, financing), due date (trade), value date (payment)',
    }),
  ),
  longTerm: Type.Boolean({ description: "the token's term is over six months (flagged in every view)" }),
  changedAt: Time('when the transaction that last changed it was made'),
  blockNumber: Decimal('the block of that transaction'),
  txId: Type.String(),
};

export const ListedRecord = component(
  'ReceivablesListedRecord',
  Type.Union([
    Obj({ kind: OneOf(['TRADE'] as const), record: Trade, ...Listed }),
    Obj({ kind: OneOf(['TOKEN'] as const), record: Token, ...Listed }),
    Obj({ kind: OneOf(['PART'] as const), record: Part, ...Listed }),
    Obj({ kind: OneOf(['MOVE'] as const), record: Move, ...Listed }),
    Obj({ kind: OneOf(['PAYMENT'] as const), record: Payment, ...Listed }),
    Obj({ kind: OneOf(['FINANCING'] as const), record: Financing, ...Listed }),
  ]),
);

export const ListPage = component(
  'ReceivablesListPage',
  Obj({
    items: Type.Array(ListedRecord),
    nextCursor: Nullable(Type.String({ description: 'pass as cursor for the next page; null: the last' })),
  }),
);

export const Tree = component(
  'ReceivablesTree',
  Obj({
    token: Nullable(ListedRecord),
    parts: Type.Array(ListedRecord, {
      description: "the token's parts the reader may see; each part's record names its parent (parentId)",
    }),
  }),
);

export const Me = component(
  'ReceivablesMe',
  Obj({
    mspId: MspId,
    enterpriseId: Nullable(Uscc),
    roles: Type.Array(OneOf(RECEIVABLES_ROLES)),
    party: Nullable(Type.String({ description: 'how the lists name the person: `<code>@<MSP>` or `<MSP>`' })),
  }),
);

export const Policy = component(
  'ReceivablesPolicy',
  Obj(
    {
      minPartMinor: Type.Record(Type.String({ pattern: '^[A-Z]{3}$' }), Minor('the smallest part')),
      minPartMinorDefault: Minor('the smallest part in a currency the table does not name'),
      outputsMax: Int({ min: 2, max: RECEIVABLES_LIMITS.outputsMaxCeiling }),
      feeBpMax: Int({ min: 0, max: RECEIVABLES_LIMITS.feeBpMaxCeiling }),
      screeningOnHit: OneOf(['REFUSE', 'FLAG'] as const),
      governors: Type.Array(MspId, { minItems: 1, maxItems: 50 }),
    },
    'the receivables policy: a whole policy (a proposal names every field); amounts as decimal strings',
  ),
);

export const PolicyVersion = component(
  'ReceivablesPolicyVersion',
  Obj({
    version: Int({ description: '1 is the genesis' }),
    policy: Policy,
    proposalId: Nullable(Type.String()),
    adoptedAt: Nullable(Time()),
    txId: Nullable(Type.String({ description: 'the transaction that completed the approvals' })),
    approvedBy: Type.Array(Type.String()),
  }),
);

const Approval = Obj({
  mspId: Type.String(),
  name: Type.String(),
  id: Type.String(),
  at: Time(),
  txId: Type.String(),
});

export const PolicyProposal = component(
  'ReceivablesPolicyProposal',
  Obj({
    proposalId: Type.String(),
    baseVersion: Int({ description: 'the version in force when proposed' }),
    policy: Policy,
    proposedBy: Obj({ mspId: Type.String(), name: Type.String(), id: Type.String() }),
    proposedAt: Time(),
    txId: Type.String(),
    inputHash: Type.String(),
    approvals: Type.Array(Approval),
    status: OneOf(['OPEN', 'ADOPTED', 'SUPERSEDED'] as const),
    adoptedVersion: Nullable(Int()),
  }),
);

export const PolicyStep = Obj({
  outcome: OneOf(['PROPOSED', 'APPROVED', 'ADOPTED', 'UNCHANGED'] as const),
  proposal: PolicyProposal,
  status: OneOf(['OPEN', 'ADOPTED', 'SUPERSEDED'] as const),
  version: Nullable(PolicyVersion),
});
