// Goal: gRPC through two built-in sidecars in L7 mode (service-defaults protocol grpc): HTTP/2 from
// the app to its sidecar (prior knowledge), h2 over mesh mTLS (ALPN) between sidecars, h2c to the
// destination app. Checks: a unary call and a bidirectional streaming echo; a header route sends
// marked calls to the v2 subset only; a server error's grpc-status (trailers) reaches the client;
// an L7 deny intention answers PERMISSION_DENIED; a route RequestTimeout ends a slow unary call
// with UNAVAILABLE (Envoy's answer before the head) and a long stream with DEADLINE_EXCEEDED; 100 concurrent calls and a 1 MiB streamed message pass;
// x-request-id, traceparent, tracestate and B3 headers reach the app (the request ID generated
// when absent). Method: one dev agent, grpc-js servers and client, `taxiway connect proxy`
// processes; waits with deadlines.

import * as grpc from '@grpc/grpc-js';
import test from 'ava';
import type { DevAgent } from '../helpers/agent-process.js';
import { echoClient, metadataOf, startGrpcEcho, unary } from '../helpers/grpc-echo.js';
import { eventually, freePort, startProxyProcess, devAgentForFile, registerCaller, sampleTraceHeaders } from '../helpers/mesh.js';

let agent: DevAgent;
const api = devAgentForFile((started) => (agent = started));

test.serial('gRPC unary and bidi streaming, a header route, trailers, PERMISSION_DENIED, trace headers', async (t) => {
  t.timeout(120_000);
  const host = agent.host;
  await api('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'greeter', Protocol: 'grpc' });
  await api('PUT', '/v1/config', { Kind: 'service-resolver', Name: 'greeter', DefaultSubset: 'v1', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } } });
  await api('PUT', '/v1/config', { Kind: 'service-router', Name: 'greeter', Routes: [
      { Match: { HTTP: { Header: [{ Name: 'x-version', Exact: 'v2' }] } }, Destination: { ServiceSubset: 'v2' } },
      { Match: { HTTP: { Header: [{ Name: 'x-deadline', Present: true }] } }, Destination: { RequestTimeout: '500ms' } },
    ],
  });
  await api('PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'greeter',
    Sources: [{ Name: 'caller', Permissions: [{ Action: 'deny', HTTP: { PathExact: '/test.Echo/Secret' } }, { Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
  });
  for (const version of ['v1', 'v2']) {
    const port = await startGrpcEcho(t, host, version);
    await api('PUT', '/v1/agent/service/register', { ID: `greeter-${version}`, Name: 'greeter', Address: host, Port: port, Meta: { version }, Connect: { SidecarService: { Port: await freePort(host), Proxy: { LocalServiceAddress: host } } } });
  }
  const upstreamPort = await registerCaller(api, host, 'caller', 'greeter');
  const v1 = await startProxyProcess(t, agent, ['-sidecar-for', 'greeter-v1']);
  await startProxyProcess(t, agent, ['-sidecar-for', 'greeter-v2']);
  const caller = await startProxyProcess(t, agent, ['-sidecar-for', 'caller']);
  const client = echoClient(t, `${host}:${upstreamPort}`);

  let last: unknown;
  const reached = (version: string, metadata: Record<string, string> = {}) => async () => {
    last = await unary(client, 'Unary', { hello: 1 }, metadata).catch((error: Error) => error.message);
    return (last as { name?: string }).name === version;
  };
  await eventually(reached('v2', { 'x-version': 'v2' }), 30_000, 'v2 reachable').catch((error: Error) => {
    throw new Error(`${error.message}; last answer ${JSON.stringify(last)}\n${caller.output().slice(-3000)}`);
  });
  await eventually(reached('v1'), 30_000, 'v1 reachable');

  // The header route: marked calls go to v2 only, the others to the default subset v1.
  for (let i = 0; i < 10; i++) {
    t.is((await unary(client, 'Unary', { i }, { 'x-version': 'v2' })).name, 'v2');
    t.is((await unary(client, 'Unary', { i })).name, 'v1');
  }

  // Trace context and request IDs reach the destination app unchanged; an ID is made when absent.
  const traceHeaders = { ...sampleTraceHeaders, 'x-request-id': 'req-42' };
  const traced = await unary(client, 'Unary', { trace: true }, traceHeaders);
  t.like(traced.metadata, traceHeaders);
  const generated = (await unary(client, 'Unary', {})).metadata as Record<string, string>;
  t.regex(generated['x-request-id'] ?? '', /^[0-9a-f-]{36}$/);

  // A server error travels in the trailers and reaches the client as is.
  const failed = await unary(client, 'Unary', { fail: true }).catch((error: grpc.ServiceError) => error);
  t.like(failed, { code: grpc.status.NOT_FOUND, details: 'v1: nothing here' });

  // L7 intention: Secret is denied per call, answered the way Envoy's RBAC filter does for gRPC.
  const denied = await unary(client, 'Secret', {}).catch((error: grpc.ServiceError) => error);
  t.like(denied, { code: grpc.status.PERMISSION_DENIED, details: 'RBAC: access denied' });
  await eventually(() => Promise.resolve(v1.stdout().includes('"grpc_status":7')), 5000, 'the denial in the access log');

  // Bidirectional streaming: messages flow both ways on one call, then it ends with status OK.
  const chat = client.Chat();
  const echoes: unknown[] = [];
  const ended = new Promise<grpc.StatusObject>((resolve) => chat.on('status', resolve));
  chat.on('data', (message: unknown) => {
    echoes.push(message);
    if (echoes.length < 3) chat.write({ n: echoes.length });
    else chat.end();
  });
  chat.write({ n: 0 });
  const status = await ended;
  t.is(status.code, grpc.status.OK);
  t.deepEqual(echoes, [0, 1, 2].map((n) => ({ name: 'v1', echo: { n } })));
  await eventually(() => Promise.resolve(caller.stdout().includes('"path":"/test.Echo/Chat"')), 5000, 'the stream in the access log');
  const line = caller.stdout().split('\n').find((text) => text.includes('"path":"/test.Echo/Chat"')) ?? '{}';
  t.like(JSON.parse(line), { upstream: 'greeter', protocol: 'grpc', status: 200, grpc_status: 0, route: '2' });

  // Many calls at once share the sessions (multiplexed); a 1 MiB message crosses the flow control of every hop.
  const many = await Promise.all(Array.from({ length: 100 }, (_, i) => unary(client, 'Unary', { i })));
  t.deepEqual(many.map((answer) => (answer.got as { i: number }).i), Array.from({ length: 100 }, (_, i) => i));
  const bigChat = client.Chat();
  const big = 'y'.repeat(1024 * 1024);
  const bigEcho = new Promise((resolve) => bigChat.once('data', resolve));
  bigChat.write({ big });
  t.deepEqual(await bigEcho, { name: 'v1', echo: { big } });
  bigChat.end();

  // The route timeout: before any answer (a slow unary call) and after the head (a stream left open).
  const slow = await unary(client, 'Unary', { delayMs: 5000 }, { 'x-deadline': '1' }).catch((error: grpc.ServiceError) => error);
  t.like(slow, { code: grpc.status.UNAVAILABLE, details: 'upstream request timeout' }, 'as Envoy answers a route timeout before the head');
  const open = client.Chat(metadataOf({ 'x-deadline': '1' }));
  const first = new Promise((resolve) => open.once('data', resolve));
  const cut = new Promise<grpc.StatusObject>((resolve) => open.on('status', resolve));
  open.on('error', () => undefined);
  open.write({ n: 'once' });
  t.deepEqual(await first, { name: 'v1', echo: { n: 'once' } });
  t.like(await cut, { code: grpc.status.DEADLINE_EXCEEDED, details: 'upstream request timeout' });
});
