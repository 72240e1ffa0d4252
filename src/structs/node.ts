// Nodes and the catalog's write requests (register / deregister), with Consul's field names.

import { healthCheckInputSchema, healthCheckFilterSchema } from './check.js';
import { s, type Infer } from './schema.js';
import { nodeServiceFilterSchema, nodeServiceInputSchema } from './service.js';

/** A row of the nodes table, exactly as Consul serves it. Rows are frozen: writes replace them. */
export interface Node {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Body of PUT /v1/catalog/register. */
export const registerRequestSchema = s.struct('RegisterRequest', {
  Datacenter: s.string(),
  ID: s.string(),
  Node: s.string(),
  Address: s.string(),
  TaggedAddresses: s.map(s.string()),
  NodeMeta: s.map(s.string()),
  Service: s.optional(nodeServiceInputSchema),
  Check: s.optional(healthCheckInputSchema),
  Checks: s.list(healthCheckInputSchema),
  SkipNodeUpdate: s.bool(),
  Token: s.string(),
});
export type RegisterRequest = Infer<typeof registerRequestSchema>;

/** Body of PUT /v1/catalog/deregister. */
export const deregisterRequestSchema = s.struct('DeregisterRequest', {
  Datacenter: s.string(),
  Node: s.string(),
  ServiceID: s.string(),
  CheckID: s.string(),
  Token: s.string(),
});
export type DeregisterRequest = Infer<typeof deregisterRequestSchema>;

/** Elements of /v1/catalog/nodes, and ServiceEntry.Node. */
export const nodeFilterSchema = s.struct('Node', {
  ID: s.string(),
  Node: s.string(),
  Address: s.string(),
  Datacenter: s.string(),
  TaggedAddresses: s.map(s.string()),
  Meta: s.map(s.string()),
});

/** Elements of /v1/health/service/:name and /v1/health/connect/:name. */
export const serviceEntryFilterSchema = s.struct('ServiceEntry', {
  Node: nodeFilterSchema,
  Service: nodeServiceFilterSchema,
  Checks: s.list(healthCheckFilterSchema),
});
