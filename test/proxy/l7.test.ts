// Goal: each L7 wrapper and the chain router do exactly what their config says, with time and
// chance injected: split draws, route matching (path, header, query, method) and rewrite, retry
// counts/conditions/backoff/budget, timeout at the exact tick, circuit-breaker overflow and
// hand-over, fault-injection rates. Method: ManualClock and SeededRandom; dispatch stubs.

import { Readable } from 'node:stream';
import test from 'ava';
import { compileDiscoveryChain } from '../../src/connect/discovery-chain.js';
import type { ConfigEntry } from '../../src/structs/config-entry.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { withCircuitBreaker } from '../../src/proxy/l7/circuit-breaker.js';
import { type Dispatch, DispatchError, type L7Request, type L7Response } from '../../src/proxy/l7/dispatch.js';
import { withFaults } from '../../src/proxy/l7/fault-injection.js';
import { circuitLimitsOf, faultPolicyOf, retryPolicyOf, routeFaultPolicyOf, timeoutMsOf } from '../../src/proxy/l7/policy.js';
import { backoffMs, withRetry } from '../../src/proxy/l7/retry.js';
import { rewritePath, routeRequest } from '../../src/proxy/l7/router.js';
import { pickSplit } from '../../src/proxy/l7/split.js';
import { withTimeout } from '../../src/proxy/l7/timeout.js';
import { loadBalancersOf } from '../../src/proxy/l7/targets.js';
import { factsOf } from '../../src/proxy/l7/upstream-http.js';

const request: L7Request = { method: 'GET', path: '/', headers: {}, body: Buffer.alloc(0) };
const ok = (status = 200): L7Response => ({ status, headers: {}, body: Readable.from([]) });
const signal = new AbortController().signal;

/** Flushes promise callbacks between manual clock steps. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('pickSplit: cumulative ranges over one draw; zero weights never picked', (t) => {
  const splits = [{ Weight: 90, name: 'a' }, { Weight: 0, name: 'z' }, { Weight: 10, name: 'b' }];
  const fixed = (value: number) => ({ float: () => value, int: () => 0, uuid: () => '' });
  t.is(pickSplit(splits, fixed(0))?.name, 'a');
  t.is(pickSplit(splits, fixed(0.8999))?.name, 'a');
  t.is(pickSplit(splits, fixed(0.9))?.name, 'b');
  t.is(pickSplit([{ Weight: 0 }], fixed(0.5)), undefined);
  const random = new SeededRandom(7);
  let a = 0;
  for (let i = 0; i < 10_000; i++) if (pickSplit(splits, random)?.name === 'a') a++;
  t.true(Math.abs(a - 9000) < 300, `seeded 90/10 over 10,000 draws: ${a}`);
});

const entries = (list: ConfigEntry[]) => (kind: string, name: string) => list.find((entry) => entry.Kind === kind && entry.Name === name);
const entry = (fields: Record<string, unknown>) => fields as unknown as ConfigEntry;

test('routeRequest: router matches in order, then splitter, then resolver subsets', (t) => {
  const chain = compileDiscoveryChain({
    serviceName: 'api',
    datacenter: 'dc1',
    trustDomain: 'td.consul',
    protocolOf: () => 'http',
    entry: entries([
      entry({
        Kind: 'service-router',
        Name: 'api',
        Routes: [
          { Match: { HTTP: { PathPrefix: '/admin', Header: [{ Name: 'x-debug', Exact: '1' }] } }, Destination: { ServiceSubset: 'v2', PrefixRewrite: '/', RequestTimeout: '2s', NumRetries: 2 } },
          { Match: { HTTP: { QueryParam: [{ Name: 'canary', Present: true }], Methods: ['GET'] } }, Destination: { ServiceSubset: 'v2' } },
        ],
      }),
      entry({ Kind: 'service-splitter', Name: 'api', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] }),
      entry({ Kind: 'service-resolver', Name: 'api', Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } } }),
    ]),
  });
  const facts = (path: string, headers: Record<string, string> = {}, method = 'GET') => factsOf({ method, path, headers, body: Buffer.alloc(0) });
  const fixed = (value: number) => ({ float: () => value, int: () => 0, uuid: () => '' });
  const admin = routeRequest(chain, facts('/admin/x', { 'x-debug': '1' }), fixed(0));
  t.deepEqual(admin?.targets, ['v2.api.default.default.dc1']);
  t.is(admin?.route, '0');
  t.is(rewritePath('/admin/x', chain.Nodes[chain.StartNode]?.Routes?.[0]?.Definition as Record<string, unknown>, admin?.destination ?? {}), '//x');
  t.is(timeoutMsOf(admin?.destination ?? {}), 2000);
  t.like(retryPolicyOf(admin?.destination ?? {}), { numRetries: 2, retryOnConnectFailure: false });
  t.is(routeRequest(chain, facts('/admin/x'), fixed(0))?.route, '2', 'header missing: falls to the catch-all');
  t.deepEqual(routeRequest(chain, facts('/p?canary'), fixed(0.99))?.targets, ['v2.api.default.default.dc1']);
  t.is(routeRequest(chain, facts('/p?canary', {}, 'POST'), fixed(0))?.route, '2', 'method not listed');
  t.deepEqual(routeRequest(chain, facts('/other'), fixed(0.5))?.targets, ['v1.api.default.default.dc1'], 'catch-all → splitter 90 %');
  t.deepEqual(routeRequest(chain, facts('/other'), fixed(0.95))?.targets, ['v2.api.default.default.dc1'], 'catch-all → splitter 10 %');
});

test('retry: retries 5xx and connect failures up to NumRetries with jittered backoff; not other errors', async (t) => {
  const clock = new ManualClock();
  const random = new SeededRandom(3);
  const statuses = [503, 502, 200];
  let calls = 0;
  const flaky: Dispatch = () => Promise.resolve(ok(statuses[calls++] ?? 200));
  const retried = withRetry(flaky, { numRetries: 2, retryOnConnectFailure: false, retryOnStatusCodes: [], retryOn5xx: true }, clock, random);
  const pending = retried(request, signal);
  for (let i = 0; i < 5; i++) {
    await settle();
    clock.advance(backoffMsMax);
  }
  const response = await pending;
  t.is(response.status, 200);
  t.is(response.attempts, 3);

  calls = 0;
  const onlyCodes = withRetry(flaky, { numRetries: 5, retryOnConnectFailure: false, retryOnStatusCodes: [503], retryOn5xx: false }, clock, random);
  const second = onlyCodes(request, signal);
  for (let i = 0; i < 5; i++) {
    await settle();
    clock.advance(backoffMsMax);
  }
  t.like(await second, { status: 502, attempts: 2 }, '502 is not in RetryOnStatusCodes');

  let connects = 0;
  const refusing: Dispatch = () => (connects++ < 1 ? Promise.reject(new DispatchError('connect', 'refused')) : Promise.resolve(ok()));
  const onConnect = withRetry(refusing, retryPolicyOf({ RetryOnConnectFailure: true, NumRetries: 1 }), clock, random);
  const third = onConnect(request, signal);
  await settle();
  clock.advance(backoffMsMax);
  t.like(await third, { status: 200, attempts: 2 });
  const resets = withRetry(() => Promise.reject(new DispatchError('reset', 'reset')), retryPolicyOf({ RetryOnConnectFailure: true, NumRetries: 3 }), clock, random);
  await t.throwsAsync(resets(request, signal), { message: 'reset' });
  for (let retry = 0; retry < 6; retry++) t.true(backoffMs(retry, random) < Math.min(250, 25 * 2 ** retry));
});
const backoffMsMax = 250;

test('timeout: 504 exactly at the deadline, not before', async (t) => {
  const clock = new ManualClock();
  let aborted = false;
  const never: Dispatch = (_request, inner) =>
    new Promise(() => {
      inner.addEventListener('abort', () => (aborted = true));
    });
  const timed = withTimeout(never, clock, 1000);
  let outcome: unknown;
  timed(request, signal).catch((error: unknown) => (outcome = error));
  clock.advance(999);
  await settle();
  t.is(outcome, undefined);
  clock.advance(1);
  await settle();
  t.true(outcome instanceof DispatchError && outcome.kind === 'timeout');
  t.true(aborted, 'the upstream request is aborted');
  t.is(withTimeout(never, clock, 0), never, '0 = no timeout');
});

function slowDispatch(): { dispatch: Dispatch; releases: (() => void)[]; started: () => number } {
  const releases: (() => void)[] = [];
  let started = 0;
  const dispatch: Dispatch = () => {
    started++;
    const body = new Readable({ read() {} });
    releases.push(() => {
      body.push(null);
      body.resume();
    });
    return Promise.resolve({ status: 200, headers: {}, body });
  };
  return { dispatch, releases, started: () => started };
}

test('circuit breaker: max_connections on the wire, max_pending waiting, overflow beyond; connection handed over', async (t) => {
  const slow = slowDispatch();
  const limited = withCircuitBreaker(slow.dispatch, circuitLimitsOf({ limits: { max_connections: 2, max_pending_requests: 1 } }));
  const first = await limited(request, signal);
  await limited(request, signal);
  const third = limited(request, signal);
  const overflow = await limited(request, signal);
  t.is(overflow.status, 503);
  t.is(overflow.headers['x-envoy-overloaded'], 'true', "Envoy's overflow header");
  t.is(slow.started(), 2);
  slow.releases[0]?.();
  first.body.resume();
  await new Promise((resolve) => first.body.once('close', resolve));
  t.is((await third).status, 200);
  t.is(slow.started(), 3, 'the waiter got the released connection');
});

test('circuit breaker: max_concurrent_requests refuses at once (no queue); a cancelled waiter leaves the queue', async (t) => {
  const slow = slowDispatch();
  const limited = withCircuitBreaker(slow.dispatch, circuitLimitsOf({ MaxConcurrentRequests: 1 }));
  t.is(limited, slow.dispatch, 'keys must sit under limits');
  const concurrent = withCircuitBreaker(slow.dispatch, circuitLimitsOf({ limits: { MaxConcurrentRequests: 2 } }));
  await concurrent(request, signal);
  await concurrent(request, signal);
  t.is((await concurrent(request, signal)).status, 503);
  t.deepEqual(circuitLimitsOf({ limits: { max_connections: 3 } }), { maxConnections: 3, maxConcurrentRequests: 0, maxPendingRequests: 1024 });
  const queued = withCircuitBreaker(slowDispatch().dispatch, circuitLimitsOf({ limits: { max_connections: 1, max_pending_requests: 1 } }));
  await queued(request, signal);
  const controller = new AbortController();
  const waiter = queued(request, controller.signal);
  controller.abort();
  await t.throwsAsync(waiter, { instanceOf: DispatchError });
  const next = await Promise.race([queued(request, signal).then((response) => response.status), settle().then(() => 'queued')]);
  t.is(next, 'queued', 'the freed pending slot takes a new waiter (no overflow)');
});

test('fault policies: EnvoyExtensions builtin/fault-injection, route FaultInjection, deprecated alias', (t) => {
  const extension = { envoy_extensions: [{ Name: 'builtin/fault-injection', Arguments: { Config: { Abort: { HttpStatus: 503, Percentage: 20 }, Delay: { Duration: 200, Percentage: 30 } } } }] };
  t.deepEqual(faultPolicyOf(extension), { abortPercent: 20, abortStatus: 503, delayPercent: 30, delayMs: 200 });
  t.deepEqual(faultPolicyOf({ ...extension, fault_injection: { abort_percent: 99 } }).abortPercent, 20, 'the extension wins over the alias');
  t.deepEqual(faultPolicyOf({ fault_injection: { abort_percent: 5, abort_status: 418 } }), { abortPercent: 5, abortStatus: 418, delayPercent: 0, delayMs: 0 });
  t.deepEqual(routeFaultPolicyOf({ FaultInjection: { Abort: { HttpStatus: 429, Percentage: 100 } } }), { abortPercent: 100, abortStatus: 429, delayPercent: 0, delayMs: 0 });
  t.is(routeFaultPolicyOf({}).abortPercent, 0);
  t.deepEqual(routeFaultPolicyOf({ FaultInjection: { Abort: { GrpcStatus: 14, Percentage: 10 } } }), { abortPercent: 10, abortStatus: 503, abortGrpcStatus: 14, delayPercent: 0, delayMs: 0 });
});

test('fault injection: an Abort with GrpcStatus answers trailers-only gRPC with that status', async (t) => {
  const faulty = withFaults(() => Promise.resolve(ok()), routeFaultPolicyOf({ FaultInjection: { Abort: { GrpcStatus: 8, Percentage: 100 } } }), new ManualClock(), new SeededRandom(3));
  const answer = await faulty(request, signal);
  t.is(answer.status, 200);
  t.like(answer.headers, { 'content-type': 'application/grpc', 'grpc-status': '8', 'grpc-message': 'fault filter abort', 'x-taxiway-fault': 'abort' });
});

test('fault injection: abort and delay rates follow the seeded random exactly', async (t) => {
  const clock = new ManualClock();
  const policy = faultPolicyOf({ fault_injection: { abort_percent: 25, abort_status: 418 } });
  const faulty = withFaults(() => Promise.resolve(ok()), policy, clock, new SeededRandom(11));
  const counts = new Map<number, number>();
  for (let i = 0; i < 2000; i++) {
    const status = (await faulty(request, signal)).status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  const expected = new SeededRandom(11);
  let aborts = 0;
  for (let i = 0; i < 2000; i++) if (expected.float() * 100 < 25) aborts++;
  t.is(counts.get(418), aborts, 'exactly the draws under 25 %');
  t.true(Math.abs(aborts - 500) < 80);

  const delayed = withFaults(() => Promise.resolve(ok()), faultPolicyOf({ fault_injection: { delay_percent: 100, delay_ms: 300 } }), clock, new SeededRandom(1));
  let done = false;
  void delayed(request, signal).then(() => (done = true));
  clock.advance(299);
  await settle();
  t.false(done);
  clock.advance(1);
  await settle();
  await settle();
  t.true(done);
});

test('loadBalancersOf: a failover target takes the load balancer of the resolver failing over to it', (t) => {
  const ringHash = { Policy: 'ring_hash', HashPolicies: [{ Field: 'header', FieldValue: 'x-user' }] };
  const chain = compileDiscoveryChain({
    serviceName: 'api',
    datacenter: 'dc1',
    trustDomain: 'td.consul',
    protocolOf: () => 'http',
    entry: entries([entry({ Kind: 'service-resolver', Name: 'api', LoadBalancer: ringHash, Failover: { '*': { Service: 'api-backup' } } })]),
  });
  const balancers = loadBalancersOf(chain);
  t.deepEqual(balancers.get('api.default.default.dc1'), ringHash);
  t.deepEqual(balancers.get('api-backup.default.default.dc1'), ringHash, 'failover target: the primary resolver node’s policy');
  t.is(Object.keys(chain.Targets).length, 2);
});
