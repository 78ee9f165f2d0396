import { defineReconciliationSuite } from './suite';

// The suite body lives in suite.ts so the live-Fabric file can run the very same tests.
defineReconciliationSuite();
