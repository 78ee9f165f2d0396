import { beforeAll, describe, expect, it } from 'vitest';

import { blacklistNodes, replayFromBlockZero, type BlacklistNode } from '../support/blacklistNodes';

type Node = BlacklistNode;

/**
 * The watchlist and its alerts (issue 19 item 5) through two institutions' nodes on one embedded ledger: Bank B
 * watches its customers on its own node; when Bank A lists one of them, Bank B's node sees the entry in a block it
 * receives and raises an alert in its list and on its live stream. The watchlist holds keyed hashes only.
 */
describe('blacklist watchlist and alerts', () => {
  const nodes = blacklistNodes({
    people: { BankAMSP: ['banka-admin', 'alice'], BankBMSP: ['bankb-admin', 'bruno'] },
    alertsOnBankB: true,
  });
  const { call, logs, sessions } = nodes;
  let bankA: Node;
  let bankB: Node;
  beforeAll(() => {
    bankA = nodes.bankA();
    bankB = nodes.bankB();
  });
  const MOBILE = '139 8765 4321';
  const MOBILE_NORMAL = '+8613987654321';
  const CARD = '4111 1111 1111 1111';
  const RESIDENT = '11010519491231002X';
  const upload = (node: Node, who: string, type: string, identifier: string, category = 'MONEY_MULE') =>
    call(node, who, 'POST', '/blacklist/entries', {
      type,
      identifier,
      category,
      severity: 'HIGH',
      indicators:
        category === 'SERIOUS_DEFAULT' ? ['DEFAULT_OVER_90_DAYS'] : ['POLICE_REPORT', 'MULE_PATTERN'],
      summary: 'reported by three victims',
    });

  let watchId = '';

  it('keeps a watch as keyed hashes on the node; refuses a bad identifier or a label holding it, without echoing it', async () => {
    const added = await call(bankB, 'bruno', 'POST', '/blacklist/watchlist', {
      items: [
        { type: 'MOBILE', identifier: MOBILE, label: 'customer 0042' },
        { type: 'BANK_CARD', identifier: CARD },
      ],
    });
    expect(added.status, added.text).toBe(200);
    expect(added.body).toMatchObject({ added: 2, unchanged: 0 });
    watchId = (added.body.items as { watchId: string }[])[0]?.watchId ?? '';
    expect(watchId).toMatch(/^w-/);
    // The same person written another way is the same watch.
    const again = await call(bankB, 'bruno', 'POST', '/blacklist/watchlist', {
      items: [{ type: 'MOBILE', identifier: MOBILE_NORMAL }],
    });
    expect(again.body).toMatchObject({ added: 0, unchanged: 1, items: [{ watchId, outcome: 'UNCHANGED' }] });

    const bad = await call(bankB, 'bruno', 'POST', '/blacklist/watchlist', {
      items: [
        { type: 'CN_RESIDENT_ID', identifier: RESIDENT },
        { type: 'CN_RESIDENT_ID', identifier: '110105194912310021' },
      ],
    });
    expect([bad.status, bad.body.code]).toEqual([400, 'INVALID_INPUT']);
    expect((bad.body.errors as { field: string }[])[0]?.field).toBe('items[1].identifier');
    expect(bad.text).not.toContain('1101051949');
    const leaky = await call(bankB, 'bruno', 'POST', '/blacklist/watchlist', {
      items: [{ type: 'CN_RESIDENT_ID', identifier: RESIDENT, label: `id ${RESIDENT}` }],
    });
    expect([leaky.status, (leaky.body.errors as { field: string }[])[0]?.field]).toEqual([
      400,
      'items[0].label',
    ]);
    expect(leaky.text).not.toContain(RESIDENT);

    const list = await call(bankB, 'bruno', 'GET', '/blacklist/watchlist');
    expect(list.body.total).toBe(2);
    expect(
      (list.body.items as { type: string; label: string | null }[]).map((w) => [w.type, w.label]),
    ).toEqual(
      expect.arrayContaining([
        ['MOBILE', 'customer 0042'],
        // A card number is an account number (one subject however it is written).
        ['BANK_ACCOUNT', null],
      ]),
    );
    // Bank A's node has no watch of Bank B's: the watchlist is the node's own.
    expect((await call(bankA, 'alice', 'GET', '/blacklist/watchlist')).body.total).toBe(0);
    const keys = await bankB.db.pool.query<{ subject_key: string }>(
      'SELECT subject_key FROM blacklist_watch_keys',
    );
    expect(keys.rows).toHaveLength(2);
    for (const k of keys.rows) expect(k.subject_key).toMatch(/^[0-9a-f]{64}$/);
  });

  it('alerts Bank B, in its list and on its live stream, when Bank A lists a watched customer; not for its own listing nor an unwatched subject', async () => {
    const stream = await fetch(`${bankB.url}/v1/events`, {
      headers: { authorization: `Bearer ${sessions.token('bruno')}` },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body?.pipeThrough(new TextDecoderStream()).getReader();
    if (!reader) throw new Error('no stream body');
    let streamed = '';
    const alertEvent = (async () => {
      while (!streamed.includes('event: blacklist-alert')) {
        const { value, done } = await reader.read();
        if (done) break;
        streamed += value;
      }
    })();

    const listed = await upload(bankA, 'alice', 'MOBILE', MOBILE);
    expect(listed.status, listed.text).toBe(201);
    const own = await upload(bankB, 'bruno', 'BANK_CARD', CARD, 'SERIOUS_DEFAULT');
    expect(own.status, own.text).toBe(201);
    const other = await upload(bankA, 'alice', 'CN_RESIDENT_ID', RESIDENT);
    expect(other.status, other.text).toBe(201);
    await bankB.alerts?.waitFor(BigInt(other.body.blockNumber as string));
    await alertEvent;
    await reader.cancel();

    const alerts = await call(bankB, 'bruno', 'GET', '/blacklist/alerts?open=true');
    expect(alerts.status, alerts.text).toBe(200);
    const items = alerts.body.items as Record<string, unknown>[];
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      watchId,
      label: 'customer 0042',
      subjectType: 'MOBILE',
      uploader: 'BankAMSP',
      category: 'MONEY_MULE',
      status: 'ACTIVE',
      txId: listed.body.txId,
      blockNumber: listed.body.blockNumber,
      acknowledgedAt: null,
    });
    expect(alerts.body.open).toBe(1);
    const data = /event: blacklist-alert\ndata: (.*)\n/.exec(streamed)?.[1];
    expect(JSON.parse(data ?? '{}')).toMatchObject({ alertId: items[0]?.alertId, uploader: 'BankAMSP' });
    // Bank A watches nothing: no alert there.
    expect((await call(bankA, 'alice', 'GET', '/blacklist/alerts')).body.items).toEqual([]);

    const ack = await call(
      bankB,
      'bruno',
      'POST',
      `/blacklist/alerts/${String(items[0]?.alertId)}/acknowledge`,
    );
    expect(ack.body).toMatchObject({ acknowledgedBy: 'bruno' });
    expect((await call(bankB, 'bruno', 'GET', '/blacklist/alerts?open=true')).body).toMatchObject({
      open: 0,
      items: [],
    });
    expect((await call(bankB, 'bruno', 'GET', '/blacklist/alerts')).body.items).toHaveLength(1);

    // Bank B's own listing is among its contributions; Bank A's node follows no blocks here (no follower).
    const mine = await call(bankB, 'bruno', 'GET', '/blacklist/contributions');
    expect(mine.body).toMatchObject({
      total: 1,
      byStatus: { ACTIVE: 1 },
      byCategory: { SERIOUS_DEFAULT: 1 },
      items: [{ category: 'SERIOUS_DEFAULT', status: 'ACTIVE', firstTxId: own.body.txId }],
    });
  });

  it('raises each alert once across a restart of the follower (replayed blocks write nothing twice)', async () => {
    // From block 0: every block again, as after a lost checkpoint.
    await replayFromBlockZero(bankB, 'BankBMSP', async () => {
      const all = await call(bankB, 'bruno', 'GET', '/blacklist/alerts');
      expect(all.body.items).toHaveLength(1);
    });
  });

  it('stops alerting once the watch is removed; its alerts stay, without the label; no identifier in the index or logs', async () => {
    const removed = await call(bankB, 'bruno', 'DELETE', `/blacklist/watchlist/${watchId}`);
    expect(removed.status).toBe(204);
    expect((await call(bankB, 'bruno', 'DELETE', `/blacklist/watchlist/${watchId}`)).status).toBe(404);
    const all = await call(bankB, 'bruno', 'GET', '/blacklist/alerts');
    expect(all.body.items).toMatchObject([{ watchId, label: null }]);

    let rows = '';
    const tables = await bankB.db.pool.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    for (const { t } of tables.rows)
      rows += JSON.stringify((await bankB.db.pool.query(`SELECT * FROM "${t}"`)).rows);
    expect(rows).toContain(watchId);
    const logText = logs.map((e) => JSON.stringify(e)).join('\n');
    expect(logText).toContain('/v1/blacklist/watchlist');
    for (const raw of [MOBILE, MOBILE_NORMAL, '13987654321', CARD, CARD.replace(/ /g, ''), RESIDENT]) {
      expect(rows.includes(raw), `the index holds ${raw}`).toBe(false);
      expect(logText.includes(raw), `a log line holds ${raw}`).toBe(false);
    }
  });
});
