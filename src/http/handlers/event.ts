// /v1/event/fire/<name> and /v1/event/list (agent/event_endpoint.go). The list blocks while its
// index (derived from the newest event's ID) equals ?index=, until an event arrives or ?wait=
// passes; it carries only X-Consul-Index, since it is this agent's own state, not the servers'.

import { effectiveWaitMs } from '../../catalog/blocking-query.js';
import { badRequest, noPathToDatacenter } from '../../lib/errors.js';
import { first, parseWait, rejectEnterpriseParams } from '../query-options.js';
import { json, type HttpResult } from '../result.js';
import { type ApiRequest, type Route, writeOptionsOf } from '../route.js';

function fire(request: ApiRequest): Promise<HttpResult> {
  const options = writeOptionsOf(request);
  if (request.pathRest === '') throw badRequest('Missing name');
  if (options.datacenter !== '' && options.datacenter !== request.agent.config.datacenter) {
    // Events cross datacenters through the servers' WAN gossip, which comes with federation.
    throw noPathToDatacenter();
  }
  const { params } = request;
  const event = request.agent.events.fire({
    name: request.pathRest,
    payload: request.body === undefined || request.body.length === 0 ? null : request.body,
    nodeFilter: first(params, 'node'),
    serviceFilter: first(params, 'service'),
    tagFilter: first(params, 'tag'),
  });
  return Promise.resolve(json(event));
}

/** Waits until an event arrives, the wait passes or the client leaves; resolves either way. */
function waitForEvent(request: ApiRequest, maxWaitMs: number): Promise<void> {
  const { events, deps } = request.agent;
  return new Promise((resolve) => {
    const finish = (): void => {
      cancel();
      timer.cancel();
      request.signal.removeEventListener('abort', finish);
      resolve();
    };
    const cancel = events.onNext(finish);
    const timer = deps.clock.setTimer(effectiveWaitMs(maxWaitMs, deps.random), finish);
    request.signal.addEventListener('abort', finish, { once: true });
  });
}

async function list(request: ApiRequest): Promise<HttpResult> {
  rejectEnterpriseParams(request.params, request.headers);
  const { minQueryIndex, maxQueryTimeMs } = parseWait(request.params);
  const { events } = request.agent;
  if (minQueryIndex > 0 && minQueryIndex === events.index && !request.signal.aborted) await waitForEvent(request, maxQueryTimeMs);
  return json(events.list(first(request.params, 'name')), { 'X-Consul-Index': String(events.index) });
}

export const eventRoutes: readonly Route[] = [
  { method: 'PUT', path: '/v1/event/fire/*', handler: fire },
  { method: 'GET', path: '/v1/event/list', handler: list },
];
