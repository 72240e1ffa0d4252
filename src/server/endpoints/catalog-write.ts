// Catalog.Register and Catalog.Deregister: validate on the server (so every client, local or
// remote, gets the same rules), fix everything nondeterministic, then propose one command.

import { enforce } from '../../acl/authorizer.js';
import { CommandType } from '../../catalog/commands.js';
import type { StateStore } from '../../catalog/store.js';
import { badRequest } from '../../lib/errors.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import type { HealthCheckContent, Registration } from '../../structs/registration.js';
import { checkStatusOrDefault, validateMeta, validateNodeService } from '../../structs/validate.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter } from '../query.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Consul's Catalog.Register argument checks, with its messages. */
export function validateRegistration(registration: Registration, store: StateStore): Registration {
  const { node } = registration;
  if (node.Node === '') throw badRequest('Must provide node');
  if (node.Address === '' && !registration.skipNodeUpdate) throw badRequest('Must provide address if SkipNodeUpdate is not set');
  if (node.ID !== '' && !uuidPattern.test(node.ID)) throw badRequest(`Bad node ID: "${node.ID}" is not a UUID`);
  // consul- keys are allowed here: agents write consul-network-segment and consul-version.
  validateMeta(node.Meta, 'node', true);
  const service = registration.service;
  if (service !== null) {
    if (service.ID !== '' && service.Service === '') throw badRequest('Must provide service name (Service.Service) when service ID is provided');
    validateNodeService(service);
    // An instance must be reachable: the unspecified addresses are not addresses anyone can dial.
    if (/^(0\.0\.0\.0|::|\[::\])$/.test(service.Address)) throw badRequest('Invalid service address');
  }
  for (const check of registration.checks) {
    // A check may name the service registered with it or one already on the node.
    if (check.ServiceID === '' || check.ServiceID === service?.ID) continue;
    if (store.services.get(`${node.Node.toLowerCase()}/${check.ServiceID.toLowerCase()}`) === undefined) {
      throw badRequest(`Unknown service ID '${check.ServiceID}' for check ID '${check.CheckID}'`);
    }
  }
  return { ...registration, checks: registration.checks.map((check) => validateCheck(check, node.Node)) };
}

function validateCheck(check: HealthCheckContent, nodeName: string): HealthCheckContent {
  if (check.CheckID === '') throw badRequest('Must provide check ID or name');
  if (check.Node.toLowerCase() !== nodeName.toLowerCase()) {
    throw badRequest(`Node '${check.Node}' for check '${check.CheckID}' doesn't match register request node '${nodeName}'`);
  }
  return { ...check, Node: nodeName, Status: checkStatusOrDefault(check.Status) };
}

type WriteHandlers = Pick<RpcHandlers, 'Catalog.Register' | 'Catalog.Deregister'>;

export function catalogWriteHandlers(context: ServerContext): WriteHandlers {
  return {
    'Catalog.Register': async (args) => {
      checkDatacenter(context, args.datacenter);
      const registration = validateRegistration({ ...args.registration, node: { ...args.registration.node, Datacenter: context.datacenter } }, context.store);
      const authorizer = context.acl.resolve(args.token);
      enforce(authorizer, { kind: 'node', name: registration.node.Node }, 'write');
      if (registration.service !== null) enforce(authorizer, { kind: 'service', name: registration.service.Service }, 'write');
      await context.log.propose({ type: CommandType.Register, ...registration });
      return true;
    },
    'Catalog.Deregister': async (args) => {
      checkDatacenter(context, args.datacenter);
      const { node, serviceId, checkId } = args;
      if (node === '') throw badRequest('Must provide node');
      enforce(context.acl.resolve(args.token), { kind: 'node', name: node }, 'write');
      await context.log.propose({ type: CommandType.Deregister, node, serviceId, checkId });
      return true;
    },
  };
}
