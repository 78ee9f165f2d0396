import * as contractLogger from 'fabric-contract-api/lib/logger.js';
import * as shimLogger from 'fabric-shim/lib/logger.js';

// fabric-shim and fabric-contract-api log through winston, which formats every message (timestamp,
// metadata, colours) before its transport drops it for being below the level. The stub logs at debug
// level on every ledger call, so at the default 'info' level a peer in this process spent more time
// formatting discarded messages than running the ledger. This guard asks the logger's own level
// first; what is printed, and when, is unchanged (the level is read on every call, so
// CORE_CHAINCODE_LOGGING_LEVEL=debug still shows everything).
const SHIM_LOGGERS = [
  'lib/stub.js',
  'lib/chaincode.js',
  'lib/handler.js',
  'lib/iterators.js',
  'contracts-spi/chaincodefromcontract.js',
  'contracts-spi/datamarshall.js',
];
const CONTRACT_LOGGERS = ['./lib/contract.js', './lib/jsontransactionserializer.js'];
const LEVELS = ['error', 'warn', 'info', 'verbose', 'debug', 'silly'] as const;

type LevelLogger = Record<string, unknown> & { isLevelEnabled(level: string): boolean };
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

export function skipDisabledShimLogging(): void {
  for (const name of SHIM_LOGGERS) guard(shimLogger.getLogger(name));
  for (const name of CONTRACT_LOGGERS) guard(contractLogger.getLogger(name));
}
