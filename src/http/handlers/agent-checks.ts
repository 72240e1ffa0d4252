// /v1/agent/checks, /v1/agent/check/*: the checks registered on this agent and TTL updates.

import { agentCheck } from '../../agent/agent-view.js';
import { deregisterCheck, registerCheck, updateTtlCheck } from '../../agent/registrations.js';
import { applyFilter, compileFilter } from '../../filter/index.js';
import { badRequest } from '../../lib/errors.js';
import { type CheckStatus, checkDefinitionSchema, healthCheckFilterSchema, isCheckStatus } from '../../structs/check.js';
import { s } from '../../structs/schema.js';
import { decodeBody } from '../decode-body.js';
import { first, rejectEnterpriseParams } from '../query-options.js';
import { empty, type HttpResult, json } from '../result.js';
import { type ApiRequest, requiredPathRest, type Route, writeOptionsOf } from '../route.js';

const checkUpdateSchema = s.struct('checkUpdate', { Status: s.string(), Output: s.string() });

function listChecks(request: ApiRequest): Promise<HttpResult> {
  rejectEnterpriseParams(request.params, request.headers);
  const { agent } = request;
  const expression = first(request.params, 'filter');
  const filter = expression === '' ? undefined : compileFilter(expression, healthCheckFilterSchema);
  const checks = applyFilter(agent.local.checks().map((check) => agentCheck(check, agent.local)), filter);
  const out: Record<string, unknown> = {};
  for (const check of [...checks].sort((a, b) => (a.CheckID < b.CheckID ? -1 : 1))) out[check.CheckID] = check;
  return Promise.resolve(json(out));
}

/** /v1/agent/check/pass|warn|fail/:id?note= */
function ttlRoute(path: string, status: CheckStatus): Route {
  return {
    method: 'PUT',
    path,
    handler: async (request) => {
      writeOptionsOf(request);
      await updateTtlCheck(request.agent, requiredPathRest(request, 'Missing check ID'), status, first(request.params, 'note'));
      return empty;
    },
  };
}

export const agentCheckRoutes: readonly Route[] = [
  { method: 'GET', path: '/v1/agent/checks', handler: listChecks },
  {
    method: 'PUT',
    path: '/v1/agent/check/register',
    handler: async (request) => {
      const options = writeOptionsOf(request);
      await registerCheck(request.agent, decodeBody(request.body, checkDefinitionSchema), { source: 'api', token: options.token });
      return empty;
    },
  },
  {
    method: 'PUT',
    path: '/v1/agent/check/deregister/*',
    handler: async (request) => {
      writeOptionsOf(request);
      await deregisterCheck(request.agent, requiredPathRest(request, 'Missing check ID'));
      return empty;
    },
  },
  ttlRoute('/v1/agent/check/pass/*', 'passing'),
  ttlRoute('/v1/agent/check/warn/*', 'warning'),
  ttlRoute('/v1/agent/check/fail/*', 'critical'),
  {
    method: 'PUT',
    path: '/v1/agent/check/update/*',
    handler: async (request) => {
      writeOptionsOf(request);
      const id = requiredPathRest(request, 'Missing check ID');
      const update = decodeBody(request.body, checkUpdateSchema);
      if (!isCheckStatus(update.Status)) throw badRequest(`Invalid check status: '${update.Status}'`);
      await updateTtlCheck(request.agent, id, update.Status, update.Output);
      return empty;
    },
  },
];
