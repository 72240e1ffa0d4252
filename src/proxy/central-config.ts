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
  /** The newest service-defaults answer; undefined until the first. */
  private entries: readonly Fields[] | undefined;

  /** `downstream` is the service the proxy speaks for: its UpstreamConfig applies. */
  constructor(private readonly downstream: string) {}

  /**
   * `upstream`'s Config as of the newest answer (its start-time Config before the first), for a
   * listener built while the proxy runs (a protocol change).
   */
  effective(upstream: UpstreamConfig): Fields {
    if (upstream.localConfig === undefined || this.entries === undefined) return upstream.config;
    return this.merged(upstream.name, upstream.localConfig, this.entries);
  }

  /**
   * Follows `upstream` from now on (replacing an earlier registration of the same name), taking
   * `config` as the one in force; ad-hoc upstreams (no registration Config) are not followed.
   */
  register(upstream: UpstreamConfig, config: Fields, onChange: (config: Fields) => void): void {
    if (upstream.localConfig === undefined) return;
    this.upstreams.set(upstream.name, { local: upstream.localConfig, onChange, last: JSON.stringify(config) });
  }

  /** Stops following `name` (its listener closed). */
  forget(name: string): void {
    this.upstreams.delete(name);
  }

  /** A new answer of /v1/config/service-defaults: tells each upstream whose Config changed. */
  apply(entries: readonly Fields[]): void {
    this.entries = entries;
    for (const [name, upstream] of this.upstreams) {
      const next = this.merged(name, upstream.local, entries);
      const text = JSON.stringify(next);
      if (text === upstream.last) continue;
      upstream.last = text;
      upstream.onChange(next);
    }
  }

  private merged(name: string, local: Fields, entries: readonly Fields[]): Fields {
    const downstreamDefaults = entries.find((entry) => entry.Name === this.downstream);
    const extensions = entries.find((entry) => entry.Name === name)?.EnvoyExtensions;
    return mergeUpstreamConfig(downstreamDefaults, name, local, Array.isArray(extensions) ? extensions : []);
  }
}
