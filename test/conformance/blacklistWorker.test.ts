import { startBackend } from '../support/backend';
import { defineBlacklistSuite } from './blacklistSuite';

// The same suite with the embedded network's endorsing peers in a worker thread (ChaincodeOptions.worker), which
// loads the chaincode package's entry: the blacklist contract must run there as it does in the main thread.
defineBlacklistSuite(() => startBackend({ endorsementWorker: true }), 'embedded (endorsing worker)');
