// Health checks: the definition a user registers (CheckDefinition) and the row the catalog keeps
// and serves (HealthCheck), with Consul's field names.

import { formatGoDuration } from '../lib/duration.js';
import { s, type Infer } from './schema.js';

export const checkStatuses = ['passing', 'warning', 'critical'] as const;
export type CheckStatus = (typeof checkStatuses)[number];

export function isCheckStatus(value: string): value is CheckStatus {
  return (checkStatuses as readonly string[]).includes(value);
}

/** The check-running fields shared by agent check definitions and service-embedded checks. */
const checkTypeFields = {
  CheckID: s.string(),
  Name: s.string(),
  Status: s.string(),
  Notes: s.string(),
  ScriptArgs: s.list(s.string()),
  HTTP: s.string(),
  Header: s.map(s.list(s.string())),
  Method: s.string(),
  Body: s.string(),
  // Absent means redirects are not followed (the default; Consul follows unless told not
  // to); an explicit false asks for Consul's following.
  DisableRedirects: s.optional(s.bool()),
  TCP: s.string(),
  TCPUseTLS: s.bool(),
  UDP: s.string(),
  Interval: s.duration(),
  AliasNode: s.string(),
  AliasService: s.string(),
  DockerContainerID: s.string(),
  Shell: s.string(),
  GRPC: s.string(),
  GRPCUseTLS: s.bool(),
  H2PING: s.string(),
  // Absent means true (Consul defaults H2PING checks to TLS); false must be said.
  H2PingUseTLS: s.optional(s.bool()),
  OSService: s.string(),
  TLSServerName: s.string(),
  TLSSkipVerify: s.bool(),
  Timeout: s.duration(),
  TTL: s.duration(),
  SuccessBeforePassing: s.uint(),
  FailuresBeforeWarning: s.uint(),
  FailuresBeforeCritical: s.uint(),
  DeregisterCriticalServiceAfter: s.duration(),
  OutputMaxSize: s.uint(),
};

/** A check definition: the body of /v1/agent/check/register, a `checks` entry in a config file,
 * or `Check`/`Checks` inside a service definition (where ServiceID is implied). */
export const checkDefinitionSchema = s.struct(
  'CheckDefinition',
  { ...checkTypeFields, ServiceID: s.string(), Token: s.string() },
  { aliases: { ID: 'CheckID', Args: 'ScriptArgs', Script: 'ScriptArgs' } },
);
export type CheckDefinition = Infer<typeof checkDefinitionSchema>;

/** The check type Consul reports in HealthCheck.Type, derived from which fields are set. */
export function checkType(definition: CheckDefinition): string {
  if (definition.TTL > 0) return 'ttl';
  if (definition.HTTP !== '') return 'http';
  if (definition.TCP !== '') return 'tcp';
  if (definition.UDP !== '') return 'udp';
  if (definition.GRPC !== '') return 'grpc';
  if (definition.H2PING !== '') return 'h2ping';
  if (definition.AliasNode !== '' || definition.AliasService !== '') return 'alias';
  if (definition.DockerContainerID !== '') return 'docker';
  if (definition.OSService !== '') return 'os_service';
  if (definition.ScriptArgs.length > 0) return 'script';
  return '';
}

/** HealthCheck.Definition: what the check runs, durations as Go strings, empty fields omitted. */
export interface HealthCheckDefinition {
  HTTP?: string;
  TLSServerName?: string;
  TLSSkipVerify?: boolean;
  Header?: Record<string, string[]>;
  Method?: string;
  Body?: string;
  DisableRedirects?: boolean;
  TCP?: string;
  TCPUseTLS?: boolean;
  UDP?: string;
  H2PING?: string;
  H2PingUseTLS?: boolean;
  OSService?: string;
  Interval?: string;
  OutputMaxSize?: number;
  Timeout?: string;
  DeregisterCriticalServiceAfter?: string;
  ScriptArgs?: string[];
  DockerContainerID?: string;
  Shell?: string;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  AliasNode?: string;
  AliasService?: string;
  TTL?: string;
}

/** A row of the checks table, exactly as Consul serves it. Rows are frozen: writes replace them. */
export interface HealthCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: HealthCheckDefinition;
  CreateIndex: number;
  ModifyIndex: number;
}

/** HealthCheck's own fields, shared by the input and the filter schemas (only Definition differs). */
const healthCheckFields = {
  Node: s.string(),
  CheckID: s.string(),
  Name: s.string(),
  Status: s.string(),
  Notes: s.string(),
  Output: s.string(),
  ServiceID: s.string(),
  ServiceName: s.string(),
  ServiceTags: s.list(s.string()),
  Type: s.string(),
  Interval: s.string(),
  Timeout: s.string(),
  ExposedPort: s.int(0, 65535),
};

/** The HealthCheck body accepted inside /v1/catalog/register (Check and Checks). */
export const healthCheckInputSchema = s.struct(
  'HealthCheck',
  {
    ...healthCheckFields,
    Definition: s.struct('HealthCheckDefinition', {
      ...checkTypeFields,
    }),
  },
  { aliases: { ID: 'CheckID' } },
);
export type HealthCheckInput = Infer<typeof healthCheckInputSchema>;

/** Definition as served: the running fields of a check with zero values left out. */
export function definitionOf(definition: Omit<CheckDefinition, 'ServiceID' | 'Token'>): HealthCheckDefinition {
  const out: HealthCheckDefinition = {};
  const strings = ['HTTP', 'TLSServerName', 'Method', 'Body', 'TCP', 'UDP', 'H2PING', 'OSService', 'DockerContainerID', 'Shell', 'GRPC', 'AliasNode', 'AliasService'] as const;
  for (const key of strings) if (definition[key] !== '') out[key] = definition[key];
  const flags = ['TLSSkipVerify', 'DisableRedirects', 'TCPUseTLS', 'H2PingUseTLS', 'GRPCUseTLS'] as const;
  for (const key of flags) if (definition[key]) out[key] = true;
  // An explicit "follow redirects" is kept: absent means the opposite.
  if (definition.DisableRedirects === false) out.DisableRedirects = false;
  if (Object.keys(definition.Header).length > 0) out.Header = definition.Header;
  if (definition.ScriptArgs.length > 0) out.ScriptArgs = definition.ScriptArgs;
  if (definition.OutputMaxSize > 0) out.OutputMaxSize = definition.OutputMaxSize;
  const durations = ['Interval', 'Timeout', 'DeregisterCriticalServiceAfter', 'TTL'] as const;
  for (const key of durations) if (definition[key] > 0) out[key] = formatGoDuration(definition[key]);
  return out;
}

/** Go's Duration.String() for the HealthCheck Interval/Timeout fields, "" when unset. */
export function durationField(ms: number): string {
  return ms > 0 ? formatGoDuration(ms) : '';
}

/** Schema of HealthCheck for ?filter= selectors (indexes are not selectable, as in Consul). */
export const healthCheckFilterSchema = s.struct(
  'HealthCheck',
  {
    ...healthCheckFields,
    Definition: s.struct('HealthCheckDefinition', {
      HTTP: s.string(),
      TLSServerName: s.string(),
      TLSSkipVerify: s.bool(),
      Header: s.map(s.list(s.string())),
      Method: s.string(),
      Body: s.string(),
      TCP: s.string(),
      UDP: s.string(),
      GRPC: s.string(),
      GRPCUseTLS: s.bool(),
      H2PING: s.string(),
      AliasNode: s.string(),
      AliasService: s.string(),
      Interval: s.string(),
      Timeout: s.string(),
      DeregisterCriticalServiceAfter: s.string(),
      TTL: s.string(),
    }),
  },
);
