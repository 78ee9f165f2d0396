import { createRequire } from 'node:module';

/**
 * A guard on fabric-shim's and fabric-contract-api's loggers, for every process that runs the chaincode: the
 * chaincode server on the live network (`server.ts`) and the embedded network's peers.
 *
 * Both log through winston, which runs every message through its stream and formatters (timestamp, metadata,
 * colours) before the level filter drops it, and the shim logs at debug level on every message it exchanges with
 * the peer and on every ledger call: several per state call. Profiled (perf on the live chaincode server, batches
 * of 500 legs; the embedded network's peers alike), winston's pipeline was about a sixth of the chaincode's CPU,
 * all of it for discarded messages. The guard asks the logger's own level first; what is printed, and when, is
 * unchanged (the level is read at every call, so CORE_CHAINCODE_LOGGING_LEVEL=debug still shows everything).
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
const guarded = new WeakSet<object>();

function guard(logger: object): void {
  if (guarded.has(logger)) return;
  guarded.add(logger);
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

/**
 * Guards the loggers once per process (a second call changes nothing). The shim's logger modules have no typings;
 * getLogger caches by name, so these are the instances the handler and stub hold.
 */
export function skipDisabledShimLogging(): void {
  const load = createRequire(__filename) as (id: string) => LoggerModule;
  const shimLogger = load('fabric-shim/lib/logger.js');
  const contractLogger = load('fabric-contract-api/lib/logger.js');
  for (const name of SHIM_LOGGERS) guard(shimLogger.getLogger(name));
  for (const name of CONTRACT_LOGGERS) guard(contractLogger.getLogger(name));
}
