// Which watch keys a service instance answers under. Shared by the services and checks tables:
// a change to an instance, to its checks or to its node wakes exactly these keys.

import type { NodeService } from '../../structs/service.js';
import type { WriteTxn } from '../store.js';
import { watchKeys } from '../watch.js';

export interface ServiceRow {
  /** The node's name as registered (rows keep the user's casing; keys are lowercase). */
  readonly node: string;
  readonly service: NodeService;
}

/** The destination a mesh-capable instance serves traffic for: a sidecar's destination, or a native service itself. */
export function connectDestination(service: NodeService): string | undefined {
  if (service.Kind === 'connect-proxy') {
    const destination = service.Proxy.DestinationServiceName;
    return typeof destination === 'string' && destination !== '' ? destination : undefined;
  }
  return service.Connect.Native === true ? service.Service : undefined;
}

/** Touches every watch key whose answers include this instance. */
export function touchServiceKeys(tx: WriteTxn, row: ServiceRow): void {
  tx.touch(watchKeys.service(row.service.Service));
  const destination = connectDestination(row.service);
  if (destination !== undefined) tx.touch(watchKeys.connect(destination));
}
