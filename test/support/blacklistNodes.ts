import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, expect } from 'vitest';

import { AlertFollower } from '../../application/src/blacklistAlerts/follower';
import type { LogEntry } from '../../application/src/http/createApp';
import { startTestNode } from './node';
import { callApi, Sessions } from './sessions';

export type BlacklistNode = Awaited<ReturnType<typeof startTestNode>>;

/**
 * Bank A's and Bank B's nodes on one embedded ledger serving the blacklist with the demo keys (one folder for the
 * test), the given people logged in, both institutions joined; stopped after the suite. Call inside a `describe`.
 * `call` answers with the body as an object; `logs` holds both nodes' log lines (for the no-identifier scans).
 */
export function blacklistNodes(options: {
  readonly people: { readonly BankAMSP: readonly string[]; readonly BankBMSP: readonly string[] };
  /** Bank B's node follows the blocks for its watchlist's alerts (and its contributions and disputes). */
  readonly alertsOnBankB?: boolean;
  /** Bank A's node follows the blocks too. */
  readonly alertsOnBankA?: boolean;
}) {
  const keyDir = mkdtempSync(join(tmpdir(), 'tallystick-blacklist-keys-'));
  const logs: LogEntry[] = [];
  const sessions = new Sessions();
  const nodes: { a?: BlacklistNode; b?: BlacklistNode } = {};
  const started = (n: BlacklistNode | undefined): BlacklistNode => {
    if (!n) throw new Error('the blacklist nodes are not started');
    return n;
  };
  const call = async (
    node: BlacklistNode,
    who: string,
    method: string,
    path: string,
    body?: unknown,
    csv?: string,
  ) => {
    const answer = await callApi(node.url, sessions.token(who), method, `/v1${path}`, { json: body, csv });
    return { ...answer, body: answer.body as Record<string, unknown> };
  };
  beforeAll(async () => {
    const log = (e: LogEntry) => logs.push(e);
    const a = await startTestNode('BankAMSP', {
      blacklist: { demoKeyDir: keyDir },
      ...(options.alertsOnBankA ? { alerts: true } : {}),
      log,
    });
    nodes.a = a;
    const b = await startTestNode('BankBMSP', {
      consortium: a.consortium,
      blacklist: { demoKeyDir: keyDir },
      ...(options.alertsOnBankB ? { alerts: true } : {}),
      log,
    });
    nodes.b = b;
    for (const id of options.people.BankAMSP) await sessions.login(a.url, id);
    for (const id of options.people.BankBMSP) await sessions.login(b.url, id);
    expect((await call(a, 'banka-admin', 'POST', '/blacklist/join')).status).toBe(200);
    expect((await call(b, 'bankb-admin', 'POST', '/blacklist/join')).status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await nodes.b?.stop();
    await nodes.a?.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });
  return {
    keyDir,
    logs,
    sessions,
    call,
    bankA: () => started(nodes.a),
    bankB: () => started(nodes.b),
  };
}

/**
 * Stops the node's alert follower and replays every block from block 0 with a new one (as after a lost checkpoint),
 * then runs `check` once the replay has read the ledger's last block; the replaying follower is stopped after.
 */
export async function replayFromBlockZero(
  node: BlacklistNode,
  institution: string,
  check: () => Promise<void>,
): Promise<void> {
  await node.alerts?.stop();
  await node.db.pool.query('UPDATE blacklist_watch_checkpoint SET next_block = 0');
  const replay = await AlertFollower.start({
    source: node.consortium.changes(institution),
    pool: node.db.pool,
    institution,
  });
  try {
    await replay.waitFor(node.consortium.network.height() - 1n);
    await check();
  } finally {
    await replay.stop();
  }
}

/** A money-mule entry's body for `POST /v1/blacklist/entries` (two indicators, as the genesis policy needs). */
export const moneyMuleEntry = (identifier: string, summary: string) => ({
  type: 'MOBILE',
  identifier,
  category: 'MONEY_MULE',
  severity: 'HIGH',
  indicators: ['POLICE_REPORT', 'MULE_PATTERN'],
  summary,
});
