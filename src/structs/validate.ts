// Validation shared by the catalog and the agent: the rules Consul applies to metadata, weights,
// check statuses and service kinds, with its error texts so that clients see familiar messages.

import { badRequest } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import { type CheckStatus, isCheckStatus } from './check.js';
import { type NodeServiceContent } from './registration.js';
import { serviceKinds } from './service.js';

const metaKeyPattern = /^[a-zA-Z0-9_-]+$/;
const reservedMetaPrefix = 'consul-';

/**
 * Consul's ValidateMetadata. `allowReserved` admits the `consul-` prefix, which only taxiway itself
 * may write (node meta such as consul-network-segment).
 */
export function validateMeta(meta: Readonly<Record<string, string>>, what: 'node' | 'service', allowReserved = false): void {
  const prefix = what === 'node' ? 'Invalid Node Meta' : 'Invalid Service Meta';
  const entries = Object.entries(meta);
  // Consul's text says "Node metadata" for services too.
  if (entries.length > limits.metaPairsMax) throw badRequest(`${prefix}: Node metadata cannot contain more than ${limits.metaPairsMax} key/value pairs`);
  for (const [key, value] of entries) {
    const problem = metaKeyProblem(key, allowReserved) ?? (Buffer.byteLength(value, 'utf8') > limits.metaValueBytesMax ? `Value is too long (limit: ${limits.metaValueBytesMax} characters)` : undefined);
    if (problem !== undefined) throw badRequest(`${prefix}: Couldn't load metadata pair ('${key}', '${value.slice(0, 40)}'): ${problem}`);
  }
}

function metaKeyProblem(key: string, allowReserved: boolean): string | undefined {
  if (key === '') return 'Key cannot be blank';
  if (!metaKeyPattern.test(key)) return 'Key contains invalid characters';
  if (key.length > limits.metaKeyBytesMax) return `Key is too long (limit: ${limits.metaKeyBytesMax} characters)`;
  if (!allowReserved && key.startsWith(reservedMetaPrefix)) return `Key prefix '${reservedMetaPrefix}' is reserved for internal use`;
  return undefined;
}

/** Consul's ValidateWeights: the weights become DNS SRV weights. */
export function validateWeights(weights: { Passing: number; Warning: number }): void {
  if (weights.Passing < 1) throw badRequest('Invalid Weights: Passing must be greater than 0');
  if (weights.Warning < 0) throw badRequest('Invalid Weights: Warning must be greater or equal than 0');
  if (weights.Passing > 65535 || weights.Warning > 65535) throw badRequest('Invalid Weights: DNS Weight must be between 0 and 65535');
}

/** A check's initial or updated status: empty means critical (Consul's default), anything else must be a status. */
export function checkStatusOrDefault(status: string): CheckStatus {
  if (status === '') return 'critical';
  if (!isCheckStatus(status)) throw badRequest(`Invalid check status: "${status}" (expected "passing", "warning" or "critical")`);
  return status;
}

/** Consul's NodeService.Validate subset that applies without the mesh: kind, weights, proxy destination. */
export function validateNodeService(service: NodeServiceContent): void {
  const kind = service.Kind ?? '';
  if (!(serviceKinds as readonly string[]).includes(kind)) throw badRequest(`Invalid service kind: "${kind}"`);
  if (service.Service === '') throw badRequest('Missing service name');
  validateWeights(service.Weights);
  if (kind === 'connect-proxy') {
    const destination = service.Proxy.DestinationServiceName;
    if (service.Port === 0 && service.SocketPath === undefined) throw badRequest('Port or SocketPath must be set for a connect-proxy');
    if (typeof destination !== 'string' || destination === '') throw badRequest('Proxy.DestinationServiceName must be non-empty for Connect proxy services');
  }
  if (service.Connect.Native === true && kind === 'connect-proxy') throw badRequest('A Proxy cannot also be Connect Native, only typical services');
  validateMeta(service.Meta, 'service');
}
