import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseSecondChaincode } from './args.js';
import {
  chaincodeOf,
  consortiumChaincode,
  definitionArgs,
  isServerOf,
  releaseOf,
  secondChaincode,
} from './chaincode.js';
import { layoutFor } from './layout.js';
import { loadContext } from './network.js';
import { serverPort, validateTopology } from './topology.js';

// The repository's own consortium and topology, with no offset; no process is started.
const ctx = loadContext(layoutFor(process.cwd(), {}), () => undefined);
const root = ctx.layout.repoRoot;
const floorModule = join(root, 'bench', 'src', 'floor');

describe('the chaincode the launcher deploys', () => {
  it("is the consortium's by default: its name, version, package, collections and the first port range", () => {
    expect(chaincodeOf(ctx)).toEqual({
      name: 'tallystick',
      version: ctx.consortium.chaincode.version,
      modulePath: join(root, 'chaincode'),
      collectionsConfig: join(root, 'network', 'collections.json'),
      portRange: 0,
    });
    const release = releaseOf(chaincodeOf(ctx), 3);
    expect(release.label).toBe(`tallystick_${ctx.consortium.chaincode.version}_s3`);
    expect(definitionArgs(ctx, release)).toEqual([
      ...['--channelID', 'reconciliation', '--name', 'tallystick'],
      ...['--version', `${ctx.consortium.chaincode.version}-s3`, '--sequence', '3'],
      ...['--signature-policy', expect.stringMatching(/^OR\('BankAMSP.peer',/) as string],
      ...['--collections-config', join(root, 'network', 'collections.json')],
    ]);
  });

  it('a second one (the floor benchmark) takes its version from its module, no collections, the second range', () => {
    const floor = secondChaincode(ctx, 'floor', floorModule);
    expect(floor).toEqual({ name: 'floor', version: '0.1.0', modulePath: floorModule, portRange: 1 });
    const args = definitionArgs({ ...ctx, chaincode: floor }, releaseOf(floor, 1));
    expect(args).toContain('floor');
    expect(args).not.toContain('--collections-config');
    expect(chaincodeOf({ ...ctx, chaincode: floor })).toBe(floor);
  });

  it('refuses a second chaincode that would be confused with the first or has no module', () => {
    expect(() => secondChaincode(ctx, 'tallystick', floorModule)).toThrow(/is the consortium's chaincode/);
    expect(() => secondChaincode(ctx, 'floor_x', floorModule)).toThrow(/letters, digits and single hyphens/);
    expect(() => secondChaincode(ctx, 'floor', join(root, 'nowhere'))).toThrow(/has no package.json/);
  });

  it("stops and counts only its own servers: another chaincode's are not its", () => {
    const product = consortiumChaincode(ctx);
    expect(isServerOf(product, 'chaincode-tallystick_0.1.0_s3-peer0-bankb')).toBe(true);
    expect(isServerOf(product, 'chaincode-floor_0.1.0_s1-peer0-bankb')).toBe(false);
    expect(isServerOf(product, 'chaincode-tallystick-floor_0.1.0_s1-peer0-bankb')).toBe(false);
    expect(isServerOf({ name: 'floor' }, 'chaincode-floor_0.1.0_s12-peer0-banka')).toBe(true);
    expect(isServerOf({ name: 'floor' }, 'peer0-banka')).toBe(false);
  });
});

describe('chaincode server ports', () => {
  const [first, second] = ctx.topology.peers;
  if (first === undefined || second === undefined) throw new Error('fixture');
  const base = ctx.topology.chaincodeServer.port;
  const peers = ctx.topology.peers.length;

  it('the second range follows the first: peers × 10 ports each', () => {
    expect(serverPort(ctx.topology, first, 1)).toBe(base);
    expect(serverPort(ctx.topology, second, 12)).toBe(base + 10 + 1);
    expect(serverPort(ctx.topology, first, 1, 1)).toBe(base + peers * 10);
    expect(serverPort(ctx.topology, second, 3, 1)).toBe(base + peers * 10 + 10 + 2);
    expect(() => serverPort(ctx.topology, first, 1, 2)).toThrow(/range 2 is not one of 0..1/);
  });

  it('a node on a port of the second range is reported by name', () => {
    const t = structuredClone(ctx.topology);
    const peer = t.peers[0];
    if (peer === undefined) throw new Error('fixture');
    peer.operationsPort = base + peers * 10 + 4;
    expect(validateTopology(ctx.consortium, t)).toEqual([
      `${peer.name}'s second chaincode server: ${peer.host}:${peer.operationsPort} is already used by ${peer.name} operations`,
    ]);
  });
});

describe('deploy --chaincode <name> --module <folder>', () => {
  it('takes both or neither, the folder relative to the repository', () => {
    expect(parseSecondChaincode(['--orderers', '3'], root)).toBeUndefined();
    expect(parseSecondChaincode(['--chaincode', 'floor', '--module', 'bench/src/floor'], root)).toEqual({
      name: 'floor',
      modulePath: floorModule,
    });
    expect(() => parseSecondChaincode(['--chaincode', 'floor'], root)).toThrow(/go together/);
    expect(() => parseSecondChaincode(['--module', 'bench/src/floor'], root)).toThrow(/go together/);
    expect(() => parseSecondChaincode(['--chaincode', '--module', 'x'], root)).toThrow(
      '--chaincode needs a chaincode name',
    );
  });
});
