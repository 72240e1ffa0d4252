// Frames on the wire: [u32 big-endian payload length][msgpackr payload]. FrameDecoder turns the
// byte chunks TCP delivers (a frame split over many chunks, or many frames in one chunk) back into
// payloads, holding at most one frame's bytes plus a chunk, and refusing a length over the limit
// before buffering any of it.

import { Packr } from 'msgpackr';
import { assert } from '../../lib/assert.js';

export const frameHeaderBytes = 4;

/** Plain MessagePack maps (no msgpackr records): no shared encoder state between the two ends. */
const packr = new Packr({ useRecords: false });

/** Encodes one value as a complete frame; undefined when its payload is over frameBytesMax. */
export function encodeFrame(value: unknown, frameBytesMax: number): Buffer | undefined {
  const payload = packr.pack(value);
  if (payload.length > frameBytesMax) return undefined;
  const frame = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  payload.copy(frame, frameHeaderBytes);
  return frame;
}

/** Decodes a payload; throws on bytes that are not MessagePack (the connection treats that as a protocol error). */
export function decodePayload(payload: Buffer): unknown {
  return packr.unpack(payload);
}

/** Why the decoder stopped; after a failure it must not be fed again (the connection closes). */
export type DecodeOutcome =
  | { readonly type: 'ok' }
  | { readonly type: 'too_large'; readonly frameBytes: number }
  | { readonly type: 'empty_frame' };

export class FrameDecoder {
  /** Unconsumed chunks, oldest first; the first may be partly consumed already (trimmed by subarray). */
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly frameBytesMax: number) {}

  /**
   * Adds a chunk and calls onPayload for every frame now complete, in order. onPayload's buffer
   * may share memory with the chunk; it must be consumed (decoded) before the next push.
   * Caller: MuxConnection's socket 'data' handler, one chunk at a time.
   */
  push(chunk: Buffer, onPayload: (payload: Buffer) => void): DecodeOutcome {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.bufferedBytes += chunk.length;
    }
    while (this.bufferedBytes >= frameHeaderBytes) {
      const payloadBytes = this.peekLength();
      if (payloadBytes > this.frameBytesMax) return { type: 'too_large', frameBytes: payloadBytes };
      if (payloadBytes === 0) return { type: 'empty_frame' };
      if (this.bufferedBytes < frameHeaderBytes + payloadBytes) break;
      onPayload(this.take(frameHeaderBytes + payloadBytes).subarray(frameHeaderBytes));
    }
    return { type: 'ok' };
  }

  /** Bytes held for an incomplete frame (tests check it stays bounded). */
  buffered(): number {
    return this.bufferedBytes;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= frameHeaderBytes) return first.readUInt32BE(0);
    return this.copyOut(frameHeaderBytes, false).readUInt32BE(0);
  }

  /** Removes and returns the next `bytes` bytes (a view when they lie in one chunk, a copy otherwise). */
  private take(bytes: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= bytes) {
      this.bufferedBytes -= bytes;
      if (first.length === bytes) this.chunks.shift();
      else this.chunks[0] = first.subarray(bytes);
      return first.subarray(0, bytes);
    }
    return this.copyOut(bytes, true);
  }

  private copyOut(bytes: number, consume: boolean): Buffer {
    const out = Buffer.allocUnsafe(bytes);
    let filled = 0;
    let position = 0;
    while (filled < bytes) {
      const chunk = this.chunks[position];
      assert(chunk !== undefined, 'copyOut past the buffered bytes');
      const used = Math.min(chunk.length, bytes - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (consume && used === chunk.length) position++;
      else if (consume) this.chunks[position] = chunk.subarray(used);
      else position++;
    }
    if (consume) {
      this.chunks = this.chunks.slice(position);
      this.bufferedBytes -= bytes;
    }
    return out;
  }
}
