import { startBackend } from '../support/backend';
import { defineReconciliationSuite } from './suite';

// The same suite with the embedded network's endorsing peers in a worker thread (ChaincodeOptions.worker):
// the chaincode runs there against a replica of the world state that follows every committed block.
defineReconciliationSuite(() => startBackend({ endorsementWorker: true }));
