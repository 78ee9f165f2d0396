'use strict';
// Lets a child process of a test run load the TypeScript sources directly (the chaos test forks the ledger
// process from its .ts file): each .ts module is compiled on require by SWC, with decorator metadata, as the
// test runner compiles them. Compiled runs (`npm run chaos`, from dist/) do not use it.
const Module = require('node:module');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');
const jsc = require('./swcJsc');

Module._extensions['.ts'] = function compileTypeScript(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    sourceMaps: 'inline',
    jsc,
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
