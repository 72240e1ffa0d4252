// A body that is already whole in memory. Most answers through the proxy are small and arrive in
// the same read as their head; carrying them as an ordinary Readable keeps the dispatch contract
// (dispatch.ts: bodies are Readables) while letting the writer see the bytes and send head and body
// in one socket write (server.ts) instead of streaming them chunk by chunk.

import { Readable } from 'node:stream';

class BufferedBody extends Readable {
  /** The body until it is read or taken by bufferedBytes(); undefined afterwards. */
  bytes: Buffer | undefined;

  constructor(bytes: Buffer) {
    super();
    this.bytes = bytes;
  }

  override _read(): void {
    const bytes = this.bytes;
    this.bytes = undefined;
    if (bytes !== undefined && bytes.length > 0) this.push(bytes);
    this.push(null);
  }
}

/** A Readable holding all of `bytes`: pipe, resume, async iteration, destroy and 'close' work as usual. */
export function bufferedBody(bytes: Buffer): Readable {
  return new BufferedBody(bytes);
}

/**
 * The bytes of a bufferedBody() nobody has read yet, taken over by the caller (a later read sees an
 * empty body); undefined for any other Readable. The caller must still end or destroy `body` so
 * that its 'close' fires (whoever made it may release resources on 'close').
 */
export function bufferedBytes(body: Readable): Buffer | undefined {
  if (!(body instanceof BufferedBody) || body.destroyed || body.bytes === undefined) return undefined;
  const bytes = body.bytes;
  body.bytes = undefined;
  return bytes;
}
