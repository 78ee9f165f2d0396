import { skipDisabledShimLogging } from './shimLogging';

/**
 * What the chaincode server (`fabric-chaincode-node server`, started by the launcher) loads: the package's
 * contracts, with fabric-shim's loggers guarded (shimLogging.ts: about a sixth of the server's CPU went to
 * formatting debug messages that were then dropped).
 */
skipDisabledShimLogging();

export { contracts, ReconciliationContract } from './index';
