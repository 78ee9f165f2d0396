/**
 * The gateway (Fabric's peer Gateway service, with the client's signing done for the caller): evaluate runs a
 * proposal on one peer; submit has it endorsed by the chosen organisations' peers, checks that they agree,
 * signs the transaction as the client, hands it to the orderer and answers once its block is committed.
 */
import type { Identity } from './ca';
import type { ChannelConfig } from './channel';
import { privateKeyFromPem, signLowS } from './cryptoUtil';
import type { Endorsers } from './endorser';
import { EndorsementError } from './errors';
import type { Orderer } from './orderer';
import type { CheckedProposal, Endorsement } from './peer';
import { buildSignedProposal } from './proposal';
import { transactionPayloadHash, type EndorsementRef, type SubmitResult } from './transaction';

export type SubmitRequest = {
  fcn: string;
  args?: string[];
  transient?: Record<string, string | Buffer>;
  /** Organisations whose peers endorse; default: the submitter's own organisation. */
  endorsingOrgs?: string[];
  /** The transaction timestamp the chaincode sees; default: now. */
  timestamp?: Date;
  /** The proposal nonce; normally random. Reusing one reproduces a transaction ID (for tests). */
  nonce?: Buffer;
};

export type EvaluateRequest = {
  fcn: string;
  args?: string[];
  transient?: Record<string, string | Buffer>;
  /** The organisation whose peer answers; default: the caller's own. */
  peerOrg?: string;
  timestamp?: Date;
};

export class Gateway {
  constructor(
    private readonly channel: ChannelConfig,
    private readonly endorsers: Endorsers,
    private readonly orderer: Orderer,
  ) {}

  /** Queries one peer: the chaincode runs, nothing is ordered or committed. */
  async evaluate(identity: Identity, req: EvaluateRequest): Promise<Buffer> {
    const org = req.peerOrg ?? identity.mspId;
    this.endorsers.requirePeer(org);
    const { txId, bytes } = this.propose(identity, req);
    const checked = this.endorsers.check(org, bytes, txId);
    const outcome = await this.endorsers.simulate(org, checked, bytes, txId);
    if (outcome.status >= 400) throw new EndorsementError(outcome.message, txId, outcome.status, org);
    return outcome.payload;
  }

  /** Endorses on the chosen peers, orders the transaction and resolves once its block is committed. */
  async submit(identity: Identity, req: SubmitRequest): Promise<SubmitResult> {
    const orgs = [...new Set(req.endorsingOrgs ?? [identity.mspId])];
    if (orgs.length === 0) throw new Error('submit: endorsingOrgs must name at least one organisation');
    for (const org of orgs) this.endorsers.requirePeer(org);
    const { txId, bytes } = this.propose(identity, req, req.nonce);
    // Each peer checks the proposal itself, as each Fabric endorser does.
    const checkedByPeer = orgs.map((org) => this.endorsers.check(org, bytes, txId));
    const responses = await Promise.all(
      orgs.map((org, i) => this.endorsers.endorse(org, checkedByPeer[i] as CheckedProposal, bytes, txId)),
    );
    for (const [i, r] of responses.entries()) {
      if (r.status >= 400) throw new EndorsementError(r.message, txId, r.status, orgs[i]);
    }
    const first = agreed(responses as Endorsement[], txId);
    const checked = checkedByPeer[0] as CheckedProposal;
    const refs: EndorsementRef[] = (responses as Endorsement[]).map((e) => ({
      mspId: e.org,
      certPem: e.endorserCertPem,
      signature: e.signature,
    }));
    const payloadHash = transactionPayloadHash(
      checked.headerBytes,
      checked.payloadBytes,
      first.actionHash,
      refs,
    );
    const clientSignature = signLowS(privateKeyFromPem(identity.privateKeyPem), payloadHash);
    return new Promise<SubmitResult>((resolve, reject) => {
      this.orderer.broadcast({
        txId,
        creator: checked.creator,
        seconds: checked.seconds,
        nanos: checked.nanos,
        headerBytes: checked.headerBytes,
        payloadBytes: checked.payloadBytes,
        actionBytes: first.actionBytes,
        actionHash: undefined,
        endorsements: refs,
        clientSignature,
        rwset: first.rwset,
        privateWrites: first.privateWrites,
        event: first.event,
        result: first.payload,
        resolve,
        reject,
      });
    });
  }

  /** The client's signed proposal for a request on this channel's chaincode. */
  private propose(identity: Identity, req: EvaluateRequest, nonce?: SubmitRequest['nonce']) {
    return buildSignedProposal(identity, {
      channel: this.channel.channel,
      chaincodeName: this.channel.chaincodeName,
      fcn: req.fcn,
      args: req.args ?? [],
      transient: req.transient,
      timestamp: req.timestamp ?? new Date(),
      nonce,
    });
  }
}

/** The endorsements must carry the same signed action, or the submit fails as Fabric's does. */
function agreed(endorsements: Endorsement[], txId: string): Endorsement {
  const first = endorsements[0] as Endorsement;
  for (const e of endorsements) {
    if (!e.actionBytes.equals(first.actionBytes)) {
      throw new EndorsementError(
        `ProposalResponsePayloads do not match: the peers of ${first.org} and ${e.org} returned different results or read/write sets`,
        txId,
        undefined,
        e.org,
      );
    }
  }
  return first;
}
