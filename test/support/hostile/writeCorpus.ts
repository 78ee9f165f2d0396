import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { hostileCorpus } from './corpus';

/**
 * `node -r ./bench/src/chaos/tsRequire.js test/support/hostile/writeCorpus.ts` (from the repository root; the hook
 * compiles the TypeScript as it loads): writes the hostile statement corpus to test/support/hostile/corpus/,
 * replacing what is there. The corpus test fails when the committed files differ from what `hostileCorpus()`
 * makes, so run this after changing it.
 */
const dir = resolve(__dirname, 'corpus');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) rmSync(join(dir, f));
let bytes = 0;
const cases = hostileCorpus();
for (const c of cases) {
  writeFileSync(join(dir, c.name), c.body);
  bytes += c.body.length;
}
console.log(`${cases.length} files, ${bytes} bytes, in ${dir}`);
