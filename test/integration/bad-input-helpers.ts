// Shared fixture for the bad-input-*.test.ts files: a real dev agent seeded with a known state
// (agent services and checks, a catalog-only node), raw HTTP through an undici Pool (paths are sent
// exactly as written, never normalised), a snapshot of everything a bad request could change, and
// one assertion that bundles the issue's contract for a rejected request: Consul's status, a single
// line of plain text naming the problem, the agent still answering, and the state unchanged.

import type { ExecutionContext } from 'ava';
import { Pool } from 'undici';
import { type DevAgent, startAgent } from '../helpers/agent-process.js';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
}

export interface Call {
  readonly method: string;
  /** Sent on the wire as written: no URL normalisation, no re-encoding. */
  readonly path: string;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Fixture {
  readonly agent: DevAgent;
  readonly pool: Pool;
  send(call: Call): Promise<Reply>;
}

/** Everything a rejected request must leave alone. */
export interface StateSnapshot {
  readonly catalogServicesIndex: string | undefined;
  readonly catalogServices: unknown;
  readonly catalogNodes: unknown;
  readonly agentServices: unknown;
  readonly agentChecks: unknown;
  readonly healthChecks: unknown;
}

/** Per-request deadline: a request that gets no answer in this time counts as a hang. */
const replyDeadlineMs = 5_000;
const settleDeadlineMs = 10_000;

function clip(text: string, length = 300): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

export function describeCall(call: Call): string {
  const text = call.body === undefined ? undefined : call.body.toString();
  const body = text === undefined ? '' : ` body=${text.length > 70 ? `${text.slice(0, 60)}… (${text.length} bytes)` : text}`;
  const path = call.path.length > 120 ? `${call.path.slice(0, 100)}… (${call.path.length} chars)` : call.path;
  return `${call.method} ${path}${body}`;
}

async function sendWith(pool: Pool, call: Call): Promise<Reply> {
  const response = await pool.request({
    method: call.method,
    path: call.path,
    body: call.body,
    headers: call.headers,
    headersTimeout: replyDeadlineMs,
    bodyTimeout: replyDeadlineMs,
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** Polls `check` until it returns true, failing after `deadlineMs`; for conditions with no event to wait on. */
export async function waitFor(what: string, check: () => Promise<boolean>, deadlineMs = settleDeadlineMs): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function json(fixture: Fixture, path: string): Promise<{ reply: Reply; value: unknown }> {
  const reply = await fixture.send({ method: 'GET', path });
  if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${reply.text}`);
  return { reply, value: JSON.parse(reply.text) as unknown };
}

async function put(fixture: Fixture, path: string, body?: unknown): Promise<void> {
  const reply = await fixture.send({ method: 'PUT', path, body: body === undefined ? undefined : JSON.stringify(body) });
  if (reply.status !== 200) throw new Error(`PUT ${path}: ${reply.status} ${reply.text}`);
}

/** The seeded state, by name, so tests can aim bad requests at things that exist. */
export const seeded = {
  serviceName: 'web',
  serviceId: 'web-1',
  serviceCheckId: 'service:web-1',
  /** A node-level TTL check, passing with output "ok". */
  ttlCheckId: 'disk',
  /**
   * An HTTP check with a one-hour interval: not a TTL check. Its first run comes at a random
   * point of the hour (Consul staggers it), so it may run during a test: snapshots leave out the
   * status and output its runs set.
   */
  httpCheckId: 'http-probe',
  externalNode: 'ext-1',
  externalServiceId: 'db-1',
} as const;

/**
 * Starts an agent, waits for its leader and node, and registers: service web-1 (TTL check), node
 * checks disk (TTL, passing) and http-probe (HTTP, 1h interval), and through the catalog a node
 * ext-1 with service db-1 and a check. Resolves once the catalog shows all of it.
 */
export async function startSeededAgent(t: ExecutionContext): Promise<Fixture> {
  const agent = await startAgent(t);
  const pool = new Pool(agent.baseUrl, { connections: 16, headersTimeout: replyDeadlineMs, bodyTimeout: replyDeadlineMs });
  t.teardown(() => pool.destroy());
  const fixture: Fixture = { agent, pool, send: (call) => sendWith(pool, call) };
  await waitFor('a leader and the agent node in the catalog', async () => {
    const leader = await fixture.send({ method: 'GET', path: '/v1/status/leader' });
    const nodes = await fixture.send({ method: 'GET', path: '/v1/catalog/nodes' });
    return leader.status === 200 && leader.text !== '""' && nodes.status === 200 && (JSON.parse(nodes.text) as unknown[]).length > 0;
  });
  await put(fixture, '/v1/agent/service/register', { Name: seeded.serviceName, ID: seeded.serviceId, Port: 8080, Tags: ['v1'], Meta: { version: '1' }, Check: { TTL: '10m' } });
  await put(fixture, '/v1/agent/check/register', { Name: seeded.ttlCheckId, TTL: '10m' });
  await put(fixture, `/v1/agent/check/pass/${seeded.ttlCheckId}?note=ok`);
  await put(fixture, '/v1/agent/check/register', { Name: seeded.httpCheckId, HTTP: 'http://127.0.0.1:1/', Interval: '1h' });
  await put(fixture, '/v1/catalog/register', {
    Node: seeded.externalNode,
    Address: '10.0.0.1',
    Service: { ID: seeded.externalServiceId, Service: 'db', Port: 5432 },
    Check: { CheckID: 'db-alive', Name: 'db alive', Status: 'passing', ServiceID: seeded.externalServiceId },
  });
  await waitFor('the seeded state in the catalog', async () => {
    const services = (await json(fixture, '/v1/catalog/services')).value as Record<string, unknown>;
    const checks = (await json(fixture, '/v1/health/state/any')).value as { CheckID: string; Status: string }[];
    const ids = new Set(checks.map((check) => check.CheckID));
    return 'web' in services && 'db' in services && ['disk', 'http-probe', 'service:web-1', 'db-alive'].every((id) => ids.has(id)) && checks.some((check) => check.CheckID === 'disk' && check.Status === 'passing');
  });
  return fixture;
}

export async function snapshot(fixture: Fixture): Promise<StateSnapshot> {
  const services = await json(fixture, '/v1/catalog/services');
  const index = services.reply.headers['x-consul-index'];
  return {
    catalogServicesIndex: Array.isArray(index) ? index.join(',') : index,
    catalogServices: services.value,
    catalogNodes: (await json(fixture, '/v1/catalog/nodes')).value,
    agentServices: (await json(fixture, '/v1/agent/services')).value,
    agentChecks: withoutRunResults((await json(fixture, '/v1/agent/checks')).value),
    healthChecks: withoutRunResults((await json(fixture, '/v1/health/state/any')).value),
  };
}

/** The checks with the http-probe check's run results (Status, Output, ModifyIndex) left out. */
function withoutRunResults(checks: unknown): unknown {
  const strip = (check: unknown): unknown => {
    if (typeof check !== 'object' || check === null || (check as { CheckID?: unknown }).CheckID !== seeded.httpCheckId) return check;
    const { Status: _status, Output: _output, ModifyIndex: _modifyIndex, ...rest } = check as Record<string, unknown>;
    return rest;
  };
  if (Array.isArray(checks)) return checks.map(strip);
  if (typeof checks !== 'object' || checks === null) return checks;
  return Object.fromEntries(Object.entries(checks).map(([id, check]) => [id, strip(check)]));
}

/** The process is running and /v1/agent/self answers 200. */
export async function assertAlive(t: ExecutionContext, fixture: Fixture, after: string): Promise<void> {
  t.deepEqual(await livenessProblems(fixture, after), []);
}

async function livenessProblems(fixture: Fixture, after: string): Promise<string[]> {
  if (fixture.agent.child.exitCode !== null) return [`agent exited (code ${fixture.agent.child.exitCode}) after ${after}:\n${fixture.agent.output()}`];
  try {
    const self = await fixture.send({ method: 'GET', path: '/v1/agent/self' });
    return self.status === 200 ? [] : [`/v1/agent/self answered ${self.status} after ${after}`];
  } catch (error) {
    return [`/v1/agent/self failed after ${after}: ${(error as Error).message}`];
  }
}

export interface Rejection {
  readonly status: number;
  /** The whole one-line body, or a pattern it must match. */
  readonly message: string | RegExp;
  /** Response headers that must have exactly these values (names in lower case). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What is wrong with `reply` as a rejection: status, Content-Type text/plain, one non-empty line, message, headers. */
export function replyProblems(reply: Reply, expected: Rejection, label: string): string[] {
  const problems: string[] = [];
  const shown = JSON.stringify(reply.text.length > 300 ? `${reply.text.slice(0, 300)}…` : reply.text);
  if (reply.status !== expected.status) problems.push(`${label}: status ${reply.status}, expected ${expected.status} (body ${shown})`);
  const contentType = String(reply.headers['content-type']);
  if (!/^text\/plain\b/.test(contentType)) problems.push(`${label}: Content-Type ${contentType}, expected text/plain (body ${shown})`);
  // Consul's 404 for an unknown route ends in a newline (Fprintln); nothing else may.
  const line = reply.text.endsWith('\n') ? reply.text.slice(0, -1) : reply.text;
  if (line.trim() === '') problems.push(`${label}: empty body`);
  else if (/[\r\n]/.test(line)) problems.push(`${label}: body is not one line: ${shown}`);
  const matches = typeof expected.message === 'string' ? line === expected.message : expected.message.test(line);
  if (!matches && line.trim() !== '') problems.push(`${label}: message ${shown}, expected ${typeof expected.message === 'string' ? JSON.stringify(expected.message) : String(expected.message)}`);
  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    if (reply.headers[name] !== value) problems.push(`${label}: header ${name} ${JSON.stringify(reply.headers[name])}, expected ${JSON.stringify(value)}`);
  }
  return problems;
}

/**
 * Sends `call` and lists everything that breaks the contract: the answer, liveness, unchanged
 * state. `before` may be passed in (the previous request's `after`) to save a snapshot.
 */
export async function rejectionProblems(fixture: Fixture, call: Call, expected: Rejection, before?: StateSnapshot): Promise<{ problems: string[]; after?: StateSnapshot }> {
  const label = describeCall(call);
  const start = before ?? (await snapshot(fixture));
  let reply: Reply;
  try {
    reply = await fixture.send(call);
  } catch (error) {
    return { problems: [`${label}: no answer: ${(error as Error).message}`, ...(await livenessProblems(fixture, label))] };
  }
  const problems = [...replyProblems(reply, expected, label), ...(await livenessProblems(fixture, label))];
  if (fixture.agent.child.exitCode !== null) return { problems };
  const after = await snapshot(fixture);
  for (const key of Object.keys(start) as (keyof StateSnapshot)[]) {
    const [was, now] = [JSON.stringify(start[key]), JSON.stringify(after[key])];
    if (was !== now) problems.push(`${label}: state changed: ${key} ${clip(was)} → ${clip(now)}`);
  }
  return { problems, after };
}

export interface Case extends Rejection {
  readonly call: Call;
}

/**
 * Sends every case in turn and fails once, at the end, with the list of everything that went
 * wrong, so that one misbehaving request does not hide the others.
 */
export async function expectAllRejected(t: ExecutionContext, fixture: Fixture, cases: readonly Case[]): Promise<void> {
  const problems: string[] = [];
  let state: StateSnapshot | undefined;
  for (const { call, ...expected } of cases) {
    const result = await rejectionProblems(fixture, call, expected, state);
    problems.push(...result.problems);
    state = result.after;
    if (fixture.agent.child.exitCode !== null) break;
  }
  t.deepEqual(problems, [], `${problems.length} problem(s) over ${cases.length} requests`);
}
