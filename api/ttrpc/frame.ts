// ttrpc framing: a 10-byte header — payload length (uint32 big-endian), stream id (uint32
// big-endian; odd, chosen by the client), message type (1 request, 2 response) and flags — then
// the protobuf payload. A payload over 4 MiB is refused, and skipped by a reader so that the
// connection stays usable, as ttrpc's channel does.

export const HEADER_LENGTH = 10;
export const MAX_MESSAGE_LENGTH = 4 << 20;

export const MessageType = { REQUEST: 1, RESPONSE: 2 } as const;

export interface Frame {
  streamId: number;
  type: number;
  flags: number;
  payload: Buffer;
}

/** A frame whose payload was too long: its header was read, its payload skipped. */
export interface OversizedFrame {
  streamId: number;
  type: number;
  length: number;
}

export function oversizedMessage(length: number): string {
  return `message length ${length} exceed maximum message size of ${MAX_MESSAGE_LENGTH}`;
}

export function encodeFrame(f: Frame): Buffer {
  if (f.payload.length > MAX_MESSAGE_LENGTH) throw new RangeError(oversizedMessage(f.payload.length));
  const header = Buffer.alloc(HEADER_LENGTH);
  header.writeUInt32BE(f.payload.length, 0);
  header.writeUInt32BE(f.streamId >>> 0, 4);
  header.writeUInt8(f.type, 8);
  header.writeUInt8(f.flags, 9);
  return Buffer.concat([header, f.payload]);
}

/** Cuts a byte stream into frames; chunks may split anywhere. */
export class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private skipping = 0;

  constructor(
    private readonly onFrame: (f: Frame) => void,
    private readonly onOversized: (f: OversizedFrame) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    if (this.skipping > 0) {
      const n = Math.min(this.skipping, chunk.length);
      this.skipping -= n;
      chunk = chunk.subarray(n);
    }
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= HEADER_LENGTH) {
      const length = this.buffered.readUInt32BE(0);
      const streamId = this.buffered.readUInt32BE(4);
      const type = this.buffered.readUInt8(8);
      const flags = this.buffered.readUInt8(9);
      if (length > MAX_MESSAGE_LENGTH) {
        const available = this.buffered.length - HEADER_LENGTH;
        const n = Math.min(length, available);
        this.skipping = length - n;
        this.buffered = this.buffered.subarray(HEADER_LENGTH + n);
        this.onOversized({ streamId, type, length });
        if (this.skipping > 0) return;
        continue;
      }
      if (this.buffered.length < HEADER_LENGTH + length) return;
      const payload = Buffer.from(this.buffered.subarray(HEADER_LENGTH, HEADER_LENGTH + length));
      this.buffered = this.buffered.subarray(HEADER_LENGTH + length);
      this.onFrame({ streamId, type, flags, payload });
    }
  }
}
