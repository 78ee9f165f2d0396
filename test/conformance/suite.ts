import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  LedgerRejected,
  type ChangeNotice,
  type Identity,
  type LegInput,
  type Proposal,
} from '../../application/src/ledger/ledgerGateway';
import { routeText } from '../../chaincode/src/core/leg';
import { evaluateCase } from '../../chaincode/src/core/matching';
import { caseIdOf } from '../../chaincode/src/ledger/keys';
import { unseal } from '../../chaincode/src/ledger/seal';
import { identitiesOf, LEDGER_NAME, startBackend, type Backend } from '../support/backend';
import { paymentLegs, ROUTE } from '../support/legs';

/**
 * The conformance suite: the chaincode's behaviour through the LedgerGateway seam, the same on every backend.
 * `reconciliation.test.ts` runs it on the backend TALLYSTICK_LEDGER names; `fabric.fabric.test.ts` on the live network.
 * Returns the started backend, for suites that add backend-specific tests.
 */
export function defineReconciliationSuite(
  start: () => Promise<Backend> = startBackend,
  name: string = LEDGER_NAME,
): () => Backend {
  let backend: Backend;
  let sysA: Identity, sysB: Identity, sysC: Identity, sysP: Identity;
  let alice: Identity,
    amir: Identity,
    anna: Identity,
    bruno: Identity,
    bella: Identity,
    chen: Identity,
    pavel: Identity,
    audrey: Identity;
  let adminA: Identity;

  beforeAll(async () => {
    backend = await start();
    [sysA, sysB, sysC, sysP, alice, amir, anna, bruno, bella, chen, pavel, audrey, adminA] =
      await identitiesOf(backend, [
        'banka-system',
        'bankb-system',
        'clearing-system',
        'payco-system',
        'alice',
        'amir',
        'anna',
        'bruno',
        'bella',
        'chen',
        'pavel',
        'audrey',
        'banka-admin',
      ]);
  });
  afterAll(async () => {
    await backend.stop();
  });

  /** Expects the promise to be refused with the given code; returns the error for further checks. */
  async function refused(p: Promise<unknown>, code: string): Promise<LedgerRejected> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e, `expected ${code}`).toBeInstanceOf(LedgerRejected);
    expect((e as LedgerRejected).code).toBe(code);
    return e as LedgerRejected;
  }

  const postAll = async (p: ReturnType<typeof paymentLegs>, at?: Date) => {
    const o = at ? { timestamp: at } : {};
    await backend.gateway.postLegs(sysA, [p.debit], o);
    await backend.gateway.postLegs(sysC, [p.entry], o);
    return backend.gateway.postLegs(sysB, [p.credit], o);
  };

  /** Posts a payment's legs that disagree: the one break they open, and the reference every step on it carries. */
  const openBreak = async (p: ReturnType<typeof paymentLegs>) => {
    await postAll(p);
    const breakId = (await backend.gateway.getCase(alice, p.caseId)).breaks[0]?.breakId ?? '';
    return { breakId, ref: { reference: p.reference } };
  };

  describe(`reconciliation chaincode on the ${name} network`, () => {
    it('matches a payment once every leg on its route agrees, and says so in one event per transaction', async () => {
      const events: ChangeNotice[] = [];
      const stop = backend.gateway.onChanges((c) => events.push(c));
      const p = paymentLegs();
      await backend.gateway.postLegs(sysA, [p.debit]);
      await backend.gateway.postLegs(sysC, [p.entry]);
      const last = await backend.gateway.postLegs(sysB, [p.credit]);
      expect(last.result).toEqual([
        { legId: p.credit.legId, caseId: p.caseId, outcome: 'POSTED', caseStatus: 'MATCHED' },
      ]);
      const c = await backend.gateway.getCase(sysA, p.caseId);
      expect(c.status).toBe('MATCHED');
      expect(c.parties).toEqual(['BankAMSP', 'BankBMSP', 'ClearingHouseMSP']);
      expect(c.legs.map((l) => l.mspId)).toEqual(['BankAMSP', 'ClearingHouseMSP', 'BankBMSP']);
      await new Promise((r) => setTimeout(r, 20));
      stop();
      const mine = events.filter((e) => e.cases.some((k) => k.caseId === c.caseId));
      expect(mine.map((e) => e.cases.find((k) => k.caseId === c.caseId)?.status)).toEqual([
        'PENDING',
        'PENDING',
        'MATCHED',
      ]);
      expect(mine.at(-1)?.txId).toBe(last.txId);
    });

    it('reaches the same verdict whatever order the legs arrive in (every permutation, through the ledger)', async () => {
      const verdicts = new Set<string>();
      const perms = <T>(xs: T[]): T[][] =>
        xs.length <= 1
          ? [xs]
          : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
      const who = { DEBTOR_AGENT: () => sysA, CLEARING: () => sysC, CREDITOR_AGENT: () => sysB } as const;
      for (const order of perms([0, 1, 2, 3])) {
        const p = paymentLegs();
        // four legs: the three of the route, the creditor's with a fee taken off, and a duplicate debit
        const legs: LegInput[] = [
          p.debit,
          p.entry,
          { ...p.credit, amountMinor: '1234000' },
          { ...p.debit, legId: `${p.debit.legId}-dup` },
        ];
        for (const i of order) {
          const leg = legs[i] as LegInput;
          await backend.gateway.postLegs(who[leg.role](), [leg]);
        }
        const c = await backend.gateway.readCase(sysA, p.reference);
        verdicts.add(
          JSON.stringify({
            status: c.case.status,
            breaks: c.breaks.map((b) => [b.reason, b.status, b.detail]).sort(),
          })
            .replaceAll(p.debit.legId, 'A')
            .replaceAll(p.credit.legId, 'B')
            .replaceAll(p.entry.legId, 'C'),
        );
      }
      expect(verdicts.size).toBe(1);
      const only = JSON.parse([...verdicts][0] ?? '{}') as { status: string; breaks: [string][] };
      expect(only.status).toBe('BROKEN');
      expect(only.breaks.map((b) => b[0]).sort()).toEqual(['AMOUNT_MISMATCH', 'DUPLICATE']);
    });

    it('verdicts are order-free for random leg sets too (property, seeded)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('1234567', '1234566'),
          fc.constantFrom('SETTLED', 'TIMED_OUT'),
          fc.boolean(),
          async (creditAmount, creditOutcome, reverse) => {
            const p = paymentLegs();
            const credit = {
              ...p.credit,
              amountMinor: creditAmount,
              outcome: creditOutcome as LegInput['outcome'],
            };
            const steps: [Identity, LegInput][] = [
              [sysA, p.debit],
              [sysC, p.entry],
              [sysB, credit],
            ];
            for (const [who, leg] of reverse ? steps.reverse() : steps)
              await backend.gateway.postLegs(who, [leg]);
            const c = await backend.gateway.readCase(sysB, p.reference);
            const expected = [
              ...(creditAmount === '1234567' ? [] : ['AMOUNT_MISMATCH']),
              ...(creditOutcome === 'SETTLED' ? [] : ['STATUS_CONFLICT']),
            ];
            expect(c.breaks.map((b) => b.reason).sort()).toEqual(expected);
            expect(c.case.status).toBe(expected.length ? 'BROKEN' : 'MATCHED');
          },
        ),
        { numRuns: 12, seed: 20261127 },
      );
    });

    it('treats a re-posted leg as a no-op and refuses a different leg under the same id', async () => {
      const p = paymentLegs();
      await backend.gateway.postLegs(sysA, [p.debit]);
      const caseId = p.caseId;
      const before = await backend.gateway.history(sysA, 'case', caseId);
      const again = await backend.gateway.postLegs(sysA, [p.debit]);
      expect(again.result[0]?.outcome).toBe('UNCHANGED');
      expect(await backend.gateway.history(sysA, 'case', caseId)).toEqual(before);
      const e = await refused(
        backend.gateway.postLegs(sysA, [{ ...p.debit, amountMinor: '1' }]),
        'IDEMPOTENCY_CONFLICT',
      );
      expect(e.detail).toContain(p.debit.legId);
      // It names the transaction that posted the leg first.
      expect(e.detail).toContain(`(tx ${before[0]?.txId ?? 'missing'})`);
      expect(await backend.gateway.history(sysA, 'case', caseId)).toEqual(before);
    });

    it('invalidates one of two concurrent writers of the same case (MVCC) and lets the retry through', async () => {
      const p = paymentLegs();
      await backend.gateway.postLegs(sysA, [p.debit]);
      const results = await Promise.allSettled([
        backend.rawGateway.postLegs(sysC, [p.entry]),
        backend.rawGateway.postLegs(sysB, [p.credit]),
      ]);
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected).toHaveLength(1);
      const reason = (rejected[0] as PromiseRejectedResult).reason as LedgerRejected;
      expect(reason).toBeInstanceOf(LedgerRejected);
      expect(reason.code).toBe('MVCC_READ_CONFLICT');
      const mid = await backend.gateway.getCase(sysA, p.caseId);
      expect(mid.legs).toHaveLength(2);
      // the application's gateway retries the same, idempotent input
      await backend.gateway.postLegs(sysC, [p.entry]);
      await backend.gateway.postLegs(sysB, [p.credit]);
      expect((await backend.gateway.getCase(sysA, p.caseId)).status).toBe('MATCHED');
    });

    it('posts a batch in one transaction, all or nothing, and emits one event listing every case', async () => {
      const payments = Array.from({ length: 25 }, () => paymentLegs());
      const events: ChangeNotice[] = [];
      const stop = backend.gateway.onChanges((c) => events.push(c));
      const r = await backend.gateway.postLegs(
        sysA,
        payments.map((p) => p.debit),
      );
      await new Promise((res) => setTimeout(res, 20));
      stop();
      const ev = events.filter((e) => e.txId === r.txId);
      expect(ev).toHaveLength(1);
      expect(ev[0]?.cases.map((c) => c.caseId).sort()).toEqual(payments.map((p) => p.caseId).sort());
      expect(ev[0]?.legs).toHaveLength(25);

      const bad: LegInput[] = payments.map((p) => p.entry);
      bad[17] = { ...bad[17], currency: 'ABC' } as LegInput;
      const height = backend.height();
      const e = await refused(backend.gateway.postLegs(sysC, bad), 'UNKNOWN_CURRENCY');
      expect(e.detail).toContain('legs[17].currency');
      expect(backend.height()).toBe(height);
      expect(
        (await backend.gateway.getCase(sysC, caseIdOf(payments[0]?.reference ?? '', ROUTE))).legs,
      ).toHaveLength(1);
    });

    it('keeps the notices posters leave for a case’s other parties, each tag once, and lists new ones in the event', async () => {
      const notice = (t: string, b: string) => ({ b: `box-${b}-0123456789`, t: `tag-${t}-0123456789` });
      const p = paymentLegs();
      const events: ChangeNotice[] = [];
      const stop = backend.gateway.onChanges((c) => events.push(c));
      const first = await backend.gateway.postLegs(sysA, [p.debit], {
        notices: { [p.caseId]: [notice('b', '1'), notice('c', '1')] },
      });
      // The clearing house repeats a tag the case holds (kept as first given) and adds one.
      const second = await backend.gateway.postLegs(sysC, [p.entry], {
        notices: { [p.caseId]: [notice('b', '2'), notice('a', '1')] },
      });
      const third = await backend.gateway.postLegs(sysB, [p.credit]);
      await new Promise((res) => setTimeout(res, 20));
      stop();
      const listed = (txId: string) =>
        events.find((e) => e.txId === txId)?.cases.find((c) => c.caseId === p.caseId)?.notices;
      expect(listed(first.txId)).toEqual([notice('b', '1'), notice('c', '1')]);
      expect(listed(second.txId)).toEqual([notice('a', '1')]);
      expect(listed(third.txId)).toBeUndefined();
      const c = await backend.gateway.getCase(sysB, p.caseId);
      expect(c.status).toBe('MATCHED');
      expect(c.notices).toEqual([notice('b', '1'), notice('c', '1'), notice('a', '1')]);

      // Notices for a case no leg of the batch goes to: refused, and nothing is written.
      const q = paymentLegs();
      const height = backend.height();
      const e = await refused(
        backend.gateway.postLegs(sysA, [q.debit], { notices: { [p.caseId]: [notice('x', '1')] } }),
        'INVALID_INPUT',
      );
      expect(e.detail).toContain(`notices names case ${p.caseId}, which no leg of this batch is posted to`);
      await refused(
        backend.gateway.postLegs(sysA, [q.debit], { notices: { [q.caseId]: [{ t: 'no spaces', b: 'x' }] } }),
        'INVALID_INPUT',
      );
      expect(backend.height()).toBe(height);
      await refused(backend.gateway.getCase(sysA, q.caseId), 'CASE_NOT_FOUND');
    });

    describe('bad input is refused with a clear error and changes nothing', () => {
      const cases: [string, (l: LegInput) => LegInput, string, RegExp][] = [
        [
          'unknown currency',
          (l) => ({ ...l, currency: 'XYZ' }),
          'UNKNOWN_CURRENCY',
          /legs\[0\]\.currency XYZ is not an active ISO 4217 currency/,
        ],
        [
          'negative amount',
          (l) => ({ ...l, amountMinor: '-100' }),
          'INVALID_AMOUNT',
          /legs\[0\]\.amountMinor must not be negative/,
        ],
        [
          'non-integer amount',
          (l) => ({ ...l, amountMinor: '100.5' }),
          'INVALID_AMOUNT',
          /whole number of minor units/,
        ],
        [
          'float amount',
          (l) => ({ ...l, amountMinor: 100.5 as unknown as string }),
          'INVALID_AMOUNT',
          /not a JSON number/,
        ],
        [
          'malformed UETR',
          (l) => ({ ...l, reference: 'AB6305C9-1F7F-49DE-AED0-16487C27B42D' }),
          'INVALID_REFERENCE',
          /not a lowercase UUID v4/,
        ],
        [
          'malformed reference',
          (l) => ({ ...l, reference: 'a;b' }),
          'INVALID_REFERENCE',
          /legs\[0\]\.reference/,
        ],
        [
          'unknown field',
          (l) => ({ ...l, colour: 'red' }) as LegInput,
          'INVALID_INPUT',
          /legs\[0\]\.colour is not a leg field/,
        ],
        ['impossible date', (l) => ({ ...l, valueDate: '2026-02-30' }), 'INVALID_INPUT', /not a real date/],
        [
          'route without the poster',
          (l) => ({ ...l, role: 'CREDITOR_AGENT' }),
          'INVALID_INPUT',
          /does not include the poster BankAMSP as CREDITOR_AGENT/,
        ],
      ];
      for (const [name, mutate, code, message] of cases) {
        it(name, async () => {
          const p = paymentLegs();
          const height = backend.height();
          const e = await refused(backend.gateway.postLegs(sysA, [mutate(p.debit)]), code);
          expect(e.message).toMatch(message);
          expect(backend.height()).toBe(height);
          await refused(backend.gateway.getCase(sysA, p.caseId), 'CASE_NOT_FOUND');
        });
      }

      it('an oversized batch', async () => {
        const legs = Array.from({ length: 1001 }, () => paymentLegs().debit);
        const e = await refused(backend.gateway.postLegs(sysA, legs), 'BATCH_TOO_LARGE');
        expect(e.detail).toMatch(/at most 1000 legs, got 1001/);
        await refused(
          backend.gateway.getCase(sysA, caseIdOf(legs[0]?.reference ?? '', ROUTE)),
          'CASE_NOT_FOUND',
        );
      });
    });

    describe('access is checked inside the chaincode', () => {
      it('only submitters post legs, and only their own institution’s', async () => {
        const p = paymentLegs();
        await refused(backend.gateway.postLegs(alice, [p.debit]), 'ROLE_REQUIRED');
        const e = await refused(
          backend.gateway.postLegs(sysB, [{ ...p.debit, mspId: 'BankAMSP' } as LegInput]),
          'WRONG_INSTITUTION',
        );
        expect(e.detail).toMatch(/not the signing institution BankBMSP/);
        await refused(backend.gateway.postLegs(audrey, [p.debit]), 'ROLE_REQUIRED');
      });

      it('only parties act on a break or open its case; only the owner or an auditor lists open breaks', async () => {
        const p = paymentLegs();
        const caseId = p.caseId;
        const { breakId } = await openBreak({ ...p, credit: { ...p.credit, amountMinor: '1' } });
        // To a non-party the case and its break do not exist: the same answer as for ids that were never used.
        const missing = await refused(
          backend.gateway.getBreak(pavel, 'brk-0000000000000000000000000000'),
          'BREAK_NOT_FOUND',
        );
        const hidden = await refused(backend.gateway.getBreak(pavel, breakId), 'BREAK_NOT_FOUND');
        expect(hidden.detail.replace(breakId, 'ID')).toBe(
          missing.detail.replace('brk-0000000000000000000000000000', 'ID'),
        );
        await refused(backend.gateway.assignBreak(pavel, breakId, 'pavel'), 'BREAK_NOT_FOUND');
        await refused(backend.gateway.getCase(pavel, caseId), 'CASE_NOT_FOUND');
        await refused(backend.gateway.history(pavel, 'case', caseId), 'CASE_NOT_FOUND');
        await refused(backend.gateway.history(pavel, 'break', breakId), 'BREAK_NOT_FOUND');
        await refused(backend.gateway.readCase(pavel, p.reference), 'CASE_NOT_FOUND');
        await refused(backend.gateway.readCase(audrey, p.reference), 'CASE_NOT_FOUND');
        await refused(backend.gateway.listOpenBreaks(pavel, 'BankAMSP', 10), 'NOT_A_PARTY');
        // A forged bookmark that points into another institution's range pages nothing of it.
        await refused(
          backend.gateway.listOpenBreaks(pavel, 'PayCoMSP', 10, 'open:BankAMSP:'),
          'INVALID_INPUT',
        );
        await refused(backend.gateway.listOpenBreaks(pavel, 'PayCoMSP', 10, 'brk:'), 'INVALID_INPUT');
        // The auditor reads the public record of every case and break.
        expect((await backend.gateway.getBreak(audrey, breakId)).breakId).toBe(breakId);
        await refused(backend.gateway.assignBreak(sysA, breakId, 'alice'), 'ROLE_REQUIRED');
        await refused(backend.gateway.history(sysB, 'leg', `BankAMSP:${p.debit.legId}`), 'NOT_A_PARTY');
        const own = await backend.gateway.listOpenBreaks(alice, 'BankAMSP', 500);
        expect(own.items.some((b) => b.breakId === breakId)).toBe(true);
        const audited = await backend.gateway.listOpenBreaks(audrey, 'BankBMSP', 500);
        expect(audited.items.some((b) => b.breakId === breakId)).toBe(true);
        expect((await backend.gateway.history(audrey, 'leg', `BankAMSP:${p.debit.legId}`)).length).toBe(1);
      });

      it('a member that learns a reference cannot join its case: a leg on another route opens a case of its own', async () => {
        // Bank A → clearing house → Bank B, with a break; then PayCo, which knows the reference, posts credits
        // that name it the payee: once on the case's route with Bank B swapped out, once listing every party.
        for (const intruderFirst of [false, true]) {
          const p = paymentLegs();
          const intruderRoute = [ROUTE[0], ROUTE[1], { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' }];
          const everyone = [...ROUTE, { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' }];
          const { branch: _b, ...credit } = p.credit;
          const claims = [
            { ...credit, legId: `P-hijack-${p.credit.legId}`, route: intruderRoute },
            { ...credit, legId: `P-all-${p.credit.legId}`, route: everyone },
          ] as LegInput[];
          const honest = async () => postAll({ ...p, credit: { ...p.credit, amountMinor: '1' } });
          if (!intruderFirst) await honest();
          const posted = await backend.gateway.postLegs(sysP, claims);
          if (intruderFirst) await honest();
          const intruderCases = posted.result.map((r) => r.caseId);
          expect(new Set([p.caseId, ...intruderCases]).size).toBe(3);

          // The payment's case: its parties are its route's, whatever PayCo posted and in whatever order.
          const c = await backend.gateway.getCase(alice, p.caseId);
          expect(c.parties).toEqual(['BankAMSP', 'BankBMSP', 'ClearingHouseMSP']);
          expect(c.legs.map((l) => l.mspId)).toEqual(['BankAMSP', 'ClearingHouseMSP', 'BankBMSP']);
          expect([...c.otherCases]).toEqual([...intruderCases].sort());
          const breaks = (await backend.gateway.readCase(bruno, p.reference, p.caseId)).breaks;
          expect(breaks.map((b) => [b.reason, b.findingKey]).sort()).toEqual([
            ['AMOUNT_MISMATCH', 'AMOUNT_MISMATCH'],
            ['UNEXPECTED_LEG', 'UNEXPECTED_LEG:route'],
          ]);
          // PayCo learns nothing of it and can do nothing to it, though it knows the reference.
          const amountBreak = breaks.find((b) => b.reason === 'AMOUNT_MISMATCH')?.breakId ?? '';
          await refused(backend.gateway.getCase(pavel, p.caseId), 'CASE_NOT_FOUND');
          await refused(backend.gateway.getBreak(pavel, amountBreak), 'BREAK_NOT_FOUND');
          await refused(backend.gateway.readCase(pavel, p.reference, p.caseId), 'CASE_NOT_FOUND');
          await refused(
            backend.gateway.decideBreak(pavel, amountBreak, 'REJECT', {
              comment: 'mine',
              reference: p.reference,
            }),
            'BREAK_NOT_FOUND',
          );
          // PayCo's own claim is a case of its own, which reports the other route for the reference.
          const opened = await backend.gateway.readCase(pavel, p.reference);
          expect(intruderCases).toContain(opened.case.caseId);
          expect(opened.case.otherCases).toContain(p.caseId);
          // PayCo's two claims were one batch: the second found the first among the transaction's own writes.
          expect(opened.case.otherCases).toHaveLength(2);
          expect(opened.breaks.map((b) => b.reason)).toEqual(['UNEXPECTED_LEG']);
          // The cases of a reference share one key; a case's history holds its own versions only: PayCo's case
          // changed when it opened, and again only when the payment's case opened after it (otherCases).
          const own = await backend.gateway.history(pavel, 'case', opened.case.caseId);
          expect(own.map((h) => (h.value as { caseId: string }).caseId)).toEqual(
            own.map(() => opened.case.caseId),
          );
          expect(own).toHaveLength(intruderFirst ? 2 : 1);
          const payment = await backend.gateway.history(alice, 'case', p.caseId);
          const versions = payment.map((h) => JSON.stringify(h.value));
          expect(new Set(versions).size).toBe(versions.length);
          expect(payment.every((h) => (h.value as { caseId: string }).caseId === p.caseId)).toBe(true);
        }
      });

      it('service levels are set by an admin on the route', async () => {
        const route = 'BankAMSP/DEBTOR_AGENT>PayCoMSP/CREDITOR_AGENT';
        await refused(backend.gateway.setServiceLevel(alice, route, 30_000), 'ROLE_REQUIRED');
        const adminB = await backend.identity('bankb-admin');
        await refused(backend.gateway.setServiceLevel(adminB, route, 30_000), 'NOT_A_PARTY');
        await refused(backend.gateway.setServiceLevel(adminA, route, 5), 'INVALID_INPUT');
        await backend.gateway.setServiceLevel(adminA, route, 30_000);
      });
    });

    it('keeps a case’s details from non-parties: the auditor sees hashes, parties and statuses only', async () => {
      const p = paymentLegs({
        amountMinor: '9876543',
        payerRef: 'DE89370400440532013000',
        payeeRef: 'GB82WEST12345698765432',
      });
      const events: ChangeNotice[] = [];
      const stop = backend.gateway.onChanges((c) => events.push(c));
      await postAll(p);
      await new Promise((r) => setTimeout(r, 20));
      stop();
      const secrets = ['9876543', 'DE89370400440532013000', 'GB82WEST12345698765432', p.reference];
      const seen = JSON.stringify(
        [
          await backend.gateway.getCase(audrey, p.caseId),
          await backend.gateway.history(audrey, 'case', p.caseId),
          events,
        ],
        (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
      );
      for (const s of secrets) expect(seen).not.toContain(s);
      // anyone (an auditor, say) can re-check the verdict from the public salted digests alone
      const publicRecord = await backend.gateway.getCase(audrey, p.caseId);
      expect(evaluateCase(publicRecord.legs, false).status).toBe(publicRecord.status);
      expect(
        evaluateCase(
          [
            ...publicRecord.legs.slice(0, 2),
            {
              ...publicRecord.legs[2],
              digests: { ...publicRecord.legs[2]?.digests, amountMinor: 'forged' },
            } as (typeof publicRecord.legs)[number],
          ],
          false,
        ).status,
      ).toBe('BROKEN');
      // the parties open the same case in plaintext, including the counterparties' legs
      const opened = await backend.gateway.readCase(sysB, p.reference);
      expect(opened.legs.map((l) => [l.mspId, l.detail.amountMinor, l.detail.payerRef])).toEqual([
        ['BankAMSP', '9876543', 'DE89370400440532013000'],
        ['ClearingHouseMSP', '9876543', 'DE89370400440532013000'],
        ['BankBMSP', '9876543', 'DE89370400440532013000'],
      ]);
    });

    it('flags missing legs once the service level has passed by transaction time, and clears them when a late leg arrives', async () => {
      // A route of its own, so its service level touches no other test. On Fabric the clock is real and the
      // service level short; on the embedded network the clock is virtual and the level is the 60 s default.
      const route = [ROUTE[0], ROUTE[1], { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' }] as LegInput['route'];
      const clock = backend.clock();
      const slaMs = clock.serviceLevelMs;
      const margin = Math.min(slaMs / 4, 5_000);
      await backend.gateway.setServiceLevel(adminA, routeText(route), slaMs);
      const p = paymentLegs({ route });
      const { branch: _b, ...credit } = p.credit;
      await backend.gateway.postLegs(sysA, [p.debit], clock.at());
      await backend.gateway.postLegs(sysC, [p.entry], clock.at());
      const caseId = p.caseId;
      await clock.reach(slaMs - margin);
      await backend.gateway.sweep(sysC, 1000, clock.at());
      expect((await backend.gateway.getCase(sysA, caseId)).status).toBe('PENDING');
      await clock.reach(slaMs + margin);
      let flagged = 0;
      for (let more = true; more;) {
        const r = await backend.gateway.sweep(sysC, 1000, clock.at());
        flagged += r.result.flagged;
        more = r.result.more;
      }
      expect(flagged).toBeGreaterThanOrEqual(1);
      const broken = await backend.gateway.readCase(sysA, p.reference);
      expect(broken.case.status).toBe('BROKEN');
      expect(broken.breaks.map((b) => [b.reason, b.status, b.detail.missing])).toEqual([
        ['MISSING_LEG', 'OPEN', [{ mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' }]],
      ]);
      await clock.reach(slaMs + 2 * margin);
      await backend.gateway.postLegs(sysP, [{ ...credit, legId: `P-late-${credit.legId}` }], clock.at());
      const healed = await backend.gateway.readCase(sysA, p.reference);
      expect(healed.case.status).toBe('MATCHED');
      expect(healed.breaks.map((b) => [b.status, b.resolution])).toEqual([['RESOLVED', 'CLEARED']]);
      await refused(backend.gateway.sweep(alice, 0), 'INVALID_INPUT');
    });

    it('resolves a break across institutions with four eyes, every step signed by the person who took it', async () => {
      const p = paymentLegs();
      const caseId = p.caseId;
      const { breakId, ref } = await openBreak({ ...p, credit: { ...p.credit, outcome: 'TIMED_OUT' } });
      const g = backend.gateway;
      await g.assignBreak(bruno, breakId, 'bruno', { ...ref, comment: 'mine: our side timed out' });
      await g.proposeResolution(
        bruno,
        breakId,
        { kind: 'CORRECT_LEG', rootCause: 'DATA_ENTRY' },
        {
          ...ref,
          comment: 'core banking shows the credit settled at 10:02',
        },
      );
      await refused(g.decideBreak(bruno, breakId, 'APPROVE', ref), 'ROLE_REQUIRED');
      await refused(g.decideBreak(anna, breakId, 'APPROVE', ref), 'WRONG_INSTITUTION');
      // every step carries the reference: the ledger seals who took it, and opens the persons it decides on
      await refused(g.decideBreak(bella, breakId, 'APPROVE'), 'INVALID_REFERENCE');
      await g.decideBreak(bella, breakId, 'APPROVE', { ...ref, comment: 'checked the core banking log' });
      await refused(g.decideBreak(bella, breakId, 'ACCEPT', ref), 'WRONG_INSTITUTION');
      await g.decideBreak(alice, breakId, 'ACCEPT', ref);
      await refused(g.decideBreak(amir, breakId, 'ACCEPT', ref), 'ALREADY_DECIDED');
      await g.decideBreak(chen, breakId, 'ACCEPT', { ...ref, comment: 'agreed' });
      // Correcting the leg is done by posting the corrected leg, not by saying so.
      const said = await refused(
        g.decideBreak(bruno, breakId, 'RESOLVE', { ...ref, comment: 'leg corrected' }),
        'INVALID_TRANSITION',
      );
      expect(said.message).toContain('posts the corrected leg');
      const corrected = { ...p.credit, legId: `${p.credit.legId}.c1`, corrects: p.credit.legId };
      // a correction names the institution's own leg of this payment, once
      await refused(g.postLegs(bruno, [{ ...corrected, corrects: 'no-such-leg' }]), 'INVALID_INPUT');
      await refused(
        g.postLegs(alice, [{ ...p.debit, legId: `${p.debit.legId}.x`, corrects: p.credit.legId }]),
        'INVALID_INPUT',
      );
      const posted = await g.postLegs(bruno, [corrected]);
      expect(posted.result[0]?.caseStatus).toBe('MATCHED');
      await refused(g.postLegs(sysB, [{ ...corrected, legId: `${p.credit.legId}.c2` }]), 'INVALID_INPUT');
      const done = await g.getBreak(bruno, breakId);
      expect(done.status).toBe('RESOLVED');
      expect(done.resolution).toBe('CORRECT_LEG');
      // the legs agree now; the superseded leg stays in the case, named by its correction
      const c = await g.getCase(alice, caseId);
      expect(c.status).toBe('MATCHED');
      expect(c.legs.map((l) => [l.legId, l.corrects])).toContainEqual([corrected.legId, p.credit.legId]);
      const read = await g.readCase(bruno, p.reference, caseId);
      expect(read.legs).toHaveLength(4);

      const opened = await g.getBreak(bruno, breakId, p.reference);
      // matching opens and clears (the ledger's own steps, in whichever transaction brought the legs): no person
      expect(opened.timeline.map((e) => [e.action, e.actor.mspId, e.actor.name, e.to])).toEqual([
        ['OPEN', '', '', 'OPEN'],
        ['ASSIGN', 'BankBMSP', 'bruno', 'ASSIGNED'],
        ['PROPOSE', 'BankBMSP', 'bruno', 'PROPOSED'],
        ['APPROVE', 'BankBMSP', 'bella', 'APPROVED'],
        ['ACCEPT', 'BankAMSP', 'alice', 'APPROVED'],
        ['ACCEPT', 'ClearingHouseMSP', 'chen', 'ACCEPTED'],
        ['CLEAR', '', '', 'RESOLVED'],
      ]);
      expect(opened.timeline[2]?.comment).toBe('core banking shows the credit settled at 10:02');
      expect(
        opened.timeline.filter((e) => e.actor.id !== '').every((e) => e.actor.id.startsWith('x509::')),
      ).toBe(true);
      expect(opened.assignee?.name).toBe('bruno');
      expect([opened.proposal?.proposer.name, opened.proposal?.approver?.name]).toEqual(['bruno', 'bella']);
      // a non-party is told the break does not exist; the auditor sees the steps and when they were taken, not
      // who took them (each step's signer is in its block) nor what they wrote
      await refused(g.getBreak(pavel, breakId), 'BREAK_NOT_FOUND');
      const audited = await g.getBreak(audrey, breakId);
      expect(audited.timeline[2]?.comment).not.toContain('core banking');
      expect(audited.timeline.map((e) => e.action)).toEqual(opened.timeline.map((e) => e.action));
      const onLedger = JSON.stringify(audited);
      for (const name of ['bruno', 'bella', 'alice', 'chen', 'x509::'])
        expect(onLedger, `the break as the ledger holds it names ${name}`).not.toContain(name);
      // the auditor proves the sequence from the key history: one committed version per step, each with its tx
      const hist = await g.history(audrey, 'break', breakId);
      expect(hist).toHaveLength(7);
      expect(new Set(hist.map((h) => h.txId)).size).toBe(7);
      const listed = await g.listOpenBreaks(alice, 'BankAMSP', 500);
      expect(listed.items.some((b) => b.breakId === breakId)).toBe(false);
    });

    it('runs each break action at most once per idempotency key: a retry gets the first result, another input a conflict', async () => {
      const p = paymentLegs();
      const { breakId, ref } = await openBreak({ ...p, credit: { ...p.credit, amountMinor: '77' } });
      const g = backend.gateway;
      const key = `conf-${p.debit.legId}`;
      const first = await g.assignBreak(bruno, breakId, 'bruno', {
        ...ref,
        comment: 'mine',
        idempotencyKey: `${key}-a`,
      });
      const again = await g.assignBreak(bruno, breakId, 'bruno', {
        ...ref,
        comment: 'mine',
        idempotencyKey: `${key}-a`,
      });
      expect(again.result).toEqual(first.result);
      expect(again.txId).not.toBe(first.txId);
      const e = await refused(
        g.assignBreak(bruno, breakId, 'bella', { ...ref, comment: 'mine', idempotencyKey: `${key}-a` }),
        'IDEMPOTENCY_CONFLICT',
      );
      expect(e.detail).toContain(first.txId);
      // Another person under the same key is another request.
      await refused(
        g.assignBreak(bella, breakId, 'bruno', { ...ref, comment: 'mine', idempotencyKey: `${key}-a` }),
        'IDEMPOTENCY_CONFLICT',
      );
      await g.proposeResolution(
        bruno,
        breakId,
        { kind: 'WRITE_OFF', rootCause: 'FEE' },
        {
          ...ref,
          comment: 'fee',
          idempotencyKey: `${key}-p`,
        },
      );
      const approved = await g.decideBreak(bella, breakId, 'APPROVE', {
        ...ref,
        idempotencyKey: `${key}-ok`,
      });
      // A retried approve answers its first result, not a refusal of a second approval.
      const retried = await g.decideBreak(bella, breakId, 'APPROVE', { ...ref, idempotencyKey: `${key}-ok` });
      expect(retried.result).toEqual(approved.result);
      const comment = { ...ref, comment: 'booked under 2026-11-27/12', idempotencyKey: `${key}-c` };
      await g.decideBreak(alice, breakId, 'COMMENT', comment);
      await g.decideBreak(alice, breakId, 'COMMENT', comment);
      const opened = await g.getBreak(bruno, breakId, p.reference);
      expect(opened.timeline.map((t) => t.action)).toEqual([
        'OPEN',
        'ASSIGN',
        'PROPOSE',
        'APPROVE',
        'COMMENT',
      ]);
      expect((await g.history(audrey, 'break', breakId)).length).toBe(5);
      await refused(
        g.decideBreak(alice, breakId, 'ACCEPT', { ...ref, idempotencyKey: 'not a key!' }),
        'INVALID_INPUT',
      );
    });

    it('refuses self-approval by a person who both proposes and approves', async () => {
      const p = paymentLegs();
      const { breakId, ref } = await openBreak({ ...p, credit: { ...p.credit, amountMinor: '1200000' } });
      const ava = await backend.identity('ava'); // a supervisor: reconciler and approver
      await backend.gateway.assignBreak(ava, breakId, 'ava', ref);
      // Assigned again to the person who has it: the same break, no new version on the ledger.
      const versions = (await backend.gateway.history(ava, 'break', breakId)).length;
      const again = await backend.gateway.assignBreak(ava, breakId, 'ava', ref);
      expect(again.result.timeline.filter((t) => t.action === 'ASSIGN')).toHaveLength(1);
      expect(await backend.gateway.history(ava, 'break', breakId)).toHaveLength(versions);
      await backend.gateway.proposeResolution(
        ava,
        breakId,
        { kind: 'REFUND', rootCause: 'COUNTERPARTY' },
        {
          reference: p.reference,
          comment: 'refund the difference',
        },
      );
      const e = await refused(backend.gateway.decideBreak(ava, breakId, 'APPROVE', ref), 'SELF_APPROVAL');
      expect(e.detail).toContain('ava proposed this resolution');
      expect((await backend.gateway.getBreak(ava, breakId)).status).toBe('PROPOSED');
      const back = await backend.gateway.decideBreak(anna, breakId, 'REJECT', {
        reference: p.reference,
        comment: 'refund amount unclear',
      });
      // Rejected, the break goes back to its assignee, the proposal kept in the timeline.
      expect(back.result.status).toBe('ASSIGNED');
      expect(back.result.assignee?.name).toBe('ava');
      expect(back.result.timeline.map((t) => t.action)).toContain('PROPOSE');
    });

    it('a proposal needs its kind, root cause and comment; the break is due a day after it opens and an approver moves the date', async () => {
      const g = backend.gateway;
      const p = paymentLegs();
      const { breakId, ref } = await openBreak({ ...p, credit: { ...p.credit, amountMinor: '4321' } });
      const opened = await g.getBreak(bruno, breakId);
      expect(Date.parse(opened.dueAt ?? '') - Date.parse(opened.openedAt)).toBe(24 * 3600 * 1000);
      await g.assignBreak(bruno, breakId, 'bruno', ref);
      // Every missing field named at once, by the chaincode itself (the node checks first, the ledger again).
      const incomplete = await refused(
        g.proposeResolution(bruno, breakId, { kind: 'REFUND' } as unknown as Proposal, ref),
        'PROPOSAL_INCOMPLETE',
      );
      expect(incomplete.detail).toContain('a proposal needs rootCause, comment');
      await refused(
        g.proposeResolution(
          bruno,
          breakId,
          { kind: 'REFUND', rootCause: 'BAD_LUCK' } as unknown as Proposal,
          {
            ...ref,
            comment: 'x',
          },
        ),
        'PROPOSAL_INCOMPLETE',
      );
      // The due date: an approver of a party, with a comment, within 90 days of the opening.
      const later = new Date(Date.parse(opened.openedAt) + 3 * 24 * 3600 * 1000).toISOString();
      await refused(
        g.setBreakDue(bruno, breakId, later, { ...ref, comment: 'needs the FX desk' }),
        'ROLE_REQUIRED',
      );
      await refused(g.setBreakDue(bella, breakId, later, ref), 'INVALID_INPUT');
      await refused(g.setBreakDue(pavel, breakId, later, { ...ref, comment: 'x' }), 'ROLE_REQUIRED');
      const moved = await g.setBreakDue(bella, breakId, later, { ...ref, comment: 'needs the FX desk' });
      expect(moved.result.dueAt).toBe(later);
      expect(moved.result.timeline.at(-1)).toMatchObject({ action: 'SET_DUE', dueAt: later });
      await g.proposeResolution(
        bruno,
        breakId,
        { kind: 'REFUND', rootCause: 'TIMING' },
        {
          ...ref,
          comment: 'refund the difference',
        },
      );
      // The root cause is public, like the reason: the auditor counts breaks by cause.
      expect((await g.getBreak(audrey, breakId)).proposal).toEqual({ kind: 'REFUND', rootCause: 'TIMING' });
      await g.decideBreak(bella, breakId, 'APPROVE', ref);
      await g.decideBreak(alice, breakId, 'ACCEPT', ref);
      await g.decideBreak(chen, breakId, 'ACCEPT', ref);
      const done = await g.decideBreak(bruno, breakId, 'RESOLVE', { ...ref, comment: 'refunded' });
      expect([done.result.status, done.result.resolution, done.result.rootCause]).toEqual([
        'RESOLVED',
        'REFUND',
        'TIMING',
      ]);
      await refused(
        g.setBreakDue(bella, breakId, later, { ...ref, comment: 'too late' }),
        'INVALID_TRANSITION',
      );
    });

    it('attaches evidence to a break: its hash on the ledger, its name sealed for the parties, once per key', async () => {
      const g = backend.gateway;
      const p = paymentLegs();
      const { breakId, ref } = await openBreak({ ...p, credit: { ...p.credit, amountMinor: '4322' } });
      const file = {
        sha256: 'ab'.repeat(32),
        size: 48_213,
        mediaType: 'application/pdf',
        name: 'statement 27.11.pdf',
      } as const;
      const options = { ...ref, comment: 'our statement', idempotencyKey: `attach-${breakId}` };
      const first = await g.attachToBreak(bruno, breakId, file, options);
      const entry = first.result.timeline.at(-1);
      expect(first.result.status).toBe('OPEN');
      expect(entry).toMatchObject({
        action: 'ATTACH',
        from: 'OPEN',
        to: 'OPEN',
        actor: { mspId: 'BankBMSP' },
        attachment: { sha256: file.sha256, size: file.size, mediaType: file.mediaType },
      });
      // The name is on the ledger sealed with the case's key, as a comment is: the parties open it.
      const stored = (await g.getBreak(audrey, breakId)).timeline.at(-1)?.attachment;
      expect(stored?.sha256).toBe(file.sha256);
      expect(stored?.name).not.toContain('statement');
      expect(unseal(p.reference, p.caseId, stored?.name ?? '')).toBe(file.name);
      expect(unseal(p.reference, p.caseId, entry?.comment ?? '')).toBe('our statement');
      // A party reading the break with its reference gets the name opened, as it gets the comments.
      const opened = (await g.getBreak(alice, breakId, p.reference)).timeline.at(-1);
      expect([opened?.attachment?.name, opened?.comment]).toEqual([file.name, 'our statement']);
      // A retry under the same key returns the first result and adds nothing; another file under it conflicts.
      const again = await g.attachToBreak(bruno, breakId, file, options);
      expect(again.result.timeline).toHaveLength(first.result.timeline.length);
      expect(again.result.timeline.at(-1)?.txId).toBe(first.txId);
      await refused(
        g.attachToBreak(bruno, breakId, { ...file, sha256: 'cd'.repeat(32) }, options),
        'IDEMPOTENCY_CONFLICT',
      );
      // The same file again under a new key: refused, naming the step that attached it.
      const twice = await refused(g.attachToBreak(alice, breakId, file, ref), 'INVALID_INPUT');
      expect(twice.detail).toContain('attached to break');
      await refused(
        g.attachToBreak(pavel, breakId, { ...file, sha256: 'cd'.repeat(32) }, ref),
        'BREAK_NOT_FOUND',
      );
      await refused(
        g.attachToBreak(audrey, breakId, { ...file, sha256: 'cd'.repeat(32) }, ref),
        'ROLE_REQUIRED',
      );
      const html = await refused(
        g.attachToBreak(
          alice,
          breakId,
          { ...file, sha256: 'cd'.repeat(32), mediaType: 'text/html' as 'text/plain' },
          ref,
        ),
        'INVALID_INPUT',
      );
      expect(html.detail).toContain('attachment.mediaType');
      const path = await refused(
        g.attachToBreak(alice, breakId, { ...file, sha256: 'cd'.repeat(32), name: '../etc/passwd' }, ref),
        'INVALID_INPUT',
      );
      expect(path.detail).toContain('attachment.name');
    });

    it('approves a write-off only within the approver’s limit, on the amount the chaincode reckons from the legs', async () => {
      const g = backend.gateway;
      // Bank A booked CNY 12,345.00 where the others have 12,345.67: writing off 0.67 is within Anna's
      // CNY 1,000.00; writing off a whole 12,345.67 (a status conflict) is beyond it and within Ava's.
      // Alice proposes writing off the break a payment's disagreeing legs open.
      const writeOffProposed = async (legs: ReturnType<typeof paymentLegs>, comment: string) => {
        const opened = await openBreak(legs);
        await g.assignBreak(alice, opened.breakId, 'alice', opened.ref);
        await g.proposeResolution(
          alice,
          opened.breakId,
          { kind: 'WRITE_OFF', rootCause: 'FEE' },
          { ...opened.ref, comment },
        );
        return opened;
      };
      const small = paymentLegs();
      const { breakId: smallBreak, ref } = await writeOffProposed(
        { ...small, debit: { ...small.debit, amountMinor: '1234500' } },
        'fee deducted on our side',
      );
      // the amount comes from the legs, opened with the reference: without it, no approval
      await refused(g.decideBreak(anna, smallBreak, 'APPROVE'), 'INVALID_REFERENCE');
      const ok = await g.decideBreak(anna, smallBreak, 'APPROVE', ref);
      expect(ok.result.status).toBe('APPROVED');

      const big = paymentLegs();
      const { breakId: bigBreak, ref: bigRef } = await writeOffProposed(
        { ...big, debit: { ...big.debit, outcome: 'TIMED_OUT' } },
        'write the payment off',
      );
      const e = await refused(g.decideBreak(anna, bigBreak, 'APPROVE', bigRef), 'LIMIT_EXCEEDED');
      expect(e.detail).toContain('up to 100000 minor units of CNY');
      expect(e.detail).toContain('writes off 1234567');
      expect((await g.getBreak(alice, bigBreak)).status).toBe('PROPOSED');
      // the reckoning is of this break's own legs: another payment's reference (a smaller one) is refused
      await refused(g.decideBreak(anna, bigBreak, 'APPROVE', ref), 'INVALID_REFERENCE');
      const ava = await backend.identity('ava');
      expect((await g.decideBreak(ava, bigBreak, 'APPROVE', bigRef)).result.status).toBe('APPROVED');
    });

    it('pages through open breaks with a bookmark, each page distinct', async () => {
      // PayCo books each of seven wallet credits twice: seven DUPLICATE breaks of its own
      const walletRoute = [ROUTE[0], { mspId: 'PayCoMSP', role: 'CREDITOR_AGENT' }] as LegInput['route'];
      for (let i = 0; i < 7; i++) {
        const { branch: _b, ...credit } = paymentLegs({ route: walletRoute }).credit;
        await backend.gateway.postLegs(sysP, [{ ...credit, legId: `P-page-${i}-${credit.legId}` }]);
        await backend.gateway.postLegs(sysP, [{ ...credit, legId: `P-page-${i}-dup-${credit.legId}` }]);
      }
      const seen: string[] = [];
      let bookmark = '';
      let pages = 0;
      do {
        const page = await backend.gateway.listOpenBreaks(pavel, 'PayCoMSP', 3, bookmark);
        seen.push(...page.items.map((b) => b.breakId));
        bookmark = page.bookmark;
        pages++;
      } while (bookmark !== '' && pages < 20);
      expect(seen.length).toBeGreaterThanOrEqual(7);
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBeGreaterThanOrEqual(3);
    });
  });
  return () => backend;
}
