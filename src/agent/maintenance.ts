// Maintenance mode, as Consul implements it: a critical check that takes the node (or one service)
// out of every health answer until it is removed.

import { notFound } from '../lib/errors.js';
import type { LocalCheck } from './local-state.js';
import { type RegistrationDeps, unknownServiceMessage } from './registrations.js';

export const nodeMaintenanceCheckId = '_node_maintenance';
export const serviceMaintenanceCheckPrefix = '_service_maintenance:';

const defaultNodeReason = 'Maintenance mode is enabled for this node, but no reason was provided. This is a default message.';
const defaultServiceReason = 'Maintenance mode is enabled for this service, but no reason was provided. This is a default message.';

export function isMaintenanceCheck(checkId: string): boolean {
  return checkId === nodeMaintenanceCheckId || checkId.startsWith(serviceMaintenanceCheckPrefix);
}

function maintenanceCheck(nodeName: string, checkId: string, name: string, serviceId: string, notes: string): LocalCheck {
  return {
    check: { Node: nodeName, CheckID: checkId, Name: name, Status: 'critical', Notes: notes, Output: '', ServiceID: serviceId, Type: 'maintenance', Interval: '', Timeout: '', ExposedPort: 0, Definition: {} },
    definition: undefined,
    token: '',
    source: 'api',
  };
}

/** Enabling twice keeps the first reason (Consul: a no-op when already on). */
export async function setNodeMaintenance(deps: RegistrationDeps, nodeName: string, enable: boolean, reason: string): Promise<void> {
  if (!enable) deps.local.removeCheck(nodeMaintenanceCheckId);
  else if (deps.local.check(nodeMaintenanceCheckId) === undefined) {
    deps.local.addCheck(maintenanceCheck(nodeName, nodeMaintenanceCheckId, 'Node Maintenance Mode', '', reason || defaultNodeReason));
  }
  await deps.sync.syncChanges();
}

export async function setServiceMaintenance(deps: RegistrationDeps, nodeName: string, serviceId: string, enable: boolean, reason: string): Promise<void> {
  if (deps.local.service(serviceId) === undefined) throw notFound(unknownServiceMessage(serviceId));
  const checkId = `${serviceMaintenanceCheckPrefix}${serviceId}`;
  if (!enable) deps.local.removeCheck(checkId);
  else if (deps.local.check(checkId) === undefined) {
    deps.local.addCheck(maintenanceCheck(nodeName, checkId, 'Service Maintenance Mode', serviceId, reason || defaultServiceReason));
  }
  await deps.sync.syncChanges();
}
