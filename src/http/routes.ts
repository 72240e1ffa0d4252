// Every route of the HTTP API, in one table (Consul's agent/http_register.go). Handlers live in
// handlers/, one file per area; this list is the map.

import { agentCheckRoutes } from './handlers/agent-checks.js';
import { agentServiceRoutes } from './handlers/agent-services.js';
import { agentRoutes } from './handlers/agent.js';
import { agentMemberRoutes } from './handlers/agent-members.js';
import { catalogRoutes } from './handlers/catalog.js';
import { configRoutes } from './handlers/config.js';
import { connectCaRoutes } from './handlers/connect-ca.js';
import { intentionRoutes } from './handlers/intentions.js';
import { eventRoutes } from './handlers/event.js';
import { healthRoutes } from './handlers/health.js';
import { kvRoutes } from './handlers/kv.js';
import { preparedQueryRoutes } from './handlers/prepared-query.js';
import { sessionRoutes } from './handlers/session.js';
import { snapshotRoutes } from './handlers/snapshot.js';
import { operatorRoutes } from './handlers/operator.js';
import { statusRoutes } from './handlers/status.js';
import { txnRoutes } from './handlers/txn.js';
import type { Route } from './route.js';

export const routes: readonly Route[] = [
  // /v1/agent/self, /version, /maintenance, /reload, /health/service/{id,name}/*
  ...agentRoutes,
  // /v1/agent/members, /join/*, /leave, /force-leave/*; /v1/operator/keyring (GET, POST, PUT, DELETE)
  ...agentMemberRoutes,
  // /v1/agent/services, /service/*, /service/register, /service/deregister/*
  ...agentServiceRoutes,
  // /v1/agent/checks, /check/register, /check/deregister/*, /check/{pass,warn,fail,update}/*
  ...agentCheckRoutes,
  // /v1/catalog/register, /deregister, /datacenters, /nodes, /services, /service/*, /connect/*, /node/*, /node-services/*
  ...catalogRoutes,
  // /v1/health/service/*, /connect/*, /checks/*, /node/*, /state/*
  ...healthRoutes,
  // /v1/kv/* (GET, PUT, DELETE)
  ...kvRoutes,
  // /v1/session/create, /destroy/*, /renew/*, /info/*, /node/*, /list
  ...sessionRoutes,
  // /v1/txn
  ...txnRoutes,
  // /v1/event/fire/*, /v1/event/list
  ...eventRoutes,
  // /v1/connect/ca/roots, /configuration; /v1/agent/connect/ca/roots, /leaf/*
  ...connectCaRoutes,
  // /v1/config, /v1/config/* (GET, DELETE), /v1/discovery-chain/* (GET, POST with overrides)
  ...configRoutes,
  // /v1/connect/intentions, /exact, /match, /check, /* (legacy IDs); /v1/agent/connect/authorize
  ...intentionRoutes,
  // /v1/query (POST, GET), /v1/query/* (GET, PUT, DELETE), /v1/query/*/execute, /*/explain
  ...preparedQueryRoutes,
  // /v1/status/leader, /peers
  ...statusRoutes,
  // /v1/operator/raft/*, /v1/operator/autopilot/*
  ...operatorRoutes,
  // /v1/snapshot (GET saves, PUT restores)
  ...snapshotRoutes,
];
