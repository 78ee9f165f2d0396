import '../../application/src/cli/quiet';

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';

import { loadConsortium, repoRoot } from '../../application/src/ledger/consortium';
import {
  defaultFabricRunDir,
  FabricTransport,
  loadProfiles,
  openFabricLedger,
  walletIdentity,
  type FabricLedger,
} from '../../application/src/ledger/fabricLedger';
import { Random } from '../../application/src/simulation/random';
import { isOurs, readPids } from '../../network/fabric/src/proc';
import { FLOOR_CHAINCODE, FLOOR_MODULE } from './floor/floorWrites';
import {
  cpuLine,
  driveBatches,
  launcher,
  launcherPids,
  paymentBatches,
  posters,
  type Batch,
  type Posters,
} from './fabricLoad';
import { parseFloorOptions, type FloorBenchVariant } from './fabricFloorOptions';
import { machineInfo, writeResults } from './results';

/**
 * `npm run bench:fabric-floor` (issue 16): what the live Fabric network costs per leg when the chaincode does the
 * least a ledger of legs can do, beside the product's own `postLegs`, on the same network, under the same load,
 * with the same batches and the same measurement as `npm run bench:fabric` (fabricLoad.ts: four institutions'
 * batches of payment legs, 1, 2, 4 in flight; legs/s; CPU per leg of peers, orderers, chaincode servers and this
 * client). The floor chaincode (bench/src/floor) takes the product's batch (the same transient JSON) and writes
 * one key per leg (`perLeg`), the batch under one key (`perBatch`), per leg a private record and its public
 * digest (`perLegPrivate`), or the batch as one private record and each leg's public digest (`batchPrivate`);
 * `product` posts the same batches through the product's gateway. Variants alternate
 * within each in-flight count, so that a change of load on the machine falls on all of them.
 *
 * The network is the launcher's (`--run-dir`, else TALLYSTICK_FABRIC_RUN with TALLYSTICK_FABRIC_PORT_OFFSET, else
 * network/fabric/.run), up (`npm run network:up`); the floor chaincode is deployed beside the product's
 * (`network:deploy -- --chaincode floor --module bench/src/floor`) when none of its servers runs. Not a test:
 * numbers are measured, never asserted. Results: bench/results/fabric-floor-<date>.json (not with --smoke).
 */
const options = parseFloorOptions(process.argv.slice(2));
const RUN_DIR = options.runDir ?? defaultFabricRunDir();

function log(line: string): void {
  console.log(`[bench:fabric-floor] ${line}`);
}

/** Deploys the floor chaincode unless each organisation's server of it is our live process. */
async function ensureFloorChaincode(): Promise<'served' | 'deployed'> {
  const servers = Object.entries(readPids(join(RUN_DIR, 'pids.json'))).filter(([name]) =>
    name.startsWith(`chaincode-${FLOOR_CHAINCODE}_`),
  );
  const peers = [...launcherPids(RUN_DIR).keys()].filter((name) => name.startsWith('peer')).length;
  if (servers.length === peers && servers.every(([, record]) => isOurs(record))) return 'served';
  log(
    `deploying the floor chaincode (network:deploy -- --chaincode ${FLOOR_CHAINCODE} --module ${FLOOR_MODULE})`,
  );
  await launcher(RUN_DIR, ['deploy', '--chaincode', FLOOR_CHAINCODE, '--module', FLOOR_MODULE]);
  return 'deployed';
}

/** How a variant posts one batch, and the MVCC retries of its gateway. */
interface Poster {
  post(batch: Batch): Promise<void>;
  retries(): number;
}

function posterOf(
  variant: FloorBenchVariant,
  ledger: FabricLedger,
  floor: FabricTransport,
  p: Posters,
): Poster {
  if (variant === 'product')
    return {
      post: async (b) => {
        await ledger.gateway.postLegs(p.ids[b.poster], b.legs);
      },
      retries: () => ledger.gateway.retries,
    };
  return {
    post: async (b) => {
      // the same JSON the product's gateway puts in its transient `legs`
      const call = { fcn: 'floor:post', args: [variant], transient: { legs: JSON.stringify(b.legs) } };
      await floor.submit(p.ids[b.poster], call);
    },
    retries: () => 0,
  };
}

async function measure(
  variant: FloorBenchVariant,
  poster: Poster,
  /** The channel's height as far as this client knows: the higher of its two transports' (they alternate). */
  height: () => bigint,
  rnd: Random,
  inFlight: number,
  blocks: number,
  batchLegs: number,
) {
  const batches = paymentBatches(
    rnd,
    blocks,
    batchLegs,
    `f-${variant}-${inFlight}-${Date.now().toString(36)}`,
    inFlight,
  );
  const height0 = height();
  const retries0 = poster.retries();
  const run = await driveBatches(RUN_DIR, batches, inFlight, (b) => poster.post(b));
  return {
    variant,
    ...run,
    batchLegs,
    blocks: Number(height() - height0),
    mvccRetries: poster.retries() - retries0,
  };
}

async function main() {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const rnd = new Random(seed);
  const startedAt = new Date();
  const loadStart = loadavg();
  launcherPids(RUN_DIR); // the network must be up: says which run folder it looked in
  const floorChaincode = await ensureFloorChaincode();
  const consortium = loadConsortium();
  const ledger = await openFabricLedger({ runDir: RUN_DIR, consortium });
  const [first] = consortium.organisations;
  if (first === undefined) throw new Error('the consortium has no organisation');
  const floor = new FabricTransport({
    channel: consortium.channel,
    chaincode: FLOOR_CHAINCODE,
    profiles: loadProfiles(RUN_DIR),
    listener: await walletIdentity(RUN_DIR, first.mspId, 'org-admin'),
  });
  try {
    const p = await posters((userId) => ledger.identity(userId));
    const of = (v: FloorBenchVariant) => posterOf(v, ledger, floor, p);
    const height = () => [ledger.transport.height(), floor.height()].reduce((a, b) => (a > b ? a : b));
    log(`warm-up: ${options.variants.join(', ')}`);
    for (const v of options.variants)
      await measure(v, of(v), height, rnd, 2, 1, Math.min(options.batchLegs, 100));
    const runs = [];
    for (let round = 1; round <= options.rounds; round++) {
      for (const inFlight of options.inFlight) {
        for (const v of options.variants) {
          const r = await measure(
            v,
            of(v),
            height,
            rnd,
            inFlight,
            Math.max(options.blocks, inFlight + 1),
            options.batchLegs,
          );
          log(
            `${v.padEnd(13)} ${inFlight} in flight: ${r.legsPerSec} legs/s (${r.legs} legs in ${r.seconds} s, ` +
              `${r.blocks} blocks, ${r.mvccRetries} retries); ${cpuLine(r.cpu)}`,
          );
          runs.push({ round, ...r });
        }
      }
    }
    const results = {
      date: startedAt.toISOString(),
      command: [
        'npm run bench:fabric-floor',
        ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
      ].join(' '),
      mode: options.smoke ? 'smoke' : 'full',
      seed,
      machine: machineInfo(),
      loadAverage: {
        start: loadStart.map((x) => Number(x.toFixed(2))),
        end: loadavg().map((x) => Number(x.toFixed(2))),
      },
      network: {
        runDir: RUN_DIR,
        ordering: ordering(),
        processes: launcherPids(RUN_DIR).size,
        floorChaincode,
      },
      /** The CPU per leg that 2,500 legs/s on two cores allows: 2 CPU-seconds per second / 2,500 legs. */
      targetMicrosPerLeg: 800,
      runs,
    };
    if (options.smoke) console.log(JSON.stringify(results, null, 2));
    else {
      const stamp = startedAt.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
      log(`written ${writeResults(`fabric-floor-${stamp}.json`, results)}`);
    }
  } finally {
    await floor.close();
    await ledger.close();
  }
}

function ordering(): unknown {
  const file = join(repoRoot(), 'network', 'fabric', 'topology.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { ordering?: unknown }).ordering;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
