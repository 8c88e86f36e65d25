// stdcopy framing, as the CLI's demultiplexer reads it when the container has no TTY: an 8-byte
// header (stream id, three zero bytes, big-endian payload length) before each chunk.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export type StreamId = typeof STDIN | typeof STDOUT | typeof STDERR;

export function frame(stream: StreamId, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Split a multiplexed buffer back into frames (tests, and reading our own output). */
export function* unframe(buf: Buffer): Generator<{ stream: number; payload: Buffer }> {
  let off = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt32BE(off + 4);
    if (off + 8 + len > buf.length) return;
    yield { stream: buf[off], payload: buf.subarray(off + 8, off + 8 + len) };
    off += 8 + len;
  }
}
