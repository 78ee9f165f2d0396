#!/usr/bin/env node
import { optionValue, parseSecondChaincode } from './args.js';
import { findRepoRoot, layoutFor } from './layout.js';
import type { NodeStatus } from './network.js';
import { deploy, secondChaincode } from './chaincode.js';
import {
  down,
  enrolOrganisation,
  loadContext,
  organisationOf,
  reset,
  status,
  up,
  upOrganisation,
} from './network.js';
import type { Context } from './network.js';

const USAGE = `usage: cli.js <up|down|reset|status|deploy> [--orderers 1|3]
       cli.js deploy --chaincode <name> --module <folder>
       cli.js <enrol|up|status|down> --org <mspId> [--orderers 1|3]

  up       build the binaries if missing, generate crypto and config, start CAs, orderers, peers, join the channel,
           deploy the chaincode if none is committed (else serve the committed one), and succeed only once every
           peer endorses a chaincode call and a transaction has committed
  down     stop every process that up started (by PID, from the run folder's pid file)
  reset    down, then delete the run folder (ledgers, crypto, logs)
  status   each node and chaincode server: up/down, block height per channel, whether each peer endorses
           a chaincode call; exit 3 if anything is down, 4 if a peer cannot endorse
  deploy   chaincode as a service: package once, install, start the server, approve by every org, commit
           --chaincode <name> --module <folder>: a second chaincode beside the consortium's, on the same
           channel (the floor benchmark's: --chaincode floor --module bench/src/floor); the folder's package.json
           gives its version and entry; its servers use the second port range; down stops them, up does not
           restart them (deploy again)

  One organisation's part alone, as a member operating its own hosts (docs/FABRIC.md, "One organisation's part"):
  enrol --org X   start X's CA and enrol X's identities; X's MSP folder is then what it gives the others
  up --org X      X's CA, its orderers (the ordering organisation also writes the channel's genesis block from
                  every organisation's MSP folder), its peers joined to the channel; for a member its own chaincode
                  server and its approval (the approval that makes a majority commits the definition), then its
                  peers endorse and a transaction commits through them once the definition is committed
  status --org X  X's nodes and chaincode servers only (exit 3 if one is down, 4 if its peer cannot endorse)
  down --org X    stops X's processes only; the other organisations' keep running`;

function parseOrderers(args: string[]): number {
  const index = args.indexOf('--orderers');
  if (index === -1) return 3;
  const value = Number(args[index + 1]);
  if (value !== 1 && value !== 3) throw new Error('--orderers must be 1 or 3');
  return value;
}

function parseOrg(args: string[]): string | undefined {
  return optionValue(args, 'org', 'an organisation (an mspId)');
}

/** Exit code of `status`: 3 if a node or a (needed) chaincode server is down, 4 if a peer cannot endorse. */
async function statusCommand(ctx: Context, org: string | undefined): Promise<number> {
  const rows = await status(ctx, { endorsement: true, ...(org === undefined ? {} : { org }) });
  printStatus(rows);
  // an ordering organisation runs no chaincode server
  const needsChaincode = org === undefined || organisationOf(ctx, org).member;
  const noServer = needsChaincode && !rows.some((row) => row.kind === 'chaincode');
  if (noServer)
    console.log(`no chaincode server: run network:up${org === undefined ? '' : ` -- --org ${org}`}`);
  if (!rows.every((row) => row.up) || noServer) return 3;
  return rows.every((row) => row.endorsement?.ok !== false) ? 0 : 4;
}

function printStatus(rows: NodeStatus[]): void {
  const nameWidth = Math.max(30, ...rows.map((row) => row.name.length));
  const lines = rows.map((row) => {
    const heights = Object.entries(row.heights)
      .map(([channel, height]) => `${channel}@${height}`)
      .join(' ');
    const endorsement =
      row.endorsement === undefined ? '' : row.endorsement.ok ? 'endorses' : `NO: ${row.endorsement.detail}`;
    return [
      row.name.padEnd(nameWidth),
      row.kind.padEnd(9),
      row.endpoint.padEnd(18),
      (row.up ? 'up' : 'down').padEnd(5),
      heights.padEnd(18),
      endorsement,
    ]
      .join(' ')
      .trimEnd();
  });
  console.log(
    [
      'node'.padEnd(nameWidth),
      'kind'.padEnd(9),
      'endpoint'.padEnd(18),
      'state'.padEnd(5),
      'channel@height'.padEnd(18),
      'chaincode call',
    ].join(' '),
  );
  for (const line of lines) console.log(line);
}

async function main(argv: string[]): Promise<number> {
  const [command = '', ...rest] = argv;
  const ctx = loadContext(layoutFor(findRepoRoot(__dirname)), (line) => {
    console.log(line);
  });
  const org = parseOrg(rest);
  switch (command) {
    case 'enrol':
      if (org === undefined) throw new Error('enrol needs --org <mspId>');
      await enrolOrganisation(ctx, parseOrderers(rest), org);
      return 0;
    case 'up':
      if (org === undefined) await up(ctx, parseOrderers(rest));
      else await upOrganisation(ctx, parseOrderers(rest), org);
      return 0;
    case 'down':
      if (org !== undefined) organisationOf(ctx, org);
      await down(ctx, org);
      return 0;
    case 'reset':
      await reset(ctx);
      return 0;
    case 'deploy': {
      const started = performance.now();
      const second = parseSecondChaincode(rest, ctx.layout.repoRoot);
      const chaincode = second && secondChaincode(ctx, second.name, second.modulePath);
      const d = await deploy(chaincode === undefined ? ctx : { ...ctx, chaincode });
      console.log(
        `✔ chaincode ${chaincode?.name ?? ctx.consortium.chaincode.name} sequence ${d.sequence} deployed ` +
          `(${((performance.now() - started) / 1000).toFixed(2)} s)`,
      );
      return 0;
    }
    case 'status':
      return statusCommand(ctx, org);
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`✘ ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
