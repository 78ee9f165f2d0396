import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The network's roles, one module each (README.md, "Modules"), and the other roles each may import. A role
 * never imports the one that calls it: the gateway hands transactions to the orderer, the orderer to the
 * committer (through a callback: it imports none), the committer asks the validator and tells the endorsers and
 * the deliver service. Only `network.ts` wires them, and `index.ts` re-exports their public types. Every other
 * module (peer, state, block, …) imports no role at all.
 */
const ROLE_IMPORTS: Record<string, readonly string[]> = {
  network: ['gateway', 'endorser', 'orderer', 'validator', 'committer', 'deliver', 'dataDir', 'replay'],
  gateway: ['endorser', 'orderer'],
  endorser: [],
  orderer: [],
  validator: [],
  committer: ['validator', 'endorser', 'deliver', 'dataDir'],
  deliver: [],
  dataDir: [],
  replay: ['dataDir'],
  // The endorsing worker thread replays the ledger into its replica, as the main thread does at start.
  endorserWorker: ['replay'],
  index: ['network', 'gateway', 'orderer', 'committer'],
};
const ROLES = Object.keys(ROLE_IMPORTS).filter((m) => !['endorserWorker', 'index'].includes(m));

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/from '\.\/([A-Za-z]+)'/g)].map((m) => m[1] as string);
}

describe('the embedded network’s modules', () => {
  const dir = __dirname;
  const modules = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -'.ts'.length));

  it('has one module per role', () => {
    for (const role of ROLES) expect(modules).toContain(role);
  });

  it('imports across roles only as the table allows', () => {
    const wrong: string[] = [];
    for (const m of modules) {
      const allowed = ROLE_IMPORTS[m] ?? [];
      for (const imported of importsOf(path.join(dir, `${m}.ts`))) {
        if (ROLES.includes(imported) && !allowed.includes(imported)) wrong.push(`${m} imports ${imported}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
