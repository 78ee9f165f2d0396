import { anyMember, parsePolicy, signedBy, type Policy } from './policy';

/** An explicit private data collection of the chaincode definition (Fabric's static collection config). */
export type CollectionConfig = {
  name: string;
  /** MSP IDs of the organisations whose peers store the plaintext. */
  members: string[];
  /** Replaces the chaincode endorsement policy for writes to this collection (a Policy or Fabric syntax). */
  endorsementPolicy?: Policy | string;
  /** Only clients of member organisations may read (`getPrivateData`) from it. */
  memberOnlyRead?: boolean;
  /** Only clients of member organisations may write to it. */
  memberOnlyWrite?: boolean;
};

export type ResolvedCollection = {
  name: string;
  members: ReadonlySet<string>;
  endorsementPolicy: Policy | undefined;
  memberOnlyRead: boolean;
  memberOnlyWrite: boolean;
};

export const IMPLICIT_COLLECTION_PREFIX = '_implicit_org_';

export function implicitCollection(mspId: string): string {
  return IMPLICIT_COLLECTION_PREFIX + mspId;
}

/** What the channel's peers agree on: members, the chaincode definition and its collections. */
export class ChannelConfig {
  readonly chaincodePolicy: Policy;
  private readonly collections = new Map<string, ResolvedCollection>();

  constructor(
    readonly channel: string,
    readonly organisations: readonly string[],
    readonly chaincodeName: string,
    chaincodePolicy: Policy | undefined,
    collections: readonly CollectionConfig[],
  ) {
    this.chaincodePolicy = chaincodePolicy ?? anyMember(organisations);
    for (const org of organisations) {
      // Fabric's implicit collection: the organisation is its only member and the only one whose
      // endorsement can write to it.
      this.collections.set(implicitCollection(org), {
        name: implicitCollection(org),
        members: new Set([org]),
        endorsementPolicy: signedBy(org),
        memberOnlyRead: false,
        memberOnlyWrite: false,
      });
    }
    for (const c of collections) {
      if (c.name.startsWith('_')) throw new Error(`Collection name '${c.name}' must not start with '_'`);
      if (this.collections.has(c.name)) throw new Error(`Collection '${c.name}' is defined twice`);
      for (const m of c.members) {
        if (!organisations.includes(m)) {
          throw new Error(`Collection '${c.name}' names ${m}, which is not an organisation of the channel`);
        }
      }
      this.collections.set(c.name, {
        name: c.name,
        members: new Set(c.members),
        endorsementPolicy:
          typeof c.endorsementPolicy === 'string' ? parsePolicy(c.endorsementPolicy) : c.endorsementPolicy,
        memberOnlyRead: c.memberOnlyRead ?? false,
        memberOnlyWrite: c.memberOnlyWrite ?? false,
      });
    }
  }

  collection(name: string): ResolvedCollection {
    const c = this.collections.get(name);
    if (c === undefined) {
      throw new Error(
        `collection ${name} not defined in the collection config for chaincode ${this.chaincodeName}`,
      );
    }
    return c;
  }

  allCollections(): Iterable<ResolvedCollection> {
    return this.collections.values();
  }
}
