import { createRequire } from 'node:module';

import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// The transform's settings, shared with the processes tests fork from .ts files (bench/src/chaos/swcJsc.js).
const jsc = createRequire(import.meta.url)('./bench/src/chaos/swcJsc.js') as Record<string, unknown>;

// fabric-contract-api reads `design:paramtypes` and `design:returntype`, which only a transform that
// really emits decorator metadata produces. esbuild does not, so TypeScript goes through SWC here;
// test/chaincodeMetadata.test.ts fails if a transaction's parameter types are missing.
// TALLYSTICK_FABRIC=1 (`npm run test:fabric`): only the live-Fabric suites. TALLYSTICK_FABRIC_NETWORK=1: a live
// network is up (`.ci/run` sets it after `npm run network:up`), so `npm test` runs the live suites with the rest.
const liveFabric = process.env.TALLYSTICK_FABRIC === '1';
const liveNetwork = process.env.TALLYSTICK_FABRIC_NETWORK === '1';
const browser = process.env.TALLYSTICK_E2E === '1';

export default defineConfig({
  plugins: [swc.vite({ jsc, module: { type: 'es6' } })],
  test: {
    // Suites that need a live Fabric network (`*.fabric.test.ts`) run with `npm run test:fabric`, and inside
    // `npm test` when TALLYSTICK_FABRIC_NETWORK=1: `.ci/run` builds the native binaries, runs `npm run network:up`
    // and sets it, so CI's `npm test` runs them; a machine without the network runs the rest
    // (network/fabric/README.md).
    // Browser suites (`*.e2e.test.ts`) join the run when TALLYSTICK_E2E=1: `.ci/run` installs Debian's Chromium
    // and sets it, so CI's `npm test` runs them; a machine without Chromium runs the rest (docs/CONSOLE.md).
    include: liveFabric
      ? ['**/*.fabric.test.ts']
      : [
          'chaincode/src/**/*.test.ts',
          'application/src/**/*.test.ts',
          'network/*/src/**/*.test.ts',
          'bench/src/**/*.test.ts',
          'test/**/*.test.ts',
        ],
    exclude: [
      '**/node_modules/**',
      '**/dist/**',
      ...(liveFabric || liveNetwork ? [] : ['**/*.fabric.test.ts']),
      ...(liveFabric || !browser ? ['**/*.e2e.test.ts'] : []),
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // A failed transaction is an expected outcome in many tests; the shim would log each one as an error.
    env: { CORE_CHAINCODE_LOGGING_LEVEL: 'CRITICAL' },
  },
});
