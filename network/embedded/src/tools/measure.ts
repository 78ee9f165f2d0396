/**
 * Throughput and restart measurements of the embedded network (run by hand, not a test):
 *   npx tsc -p tsconfig.build.json --outDir /tmp/tallystick-measure && node /tmp/tallystick-measure/network/embedded/src/tools/measure.js
 * Options (env): LEGS_PER_TX (200), TXS (60), IN_FLIGHT (4), ENDORSERS (1), DURABILITY (fsync|none).
 * Each leg does what the product's batched legs do: 3 getState + 2 getPrivateDataHash, then
 * 6 putState + 4 putPrivateData into the submitter's implicit collection.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import { EmbeddedNetwork, implicitCollection, type EmbeddedNetworkOptions } from '../index';

@Info({ title: 'MeasureContract', description: 'a leg-shaped workload' })
class Legs extends Contract {
  constructor() {
    super('legs');
  }

  @Transaction()
  @Returns('number')
  async submitLegs(ctx: Context, batchId: string, count: number): Promise<number> {
    const stub = ctx.stub;
    const own = implicitCollection(ctx.clientIdentity.getMSPID());
    for (let i = 0; i < count; i++) {
      const id = `${batchId}-${i}`;
      const leg = JSON.stringify({ id, amountMinor: String(100000 + i), currency: 'EUR', ref: `UETR-${id}` });
      await stub.getState(`leg~${id}`);
      await stub.getState(`case~${id}`);
      await stub.getState(`idem~${id}`);
      await stub.getPrivateDataHash(own, `leg~${id}~amount`);
      await stub.getPrivateDataHash(own, `leg~${id}~ref`);
      await stub.putState(`leg~${id}`, Buffer.from(leg));
      await stub.putState(`case~${id}`, Buffer.from(`{"status":"OPEN","legs":["${id}"]}`));
      await stub.putState(`idem~${id}`, Buffer.from('{"hash":"0123456789abcdef0123456789abcdef"}'));
      await stub.putState(`byAccount~${id}`, Buffer.from('1'));
      await stub.putState(`byDate~${id}`, Buffer.from('1'));
      await stub.putState(`status~${id}`, Buffer.from('OPEN'));
      await stub.putPrivateData(own, `leg~${id}~amount`, Buffer.from(`ref|${100000 + i}`));
      await stub.putPrivateData(own, `leg~${id}~ref`, Buffer.from(`ref|UETR-${id}`));
      await stub.putPrivateData(own, `leg~${id}~date`, Buffer.from('ref|2030-01-01'));
      await stub.putPrivateData(own, `leg~${id}`, Buffer.from(leg));
    }
    ctx.stub.setEvent('LegsSubmitted', Buffer.from(JSON.stringify({ batchId, count })));
    return count;
  }
}

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  const legsPerTx = env('LEGS_PER_TX', 200);
  const txs = env('TXS', 60);
  const inFlight = env('IN_FLIGHT', 4);
  const endorsers = env('ENDORSERS', 1);
  const durability = process.env.DURABILITY === 'none' ? 'none' : 'fsync';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-measure-'));
  const orgs = ['BankAMSP', 'BankBMSP', 'AuditorMSP'];
  const opts: EmbeddedNetworkOptions = {
    dataDir: dir,
    channel: 'reconciliation',
    organisations: orgs,
    chaincode: { name: 'tallystick', version: '0.1.0', contracts: [Legs] },
    durability,
  };
  let net = await EmbeddedNetwork.start(opts);
  await net.ca('BankAMSP').register('system', 'pw', { roles: 'submitter' }, 'client');
  const who = await net.ca('BankAMSP').enroll('system', 'pw');
  const endorsingOrgs = orgs.slice(0, endorsers);
  await net.submit(who, { fcn: 'submitLegs', args: ['warmup', '50'], endorsingOrgs });

  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < txs) {
        const n = next++;
        const t0 = process.hrtime.bigint();
        await net.submit(who, { fcn: 'submitLegs', args: [`b${n}`, String(legsPerTx)], endorsingOrgs });
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  latencies.sort((a, b) => a - b);
  const legs = txs * legsPerTx;
  const writes = legs * 10 + 50 * 10;
  console.log(
    JSON.stringify({
      legsPerTx,
      txs,
      inFlight,
      endorsers,
      durability,
      legsPerSecond: Math.round(legs / seconds),
      ledgerOpsPerSecond: Math.round((legs * 15) / seconds),
      txLatencyMsP50: latencies[Math.floor(latencies.length / 2)]?.toFixed(1),
      txLatencyMsP99: latencies[Math.floor(latencies.length * 0.99)]?.toFixed(1),
      cpuSecondsPerSecond: ((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2),
      blocks: Number(net.height()),
      blockFileMB: (fs.statSync(path.join(dir, 'ledger', 'blocks.log')).size / 1e6).toFixed(1),
      heapMB: Math.round(process.memoryUsage().heapUsed / 1e6),
    }),
  );
  await net.stop();
  const t0 = process.hrtime.bigint();
  net = await EmbeddedNetwork.start(opts);
  const restartMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    JSON.stringify({
      restartMs: Math.round(restartMs),
      writesReplayed: writes,
      height: Number(net.height()),
    }),
  );
  await net.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
