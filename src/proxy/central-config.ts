// Centralized config while the proxy runs. config.ts merges the service-defaults entries into
// each upstream's Config once, at start (upstream-defaults.ts); this follows them afterwards: one
// blocking query on the service-defaults list, and whenever the downstream's UpstreamConfig or an
// upstream's EnvoyExtensions change its effective Config, that upstream is told the new one and
// swaps its wrappers and target policy in place (no restart, no dropped connection), as Envoy
// takes a new cluster config from Consul. Ad-hoc upstreams (-upstream flags) have no central
// config, as in Consul.

import type { UpstreamConfig } from './config.js';
import { mergeUpstreamConfig } from './upstream-defaults.js';

type Fields = Readonly<Record<string, unknown>>;

interface Registered {
  readonly local: Fields;
  readonly onChange: (config: Fields) => void;
  /** The Config in force, as JSON, to tell a real change from a repeated answer. */
  last: string;
}

export class CentralConfig {
  private readonly upstreams = new Map<string, Registered>();

  /** `downstream` is the service the proxy speaks for: its UpstreamConfig applies. */
  constructor(private readonly downstream: string) {}

  /** Follows `upstream` from now on; ad-hoc upstreams (no registration Config) are not followed. */
  register(upstream: UpstreamConfig, onChange: (config: Fields) => void): void {
    if (upstream.localConfig === undefined) return;
    this.upstreams.set(upstream.name, { local: upstream.localConfig, onChange, last: JSON.stringify(upstream.config) });
  }

  get empty(): boolean {
    return this.upstreams.size === 0;
  }

  /** A new answer of /v1/config/service-defaults: tells each upstream whose Config changed. */
  apply(entries: readonly Fields[]): void {
    const byName = new Map(entries.map((entry) => [entry.Name, entry]));
    const downstreamDefaults = byName.get(this.downstream);
    for (const [name, upstream] of this.upstreams) {
      const extensions = byName.get(name)?.EnvoyExtensions;
      const next = mergeUpstreamConfig(downstreamDefaults, name, upstream.local, Array.isArray(extensions) ? extensions : []);
      const text = JSON.stringify(next);
      if (text === upstream.last) continue;
      upstream.last = text;
      upstream.onChange(next);
    }
  }
}
