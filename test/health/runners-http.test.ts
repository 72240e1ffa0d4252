// Goal: the HTTP runner turns what a real server answers into Consul's statuses and output, honours
// method, headers, body, redirects and the output bound, and gives up at the timeout without
// leaking its socket. Method: a real node:http server on 127.0.0.1:0 per test, one run per case.

import test from 'ava';
import { httpRunner, statusOfHttpCode } from '../../src/health/runners/http.js';
import { type CheckDefinition, checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';
import { closedPort, eventually, startHttpBackend } from './servers.js';

const definition = (fields: Partial<CheckDefinition>): CheckDefinition => ({ ...zeroValue(checkDefinitionSchema), Interval: 1000, ...fields });

async function runOnce(fields: Partial<CheckDefinition>, timeoutMs = 2000, outputBytesMax = 4096) {
  const runner = httpRunner(definition(fields), outputBytesMax, timeoutMs);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    return await runner.run(abort.signal);
  } finally {
    clearTimeout(timer);
    await runner.close();
  }
}

test('status codes: 2xx passing, 429 warning, anything else critical', (t) => {
  t.is(statusOfHttpCode(200), 'passing');
  t.is(statusOfHttpCode(204), 'passing');
  t.is(statusOfHttpCode(299), 'passing');
  t.is(statusOfHttpCode(429), 'warning');
  for (const code of [199, 300, 301, 404, 500, 503]) t.is(statusOfHttpCode(code), 'critical');
});

test('a 200 is passing with Consul-shaped output; a 503 is critical; a 429 warning', async (t) => {
  const backend = await startHttpBackend(t, (_request, response) => response.end('all good'));
  const url = `http://${backend.address}/health`;
  t.deepEqual(await runOnce({ HTTP: url }), { status: 'passing', output: `HTTP GET ${url}: 200 OK Output: all good` });
  backend.handler = (_request, response) => {
    response.statusCode = 503;
    response.end('down');
  };
  t.deepEqual(await runOnce({ HTTP: url }), { status: 'critical', output: `HTTP GET ${url}: 503 Service Unavailable Output: down` });
  backend.handler = (_request, response) => {
    response.statusCode = 429;
    response.end();
  };
  t.is((await runOnce({ HTTP: url })).status, 'warning');
});

test('method, headers and body are sent; Consul\'s User-Agent unless overridden', async (t) => {
  const backend = await startHttpBackend(t);
  await runOnce({ HTTP: `http://${backend.address}/x`, Method: 'post', Header: { 'X-Token': ['a', 'b'], Accept: ['application/json'] }, Body: '{"ping":1}' });
  const seen = backend.requests[0]!;
  t.is(seen.method, 'POST');
  t.is(seen.body, '{"ping":1}');
  t.is(seen.headers['x-token'], 'a, b');
  t.is(seen.headers.accept, 'application/json');
  t.is(seen.headers['user-agent'], 'Consul Health Check');
});

test('redirects are not followed by default nor with DisableRedirects, and followed with DisableRedirects: false', async (t) => {
  const backend = await startHttpBackend(t, (request, response) => {
    if (request.url === '/old') {
      response.statusCode = 302;
      response.setHeader('location', '/new');
      response.end();
    } else response.end('moved here');
  });
  const url = `http://${backend.address}/old`;
  const byDefault = await runOnce({ HTTP: url });
  t.is(byDefault.status, 'critical');
  t.regex(byDefault.output, /302 Found/);
  const kept = await runOnce({ HTTP: url, DisableRedirects: true });
  t.is(kept.status, 'critical');
  t.regex(kept.output, /302 Found/);
  const followed = await runOnce({ HTTP: url, DisableRedirects: false });
  t.is(followed.status, 'passing');
  t.regex(followed.output, /moved here/);
});

test('a huge body keeps only its last bytes (Consul\'s circular buffer)', async (t) => {
  const backend = await startHttpBackend(t, (_request, response) => response.end(`${'x'.repeat(100_000)}THE END`));
  const url = `http://${backend.address}/`;
  const result = await runOnce({ HTTP: url }, 2000, 4096);
  t.is(result.status, 'passing');
  t.is(result.output, `HTTP GET ${url}: 200 OK Output: ${'x'.repeat(4096 - 7)}THE END`);
});

test('an endless body is cut by the timeout: critical, bounded memory', async (t) => {
  const backend = await startHttpBackend(t, (_request, response) => {
    const timer = setInterval(() => response.write('y'.repeat(16_384)), 1);
    response.on('close', () => clearInterval(timer));
  });
  const result = await runOnce({ HTTP: `http://${backend.address}/` }, 300);
  t.is(result.status, 'critical');
});

test('a refused connection is critical, with the error', async (t) => {
  const port = await closedPort();
  const result = await runOnce({ HTTP: `http://127.0.0.1:${port}/` });
  t.is(result.status, 'critical');
  t.regex(result.output, /ECONNREFUSED/);
});

test('a server that never answers: critical at the timeout, and the socket is closed', async (t) => {
  const backend = await startHttpBackend(t, () => undefined);
  const started = Date.now();
  const result = await runOnce({ HTTP: `http://${backend.address}/` }, 300);
  t.is(result.status, 'critical');
  t.true(Date.now() - started < 2000);
  // The runner was closed: the server sees no open connection left.
  await eventually('the backend to see the check connection closed', async () => (await backend.connections()) === 0, 3000);
  t.pass();
});

test('a malformed URL is a critical result, not a crash', async (t) => {
  const result = await runOnce({ HTTP: 'not a url' });
  t.is(result.status, 'critical');
});
