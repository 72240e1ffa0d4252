// The HTTP edges the L7 listeners share: a request body read whole but bounded, and a dispatch
// response written back without the hop-by-hop headers of the upstream connection.

import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { limits } from '../../lib/limits.js';
import type { L7Response } from './dispatch.js';

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

const hopByHopResponse = new Set(['connection', 'keep-alive', 'transfer-encoding']);

export function writeResponse(response: ServerResponse, result: L7Response): void {
  const headers: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(result.headers)) if (value !== undefined && !hopByHopResponse.has(key)) headers[key] = value;
  response.writeHead(result.status, headers);
  result.body.on('error', () => response.destroy());
  result.body.pipe(response);
}
