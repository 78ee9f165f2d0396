import { defineBlacklistSuite } from './blacklistSuite';

// The suite body lives in blacklistSuite.ts so that a live-Fabric file can run the very same tests.
defineBlacklistSuite();
