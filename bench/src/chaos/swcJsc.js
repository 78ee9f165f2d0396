'use strict';
// How TypeScript is compiled when it runs from source, in one place: the test runner (vitest.config.mts) and the
// processes a test forks from .ts files (tsRequire.js). Legacy decorators with their metadata, which
// fabric-contract-api reads (`design:paramtypes`, `design:returntype`); test/chaincodeMetadata.test.ts fails
// without them.
module.exports = {
  parser: { syntax: 'typescript', decorators: true },
  transform: { legacyDecorator: true, decoratorMetadata: true },
  target: 'es2022',
  keepClassNames: true,
};
