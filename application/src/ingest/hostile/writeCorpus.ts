import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { hostileCorpus } from './corpus';

/**
 * `npm run build && node dist/application/src/ingest/hostile/writeCorpus.js` (from the repository root): writes
 * the hostile statement corpus to application/src/ingest/hostile/corpus/, replacing what is there. The corpus test
 * fails when the committed files differ from what `hostileCorpus()` makes, so run this after changing it.
 */
const dir = resolve(process.cwd(), 'application/src/ingest/hostile/corpus');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) rmSync(join(dir, f));
let bytes = 0;
const cases = hostileCorpus();
for (const c of cases) {
  writeFileSync(join(dir, c.name), c.body);
  bytes += c.body.length;
}
console.log(`${cases.length} files, ${bytes} bytes, in ${dir}`);
