// Server-sent events read from a text stream (pure: no browser API, so it is tested under Node too).

/** Parses `event:`/`data:` blocks out of a text stream; calls `onEvent` for each complete one. */
export function sseParser(onEvent: (event: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    // Line ends may be CRLF, LF or CR; a CR at the end of a chunk may be the first half of a CRLF: wait for more.
    buffer += chunk;
    const pendingCr = buffer.endsWith('\r');
    buffer = (pendingCr ? buffer.slice(0, -1) : buffer).replace(/\r\n?/g, '\n') + (pendingCr ? '\r' : '');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
  };
}
