// Session.*: create, destroy, renew and the reads. Everything nondeterministic about a new session
// (its ID, its defaults) is decided here, before the log, so that applying it is deterministic.

import { enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import { allSessions, nodeSessions, sessionById } from '../../catalog/reads/sessions.js';
import { formatGoDuration, parseGoDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import { serfHealthCheckId, type Session, type SessionBehavior, type SessionCreateRequest } from '../../structs/session.js';
import type { ServerContext } from '../context.js';
import type { SessionTimers } from '../leader/session-ttl.js';
import { checkDatacenter, runQuery } from '../query.js';

type SessionHandlers = Pick<RpcHandlers, 'Session.Create' | 'Session.Destroy' | 'Session.Renew' | 'Session.Get' | 'Session.List' | 'Session.NodeSessions'>;

function behaviorOf(text: string): SessionBehavior {
  if (text === '' || text === 'release') return 'release';
  if (text === 'delete') return 'delete';
  throw badRequest(`Invalid Behavior setting '${text}'`);
}

/** Consul's TTL rule: a Go duration, 0 for none, else between the minimum and 24h. */
function validateTtl(ttl: string): void {
  if (ttl === '') return;
  const ttlMs = parseGoDuration(ttl);
  if (ttlMs === undefined) throw badRequest(`Session TTL '${ttl}' invalid: time: invalid duration ${JSON.stringify(ttl)}`);
  if (ttlMs !== 0 && (ttlMs < limits.sessionTtlMsMin || ttlMs > limits.sessionTtlMsMax)) {
    const bounds = `[${formatGoDuration(limits.sessionTtlMsMin)}=${formatGoDuration(limits.sessionTtlMsMax)}]`;
    throw badRequest(`Invalid Session TTL '${Math.round(ttlMs * 1e6)}', must be between ${bounds}`);
  }
}

/** Node checks: the legacy Checks (serfHealth unless the body named Checks) joined with NodeChecks. */
function nodeChecksOf(request: SessionCreateRequest): string[] {
  const legacy = request.Checks ?? [serfHealthCheckId];
  return [...new Set([...legacy, ...(request.NodeChecks ?? [])])];
}

export function sessionFromRequest(context: ServerContext, request: SessionCreateRequest, lockDelayMs: number | undefined, defaultNode: string): Session {
  validateTtl(request.TTL);
  const delayMs = Math.min(Math.max(0, lockDelayMs ?? limits.lockDelayMsDefault), limits.lockDelayMsMax);
  let id = context.random.uuid();
  while (context.store.sessions.get(id) !== undefined) id = context.random.uuid();
  const serviceChecks = request.ServiceChecks ?? [];
  return {
    ID: id,
    Name: request.Name,
    Node: request.Node === '' ? defaultNode : request.Node,
    LockDelay: Math.round(delayMs * 1e6),
    Behavior: behaviorOf(request.Behavior),
    TTL: request.TTL,
    NodeChecks: nodeChecksOf(request),
    ServiceChecks: serviceChecks.length === 0 ? null : serviceChecks.map((check) => ({ ID: check.ID, Namespace: check.Namespace })),
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

export function sessionHandlers(context: ServerContext, timers: SessionTimers): SessionHandlers {
  return {
    'Session.Create': async (args) => {
      checkDatacenter(context, args.datacenter);
      const session = sessionFromRequest(context, args.request, args.lockDelayMs, args.defaultNode);
      if (session.Node === '') throw badRequest('Must provide Node');
      enforce(context.acl.resolve(args.token), { kind: 'session', name: session.Node }, 'write');
      const created = (await context.log.propose({ type: CommandType.Session, op: 'create', session })) as Session;
      timers.reset(created);
      return created.ID;
    },
    'Session.Destroy': async (args) => {
      checkDatacenter(context, args.datacenter);
      if (args.id === '') throw badRequest('Must provide ID');
      const existing = context.store.sessions.get(args.id);
      if (existing !== undefined) enforce(context.acl.resolve(args.token), { kind: 'session', name: existing.Node }, 'write');
      await context.log.propose({ type: CommandType.Session, op: 'destroy', id: args.id });
      return true;
    },
    'Session.Renew': (args) => {
      checkDatacenter(context, args.datacenter);
      const session = context.store.sessions.get(args.id);
      if (session === undefined) return Promise.resolve(null);
      enforce(context.acl.resolve(args.token), { kind: 'session', name: session.Node }, 'write');
      timers.reset(session);
      return Promise.resolve([session]);
    },
    'Session.Get': (args, signal) => runQuery(context, args, signal, (watch) => sessionById(context.store, watch, args.id)),
    'Session.List': (args, signal) => runQuery(context, args, signal, (watch) => allSessions(context.store, watch)),
    'Session.NodeSessions': (args, signal) => runQuery(context, args, signal, (watch) => nodeSessions(context.store, watch, args.node)),
  };
}
