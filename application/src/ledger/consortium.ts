import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Role } from '../../../chaincode/src/core/actor';
import type { ReceivablesRole } from '../../../chaincode/src/core/receivables/parties';

export interface ConsortiumUser {
  readonly id: string;
  readonly secret: string;
  /** The `roles` certificate attribute: reconciliation's and blacklist's roles, and receivables' (docs/RECEIVABLES.md). */
  readonly roles: readonly (Role | ReceivablesRole)[];
  /** Further certificate attributes, e.g. `enterpriseId` for a person of an enterprise that is the bank's client. */
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface ConsortiumOrganisation {
  readonly mspId: string;
  readonly name: string;
  readonly kind: 'BANK' | 'CLEARING_HOUSE' | 'PAYMENT_COMPANY' | 'AUDITOR';
  readonly branches: readonly string[];
  /** Port of the institution's application node when all nodes run on one machine. */
  readonly apiPort: number;
  readonly users: readonly ConsortiumUser[];
}

export interface Consortium {
  readonly channel: string;
  readonly chaincode: { readonly name: string; readonly version: string };
  readonly organisations: readonly ConsortiumOrganisation[];
}

/** The repository root, found from this file whether it runs from source (vitest) or from dist/. */
export function repoRoot(): string {
  const here = __dirname;
  const marker = join('application', 'src', 'ledger');
  const at = here.lastIndexOf(marker);
  const root = here.slice(0, at).replace(/[/\\]dist[/\\]?$/, '');
  return root.replace(/[/\\]$/, '');
}

export function loadConsortium(path = join(repoRoot(), 'network', 'consortium.json')): Consortium {
  const c = JSON.parse(readFileSync(path, 'utf8')) as Consortium;
  if (!Array.isArray(c.organisations) || c.organisations.length < 2)
    throw new Error(`${path}: at least two organisations are needed`);
  for (const o of c.organisations as readonly Partial<ConsortiumOrganisation>[]) {
    if (!o.mspId || !Array.isArray(o.users))
      throw new Error(`${path}: organisation ${JSON.stringify(o.name)} needs mspId and users`);
  }
  return c;
}

export function findUser(
  c: Consortium,
  userId: string,
): { org: ConsortiumOrganisation; user: ConsortiumUser } {
  for (const org of c.organisations) {
    const user = org.users.find((u) => u.id === userId);
    if (user) return { org, user };
  }
  throw new Error(`no user ${userId} in the consortium`);
}
