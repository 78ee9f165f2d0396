import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

import type { CommandContext } from './cliContext';
import { usageError } from './cliErrors';
import type { Connection } from './cliSession';

/**
 * A file to send as a request's body in the logged-in session: its stream ticks the upload's progress as it is
 * read. A file that cannot be read is a usage error (FILE_UNREADABLE), found before the session is opened.
 */
export async function fileUpload(
  ctx: CommandContext,
  file: string,
): Promise<{ session: Connection; body: ReadStream }> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw usageError(
      `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      'FILE_UNREADABLE',
    );
  }
  const session = await ctx.session();
  const progress = ctx.progress('uploading', size);
  let sent = 0;
  const body = createReadStream(file);
  body.on('data', (chunk) => {
    sent += chunk.length;
    progress.tick(sent);
  });
  return { session, body };
}
