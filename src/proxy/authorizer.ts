// Who may connect to this proxy's service: the agent decides (/v1/agent/connect/authorize, which
// applies intentions, the default policy and the trust-domain check); the proxy caches each
// decision per client identity and drops the whole cache whenever the intentions that name its
// service change (followed by a blocking query, proxy.ts) or the roots change. A deny therefore
// reaches new connections within one blocking-query round, and open connections whose client is
// now denied are closed (closeDenied).

import type { ApiClient } from '../api/index.js';
import { limits } from '../lib/limits.js';

export interface AuthorizeAnswer {
  readonly Authorized: boolean;
  readonly Reason: string;
}

export class Authorizer {
  private decisions = new Map<string, Promise<AuthorizeAnswer>>();
  private generation = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly target: string,
  ) {}

  /** The decision for a client certificate; a failed call is not cached (and denies). */
  authorize(clientUri: string, serial: string): Promise<AuthorizeAnswer> {
    const cached = this.decisions.get(clientUri);
    if (cached !== undefined) return cached;
    if (this.decisions.size >= limits.proxyAuthorizeCacheEntriesMax) this.decisions.clear();
    const generation = this.generation;
    const decision = this.client
      .write<AuthorizeAnswer>('POST', '/v1/agent/connect/authorize', { body: { Target: this.target, ClientCertURI: clientUri, ClientCertSerial: serial } })
      .then((result) => result.value ?? { Authorized: false, Reason: 'empty answer from the agent' });
    this.decisions.set(clientUri, decision);
    decision.catch(() => {
      if (this.generation === generation) this.decisions.delete(clientUri);
    });
    return decision;
  }

  /** Intentions or roots changed: every cached decision is stale. */
  invalidate(): void {
    this.generation++;
    this.decisions = new Map();
  }
}
