import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { repoRoot } from '../ledger/consortium';

/**
 * The chaincode's explicit private data collections, in Fabric's own collection-config format
 * (`network/collections.json`): the live network's chaincode definition takes the file as it is
 * (`--collections-config`), and the embedded network takes the same collections through this reader, so both
 * backends keep receivables' records with the same members.
 */
export interface FabricCollection {
  readonly name: string;
  /** `OR('AMSP.member', ...)`: the organisations whose peers keep the plaintext. */
  readonly policy: string;
  readonly requiredPeerCount: number;
  readonly maxPeerCount: number;
  readonly blockToLive: number;
  readonly memberOnlyRead: boolean;
  readonly memberOnlyWrite: boolean;
}

export function collectionsFile(): string {
  return join(repoRoot(), 'network', 'collections.json');
}

/** The members an `OR('X.member', ...)` policy names; any other shape of policy is refused, not guessed at. */
export function membersOf(policy: string): string[] {
  const m = /^OR\((.*)\)$/.exec(policy.trim());
  const parts = (m?.[1] ?? '').split(',').map((p) => /^'([A-Za-z0-9.-]+)\.member'$/.exec(p.trim())?.[1]);
  if (!m || parts.length === 0 || parts.some((p) => p === undefined))
    throw new Error(`collection policy ${policy}: expected OR('<MSP>.member', ...)`);
  return parts as string[];
}

/** A collection as the embedded network takes it (its CollectionConfig). */
export interface EmbeddedCollection {
  readonly name: string;
  readonly members: string[];
  readonly memberOnlyRead: boolean;
  readonly memberOnlyWrite: boolean;
}

export function loadCollections(path = collectionsFile()): EmbeddedCollection[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as FabricCollection[];
  if (!Array.isArray(raw)) throw new Error(`${path}: expected a JSON array of collections`);
  return raw.map((c) => ({
    members: membersOf(c.policy),
    memberOnlyRead: c.memberOnlyRead,
    memberOnlyWrite: c.memberOnlyWrite,
    name: c.name,
  }));
}
