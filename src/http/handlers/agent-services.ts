// /v1/agent/services, /v1/agent/service/*: the services registered on this agent.

import { agentService, contentHash } from '../../agent/agent-view.js';
import type { Agent } from '../../agent/agent.js';
import { deregisterService, registerService } from '../../agent/registrations.js';
import { effectiveWaitMs } from '../../catalog/blocking-query.js';
import { applyFilter, compileFilter } from '../../filter/index.js';
import { notFound } from '../../lib/errors.js';
import { agentServiceFilterSchema, serviceDefinitionSchema } from '../../structs/service.js';
import { decodeBody } from '../decode-body.js';
import { first, has, parseWait, rejectEnterpriseParams } from '../query-options.js';
import { empty, type HttpResult, json } from '../result.js';
import { type ApiRequest, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

function listServices(request: ApiRequest): Promise<HttpResult> {
  rejectEnterpriseParams(request.params, request.headers);
  const { agent } = request;
  const expression = first(request.params, 'filter');
  const filter = expression === '' ? undefined : compileFilter(expression, agentServiceFilterSchema);
  const views = agent.local.services().map((local) => agentService(local, agent.config.datacenter));
  const out: Record<string, unknown> = {};
  // Keys in order, as Go encodes maps.
  for (const view of [...applyFilter(views, filter)].sort((a, b) => (String(a.ID) < String(b.ID) ? -1 : 1))) out[String(view.ID)] = view;
  return Promise.resolve(json(out));
}

function currentView(agent: Agent, id: string): { view: Record<string, unknown>; hash: string } {
  const local = agent.local.service(id);
  if (local === undefined) throw notFound(`unknown service ID: ${id}`);
  const view = agentService(local, agent.config.datacenter);
  return { view, hash: contentHash(view) };
}

/** Hash-based blocking (Consul's LocalBlockingQuery): with ?hash=, wait until the content hash differs. */
async function getService(request: ApiRequest): Promise<HttpResult> {
  const { agent } = request;
  const id = requiredPathRest(request, 'Missing service ID');
  const { maxQueryTimeMs } = parseWait(request.params);
  const wantedHash = first(request.params, 'hash');
  let current = currentView(agent, id);
  if (wantedHash !== '' && current.hash === wantedHash) {
    const deadlineMs = agent.deps.clock.monotonicMs() + effectiveWaitMs(maxQueryTimeMs, agent.deps.random);
    while (current.hash === wantedHash && !request.signal.aborted) {
      const remainingMs = deadlineMs - agent.deps.clock.monotonicMs();
      if (remainingMs <= 0) break;
      await waitForLocalChange(agent, remainingMs, request.signal);
      current = currentView(agent, id);
    }
  }
  return json({ ...current.view, ContentHash: current.hash }, { 'X-Consul-ContentHash': current.hash });
}

function waitForLocalChange(agent: Agent, timeoutMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      stopListening();
      timer.cancel();
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const stopListening = agent.local.onChange(finish);
    const timer = agent.deps.clock.setTimer(timeoutMs, finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}

async function register(request: ApiRequest): Promise<HttpResult> {
  const options = writeOptionsOf(request);
  const definition = decodeBody(request.body, serviceDefinitionSchema);
  const replace = has(request.params, 'replace-existing-checks') && ['', 'true'].includes(first(request.params, 'replace-existing-checks'));
  await registerService(request.agent, definition, { source: 'api', token: options.token, replaceExistingChecks: replace });
  return empty;
}

export const agentServiceRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/agent/services', handler: listServices },
  { method: 'GET', path: '/v1/agent/service/*', handler: getService },
  { method: 'PUT', path: '/v1/agent/service/register', handler: register },
  {
    method: 'PUT',
    path: '/v1/agent/service/deregister/*',
    handler: async (request) => {
      writeOptionsOf(request);
      await deregisterService(request.agent, requiredPathRest(request, 'Missing service ID'));
      return empty;
    },
  },
];
