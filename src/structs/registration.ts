// Registration: a node with optionally one service and some checks, in the shape the catalog
// stores. Two doors lead here: /v1/catalog/register (a RegisterRequest decoded from JSON) and the
// agent's sync of its local services. Both convert to this shape; the server validates it and
// proposes it as one RegisterCommand.

import { checkType, definitionOf, durationField, type HealthCheck, type HealthCheckInput } from './check.js';
import type { Node, RegisterRequest } from './node.js';
import { defaultWeights, type NodeService, type NodeServiceInput, proxyOutput } from './service.js';

export type NodeContent = Omit<Node, 'CreateIndex' | 'ModifyIndex'>;
export type NodeServiceContent = Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;
/** A check as registered; the catalog fills in ServiceName and ServiceTags from the service. */
export type HealthCheckContent = Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex' | 'ServiceName' | 'ServiceTags'>;

export interface Registration {
  readonly node: NodeContent;
  /** Leave an existing node's address and metadata alone (Consul's SkipNodeUpdate). */
  readonly skipNodeUpdate: boolean;
  readonly service: NodeServiceContent | null;
  readonly checks: readonly HealthCheckContent[];
}

/** A decoded service (catalog or agent form) as the catalog keeps it: zero fields omitted as Consul does. */
export function nodeServiceContent(input: NodeServiceInput): NodeServiceContent {
  const service: NodeServiceContent = {
    ID: input.ID === '' ? input.Service : input.ID,
    Service: input.Service,
    Tags: input.Tags,
    Address: input.Address,
    Meta: input.Meta,
    Port: input.Port,
    Weights: input.Weights ?? defaultWeights,
    EnableTagOverride: input.EnableTagOverride,
    Proxy: proxyOutput(input.Kind === 'connect-proxy' ? input.Proxy : undefined),
    Connect: input.Connect?.Native === true ? { Native: true } : {},
  };
  if (input.Kind !== '') service.Kind = input.Kind;
  if (Object.keys(input.TaggedAddresses).length > 0) service.TaggedAddresses = input.TaggedAddresses;
  if (input.SocketPath !== '') service.SocketPath = input.SocketPath;
  if (input.Locality !== undefined && (input.Locality.Region !== '' || input.Locality.Zone !== '')) service.Locality = input.Locality;
  return service;
}

/** A check from /v1/catalog/register: ID defaults to the name, Type is derived when absent. */
export function healthCheckContent(input: HealthCheckInput, nodeName: string): HealthCheckContent {
  const definition = { ...input.Definition, CheckID: input.CheckID, Name: input.Name, Status: input.Status, Notes: input.Notes };
  return {
    Node: input.Node === '' ? nodeName : input.Node,
    CheckID: input.CheckID === '' ? input.Name : input.CheckID,
    Name: input.Name,
    // An empty status is defaulted (to critical) by the server; a bad one is refused there.
    Status: input.Status as HealthCheck['Status'],
    Notes: input.Notes,
    Output: input.Output,
    ServiceID: input.ServiceID,
    Type: input.Type === '' ? checkType({ ...definition, ServiceID: input.ServiceID, Token: '' }) : input.Type,
    Interval: input.Interval !== '' ? input.Interval : durationField(input.Definition.Interval),
    Timeout: input.Timeout !== '' ? input.Timeout : durationField(input.Definition.Timeout),
    ExposedPort: input.ExposedPort,
    Definition: definitionOf(definition),
  };
}

/** /v1/catalog/register's body → Registration (datacenter is the server's to fill in). */
export function registrationFromRequest(request: RegisterRequest, datacenter: string): Registration {
  const checks = request.Check === undefined ? request.Checks : [...request.Checks, request.Check];
  return {
    node: {
      ID: request.ID.toLowerCase(),
      Node: request.Node,
      Address: request.Address,
      Datacenter: datacenter,
      TaggedAddresses: request.TaggedAddresses,
      Meta: request.NodeMeta,
    },
    skipNodeUpdate: request.SkipNodeUpdate,
    service: request.Service === undefined ? null : nodeServiceContent(request.Service),
    checks: checks.map((check) => healthCheckContent(check, request.Node)),
  };
}
