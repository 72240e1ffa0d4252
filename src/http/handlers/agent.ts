// /v1/agent/self, maintenance, reload, version, and the load-balancer health endpoints.

import { serviceHealthView, type AggregatedStatus } from '../../agent/agent-view.js';
import { setNodeMaintenance, setServiceMaintenance } from '../../agent/maintenance.js';
import { badRequest } from '../../lib/errors.js';
import { consulVersion, taxiwayVersion, releaseDate } from '../../version.js';
import { first, has, parseGoBool } from '../query-options.js';
import { empty, type HttpResult, json } from '../result.js';
import { type ApiRequest, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

/** ?enable= is required and a Go boolean. */
function enableParam(request: ApiRequest): boolean {
  if (!has(request.params, 'enable')) throw badRequest('Missing value for enable');
  const raw = first(request.params, 'enable');
  const value = parseGoBool(raw);
  if (value === undefined) throw badRequest(`Invalid value for enable: ${JSON.stringify(raw)}`);
  return value;
}

/** Load balancers read the status code: 200 passing, 429 warning, 503 critical or maintenance. */
function statusCode(status: AggregatedStatus): number {
  return status === 'passing' ? 200 : status === 'warning' ? 429 : 503;
}

const worstFirst: readonly AggregatedStatus[] = ['maintenance', 'critical', 'warning', 'passing'];

function wantsText(request: ApiRequest): boolean {
  const format = first(request.params, 'format');
  if (format !== '') return format === 'text';
  const accept = request.headers.accept;
  return typeof accept === 'string' && accept.startsWith('text/plain');
}

function healthAnswer(request: ApiRequest, status: number, reason: string, body: unknown): HttpResult {
  const headers = { 'X-Consul-Reason': reason };
  return wantsText(request) ? { kind: 'text', status, body: reason, headers } : { kind: 'json', status, value: body, headers };
}

function healthById(request: ApiRequest): Promise<HttpResult> {
  const id = requiredPathRest(request, 'Missing serviceID');
  const { agent } = request;
  const local = agent.local.service(id);
  if (local === undefined) {
    const reason = `ServiceId ${id} not found`;
    return Promise.resolve(healthAnswer(request, 404, reason, { AggregatedStatus: 'critical', Service: null, Checks: null }));
  }
  const view = serviceHealthView(local, agent.local, agent.config.datacenter);
  return Promise.resolve(healthAnswer(request, statusCode(view.AggregatedStatus), view.AggregatedStatus, view));
}

function healthByName(request: ApiRequest): Promise<HttpResult> {
  const name = requiredPathRest(request, 'Missing service Name');
  const { agent } = request;
  const views = agent.local
    .services()
    .filter((local) => local.service.Service === name)
    .map((local) => serviceHealthView(local, agent.local, agent.config.datacenter));
  if (views.length === 0) return Promise.resolve(healthAnswer(request, 404, `ServiceName ${name} Not Found`, []));
  const worst = worstFirst.find((status) => views.some((view) => view.AggregatedStatus === status)) ?? 'passing';
  return Promise.resolve(healthAnswer(request, statusCode(worst), worst, views));
}

export const agentRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/agent/self', handler: (request) => Promise.resolve(json(request.agent.self())) },
  {
    method: 'GET',
    path: '/v1/agent/version',
    handler: () => Promise.resolve(json({ BuildDate: releaseDate, HumanVersion: consulVersion, Revision: '', Version: consulVersion, FIPS: '', TaxiwayVersion: taxiwayVersion })),
  },
  {
    method: 'PUT',
    path: '/v1/agent/maintenance',
    handler: async (request) => {
      writeOptionsOf(request);
      await setNodeMaintenance(request.agent, request.agent.config.nodeName, enableParam(request), first(request.params, 'reason'));
      return empty;
    },
  },
  {
    method: 'PUT',
    path: '/v1/agent/service/maintenance/*',
    handler: async (request) => {
      writeOptionsOf(request);
      const id = requiredPathRest(request, 'Missing service ID');
      await setServiceMaintenance(request.agent, request.agent.config.nodeName, id, enableParam(request), first(request.params, 'reason'));
      return empty;
    },
  },
  {
    method: 'PUT',
    path: '/v1/agent/reload',
    handler: async (request) => {
      writeOptionsOf(request);
      await request.agent.reload();
      return empty;
    },
  },
  { method: 'GET', path: '/v1/agent/health/service/id/*', handler: healthById },
  { method: 'GET', path: '/v1/agent/health/service/name/*', handler: healthByName },
];
