import * as path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

// The worker's entry point: compiled JavaScript, or (under the test runner) TypeScript compiled on load with
// TypeScript's own transpiler (as network/embedded's endorsing workers do), never a native addon.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) {
  const ts = require('typescript');
  const fs = require('node:fs');
  require.extensions['.ts'] = (module, filename) => {
    const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    module._compile(outputText, filename);
  };
}
require(workerData.entry);
`;

/**
 * A worker thread running the module `<dir>/<name>` of this build: its `.js` when compiled, its `.ts` under the
 * test runner. `data` is its `workerData` (with `entry`, the module's path, added); `options` any other of
 * Node's worker options (resource limits).
 */
export function startWorkerModule(
  dir: string,
  name: string,
  data: object = {},
  options: Omit<WorkerOptions, 'eval' | 'workerData'> = {},
): Worker {
  const entry = path.join(dir, `${name}${path.extname(__filename)}`);
  return new Worker(BOOTSTRAP, { ...options, eval: true, workerData: { ...data, entry } });
}
