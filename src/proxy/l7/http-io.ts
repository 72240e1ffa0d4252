// A request body read whole but bounded, for the HTTP/2 listener's buffered (retryable) requests
// (upstream-h2.ts); the HTTP/1.1 listeners' codec (h1/server.ts) bounds its own.

import type { Readable } from 'node:stream';
import { limits } from '../../lib/limits.js';

/** The body, or undefined when it exceeds limits.proxyRequestBodyBytesMax (answer 413). */
export function readBody(request: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.proxyRequestBodyBytesMax) {
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
