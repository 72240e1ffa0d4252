// Upstream endpoints and the picker over them. A picker is immutable apart from its round-robin
// cursor: when the agent reports new endpoints a new picker replaces the old one, so a connection
// being set up keeps the endpoint it was given.

/** One /v1/health/connect/:svc entry, the fields the proxy reads. */
export interface HealthConnectEntry {
  readonly Node: { readonly Node: string; readonly Address: string; readonly Datacenter?: string };
  readonly Service: { readonly ID: string; readonly Service: string; readonly Address: string; readonly Port: number; readonly Tags?: readonly string[]; readonly Meta?: Readonly<Record<string, string>> };
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** The sidecar's (or native service's) instance ID, for logs and metrics. */
  readonly id: string;
  readonly datacenter: string;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
}

export function endpointsOf(entries: readonly HealthConnectEntry[], datacenter: string): Endpoint[] {
  return entries.map((entry) => ({
    host: entry.Service.Address === '' ? entry.Node.Address : entry.Service.Address,
    port: entry.Service.Port,
    id: entry.Service.ID,
    datacenter: entry.Node.Datacenter ?? datacenter,
    tags: entry.Service.Tags ?? [],
    meta: entry.Service.Meta ?? {},
  }));
}

export class RoundRobinPicker {
  private cursor: number;

  /** `start` spreads proxies that see the same list over different first endpoints. */
  constructor(
    readonly endpoints: readonly Endpoint[],
    start = 0,
  ) {
    this.cursor = endpoints.length === 0 ? 0 : start % endpoints.length;
  }

  /** The next endpoint, or undefined when there is none (no healthy instance). */
  pick(): Endpoint | undefined {
    if (this.endpoints.length === 0) return undefined;
    const endpoint = this.endpoints[this.cursor % this.endpoints.length];
    this.cursor = (this.cursor + 1) % this.endpoints.length;
    return endpoint;
  }
}
