import { createRequire } from 'node:module';

/**
 * What the chaincode server (`fabric-chaincode-node server`, started by the launcher) loads: the package's
 * contracts, and a guard on fabric-shim's loggers.
 *
 * fabric-shim logs through winston, which runs every message through its stream and formatters (timestamp,
 * metadata, colours) before the level filter drops it, and its handler logs at debug level on every message it
 * exchanges with the peer: several per state call. Profiled on the live network (perf, batches of 500 legs),
 * winston's pipeline was about a sixth of the chaincode server's CPU, all of it for discarded messages. The
 * guard asks the logger's own level first; what is printed, and when, is unchanged (the level is read at every
 * call, so CORE_CHAINCODE_LOGGING_LEVEL=debug still shows everything). The embedded network guards the same
 * loggers itself (network/embedded/src/shimLogging.ts); this entry is only the server's, so no logger is
 * wrapped twice.
 */
const SHIM_LOGGERS = [
  'lib/handler.js',
  'lib/stub.js',
  'lib/chaincode.js',
  'lib/iterators.js',
  'lib/server.js',
  'contracts-spi/chaincodefromcontract.js',
  'contracts-spi/datamarshall.js',
];
const CONTRACT_LOGGERS = ['./lib/contract.js', './lib/jsontransactionserializer.js'];
const LEVELS = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'] as const;

type LevelLogger = Record<string, unknown> & { isLevelEnabled(level: string): boolean };
interface LoggerModule {
  getLogger(name: string): object;
}

function guard(logger: object): void {
  const target = logger as LevelLogger;
  if (typeof target.isLevelEnabled !== 'function') return;
  for (const level of LEVELS) {
    const original = target[level];
    if (typeof original !== 'function') continue;
    target[level] = function (this: LevelLogger, ...args: unknown[]): unknown {
      return this.isLevelEnabled(level) ? (original as (...a: unknown[]) => unknown).apply(this, args) : this;
    };
  }
}

// The shim's internal logger modules have no typings; they are the same instances the server's handler holds
// (getLogger caches by name), so guarding them here guards the handler's calls.
const load = createRequire(__filename) as (id: string) => LoggerModule;
const shimLogger = load('fabric-shim/lib/logger.js');
const contractLogger = load('fabric-contract-api/lib/logger.js');
for (const name of SHIM_LOGGERS) guard(shimLogger.getLogger(name));
for (const name of CONTRACT_LOGGERS) guard(contractLogger.getLogger(name));

export { contracts, ReconciliationContract } from './index';
