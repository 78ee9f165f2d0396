import { existsSync } from 'node:fs';
import { join } from 'node:path';

import express, { type RequestHandler } from 'express';

/** Where `npm run build` puts the console, seen from this file in the sources or in dist/. */
function builtConsoleDir(): string | undefined {
  return [
    join(__dirname, '../../console/dist'),
    join(__dirname, '../../../../application/console/dist'),
  ].find((d) => existsSync(join(d, 'index.html')));
}

/** The built web console's files, served at `/`, if `consoleDir` (by default the build's folder) holds one. */
export function consoleFiles(consoleDir: string | undefined): RequestHandler | undefined {
  const dir = consoleDir ?? builtConsoleDir();
  if (dir === undefined || !existsSync(join(dir, 'index.html'))) return undefined;
  return express.static(dir, { index: 'index.html', fallthrough: true });
}
