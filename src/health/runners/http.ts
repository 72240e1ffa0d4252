// HTTP checks: one request per run, as Consul's CheckHTTP makes it. 2xx is passing, 429 (Too Many
// Requests: alive but shedding load) is warning, anything else or no answer is critical. The body
// is read to its end (so the connection can be reused) keeping only its last bytes, as Consul's
// circular buffer does; an endless body is cut by the timeout, and memory stays a few KiB.
// Redirects are not followed unless the definition says `DisableRedirects: false` (then up to Go's
// 10, as Consul's client does): a check that lands on a login page or a moved path should say so.
// Each check keeps its own small keep-alive pool, so TLS settings never leak between checks and a
// run against a healthy backend reuses its connection.

import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher, interceptors, request } from 'undici';
import { limits } from '../../lib/limits.js';
import type { CheckDefinition } from '../../structs/check.js';
import { TailOutput } from '../output.js';
import type { CheckResult } from '../status.js';
import { type CheckRunner, critical, errorText } from './runner.js';

const defaultHeaders: Record<string, string> = { 'user-agent': 'Consul Health Check', accept: 'text/plain, text/*, */*' };

export function statusOfHttpCode(code: number): CheckResult['status'] {
  if (code >= 200 && code <= 299) return 'passing';
  if (code === 429) return 'warning';
  return 'critical';
}

/** Header names are case-insensitive: a definition's own User-Agent or Accept replaces ours. */
function headersOf(definition: CheckDefinition): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = { ...defaultHeaders };
  for (const [name, values] of Object.entries(definition.Header)) headers[name.toLowerCase()] = values;
  return headers;
}

export function httpRunner(definition: CheckDefinition, outputBytesMax: number, timeoutMs: number): CheckRunner {
  const method = definition.Method === '' ? 'GET' : definition.Method.toUpperCase();
  const target = definition.HTTP;
  const pool = new Agent({
    connections: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs, rejectUnauthorized: !definition.TLSSkipVerify, ...(definition.TLSServerName === '' ? {} : { servername: definition.TLSServerName }) },
  });
  const dispatcher: Dispatcher = definition.DisableRedirects !== false ? pool : pool.compose(interceptors.redirect({ maxRedirections: limits.httpCheckRedirectsMax }));
  const headers = headersOf(definition);
  const body = definition.Body === '' ? undefined : definition.Body;
  return {
    async run(signal: AbortSignal): Promise<CheckResult> {
      try {
        const response = await request(target, { dispatcher, method, headers, body, signal });
        const output = new TailOutput(outputBytesMax);
        for await (const chunk of response.body as AsyncIterable<Buffer>) output.push(chunk);
        const statusText = STATUS_CODES[response.statusCode] ?? '';
        return { status: statusOfHttpCode(response.statusCode), output: `HTTP ${method} ${target}: ${response.statusCode} ${statusText} Output: ${output.tail()}` };
      } catch (error) {
        return critical(`HTTP ${method} ${target}: ${errorText(error)}`);
      }
    },
    close: () => pool.destroy(),
  };
}
