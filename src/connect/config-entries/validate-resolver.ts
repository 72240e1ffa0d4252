// service-resolver validation (Consul's ServiceResolverConfigEntry Validate): subsets are DNS
// labels with filters that compile against a health ServiceEntry, the default subset exists,
// a redirect excludes failover and is not empty, failover keys are subsets (or "*") and say where
// to go, timeouts are not negative, and the load-balancer settings fit the policy.

import { compileFilter } from '../../filter/index.js';
import { formatGoDuration, parseGoDuration } from '../../lib/duration.js';
import { isTaxiwayError } from '../../lib/errors.js';
import type { ConfigEntryBody } from '../../structs/config-entry.js';
import { serviceEntryFilterSchema } from '../../structs/node.js';
import { validateMeta } from './validate-defaults.js';
import { durationMs, type Fields, invalid, objectField, objectList, stringField, stringList } from './fields.js';

const subsetNamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const lbPolicies = new Set(['', 'random', 'round_robin', 'least_request', 'ring_hash', 'maglev']);
const hashPolicies = new Set(['ring_hash', 'maglev']);

function validateSubsets(entry: ConfigEntryBody): Fields {
  const subsets = objectField(entry, 'Subsets') ?? {};
  for (const [name, subset] of Object.entries(subsets)) {
    if (name === '') throw invalid('Subset defined with empty name');
    if (!subsetNamePattern.test(name)) throw invalid(`Subset "${name}" is invalid: must be a valid DNS label (lower case letters, digits and '-', at most 63)`);
    if (typeof subset !== 'object' || subset === null) throw invalid(`Request decode failed: Subsets[${name}]: expected an object`);
    const filter = stringField(subset as Fields, 'Filter', `Subsets[${name}].Filter`);
    if (filter === '') continue;
    try {
      compileFilter(filter, serviceEntryFilterSchema);
    } catch (error) {
      if (!isTaxiwayError(error)) throw error;
      throw invalid(`Filter for subset "${name}" is not a valid expression: ${error.message}`);
    }
  }
  return subsets;
}

function validateRedirect(entry: ConfigEntryBody, redirect: Fields): void {
  if (objectField(entry, 'Failover') !== undefined && Object.keys(objectField(entry, 'Failover') ?? {}).length > 0) {
    throw invalid('Redirect and Failover cannot both be set');
  }
  const keys = ['Service', 'ServiceSubset', 'Namespace', 'Partition', 'Datacenter', 'Peer', 'SamenessGroup'];
  if (keys.every((key) => stringField(redirect, key, `Redirect.${key}`) === '')) throw invalid('Redirect is empty');
  if (stringField(redirect, 'Service') === '') {
    if (stringField(redirect, 'ServiceSubset') !== '') throw invalid('Redirect.ServiceSubset defined without Redirect.Service');
    if (stringField(redirect, 'Namespace') !== '') throw invalid('Redirect.Namespace defined without Redirect.Service');
  }
}

function validateFailover(entry: ConfigEntryBody, subsets: Fields): void {
  const failover = objectField(entry, 'Failover') ?? {};
  for (const [subset, target] of Object.entries(failover)) {
    if (subset !== '*' && !(subset in subsets)) throw invalid(`Bad Failover["${subset}"]: not a valid subset`);
    const fields = target as Fields;
    const datacenters = stringList(fields, 'Datacenters', `Failover[${subset}].Datacenters`);
    const targets = objectList(fields, 'Targets', `Failover[${subset}].Targets`);
    const named = ['Service', 'ServiceSubset', 'Namespace', 'SamenessGroup'].some((key) => stringField(fields, key) !== '');
    if (!named && datacenters.length === 0 && targets.length === 0) {
      throw invalid(`Bad Failover["${subset}"] one of Service, ServiceSubset, Namespace, Targets, SamenessGroup, or Datacenters is required`);
    }
    const failoverSubset = stringField(fields, 'ServiceSubset');
    const service = stringField(fields, 'Service');
    if (failoverSubset !== '' && (service === '' || service === entry.Name) && !(failoverSubset in subsets)) {
      throw invalid(`Bad Failover["${subset}"].ServiceSubset "${failoverSubset}" is not a valid subset of "${entry.Name}"`);
    }
    if (datacenters.includes('')) throw invalid(`Bad Failover["${subset}"].Datacenters: found empty datacenter`);
  }
}

function validateLoadBalancer(entry: ConfigEntryBody): void {
  const lb = objectField(entry, 'LoadBalancer');
  if (lb === undefined) return;
  const policy = stringField(lb, 'Policy', 'LoadBalancer.Policy');
  if (!lbPolicies.has(policy)) throw invalid(`Bad LoadBalancer policy: "${policy}" is not supported`);
  if (objectField(lb, 'RingHashConfig') !== undefined && policy !== 'ring_hash') {
    throw invalid(`Bad LoadBalancer configuration. RingHashConfig specified for incompatible load balancing policy "${policy}"`);
  }
  if (objectField(lb, 'LeastRequestConfig') !== undefined && policy !== 'least_request') {
    throw invalid(`Bad LoadBalancer configuration. LeastRequestConfig specified for incompatible load balancing policy "${policy}"`);
  }
  if (objectList(lb, 'HashPolicies').length > 0 && !hashPolicies.has(policy)) {
    throw invalid(`Bad LoadBalancer configuration: hash policies specified for non-hash-based Policy: "${policy}"`);
  }
}

export function validateServiceResolver(entry: ConfigEntryBody): ConfigEntryBody {
  validateMeta(entry);
  const subsets = validateSubsets(entry);
  const defaultSubset = stringField(entry, 'DefaultSubset');
  if (defaultSubset !== '' && !(defaultSubset in subsets)) throw invalid(`DefaultSubset "${defaultSubset}" is not a valid subset`);
  const redirect = objectField(entry, 'Redirect');
  if (redirect !== undefined) validateRedirect(entry, redirect);
  validateFailover(entry, subsets);
  // Durations are kept as Go's text ("5s"), which is how Consul renders them, whatever the input.
  const durations: Record<string, string> = {};
  for (const key of ['ConnectTimeout', 'RequestTimeout']) {
    if (entry[key] === undefined) continue;
    const ms = durationMs(entry, key, parseGoDuration);
    if (ms < 0) throw invalid(`Bad ${key} '${formatGoDuration(ms)}', must be >= 0`);
    durations[key] = formatGoDuration(ms);
  }
  validateLoadBalancer(entry);
  return { ...entry, ...durations };
}
