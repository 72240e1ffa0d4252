// LeafCerts: this agent's cache of mesh leaf certificates, one per service name (Consul's
// agent/leafcert). The first request for a service makes a key and a CSR here (the key never
// leaves the agent), has a server sign it, and keeps the result; later requests are answered from
// the cache, and ?index= requests block until the leaf changes.
//
// Every request, cached or not, needs service:write on the service for its own token (Consul's
// AgentConnectCALeafCert checks before it reads its cache): a leaf another token caused to be
// issued is not handed to a token that could not have asked for it.
//
// A leaf changes in two ways, both on timers from the injected Clock and jittered by the injected
// Random so that a fleet does not move at once:
//   - renewal: at a random point between 60 % and 90 % of its lifetime (limits.leafRenew*);
//   - rotation: a watch on the CA roots sees the active root change and re-issues every cached
//     leaf signed by another root after a random delay up to limits.leafRootChangeJitterMsMax.
//     The old leaf stays valid (its root is still trusted) until the new one replaces it, so
//     connections using it are not dropped.

import type { Logger } from 'pino';
import { type AclResolver, aclDisabled, enforce } from '../acl/authorizer.js';
import { effectiveWaitMs } from '../catalog/blocking-query.js';
import { createLeafRequest } from '../connect/ca/csr.js';
import { formatServiceSpiffeId } from '../connect/spiffe.js';
import type { Clock, Timer } from '../lib/clock.js';
import { TaxiwayError } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import type { QueryOptions, RpcClient } from '../rpc/protocol.js';
import type { IssuedCert } from '../structs/connect-ca.js';

export interface LeafCertsDeps {
  readonly rpc: RpcClient;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly datacenter: () => string;
  /** The DNS domain without its trailing dot ("consul"), for the leaf's DNS SANs. */
  readonly domain: () => string;
  /** Window for re-issuing after a root change (default limits.leafRootChangeJitterMsMax). */
  readonly rootChangeJitterMsMax?: number;
  /** Resolves request tokens for the service:write check (default: ACLs disabled). */
  readonly acl?: AclResolver;
}

export interface LeafRequestOptions {
  readonly token: string;
  /** Block until the leaf's index passes this (0 = answer at once). */
  readonly minIndex: number;
  readonly maxWaitMs: number;
  readonly signal?: AbortSignal;
}

export interface LeafResult {
  readonly cert: IssuedCert;
  readonly index: number;
}

interface Entry {
  readonly service: string;
  /** The token of the first request: renewals sign with it, as Consul's cache does. */
  readonly token: string;
  cert: IssuedCert | undefined;
  /** Rises with every new leaf; what ?index= compares against. */
  index: number;
  /** The root that signed the current leaf. */
  rootId: string;
  timer: Timer | undefined;
  /** Wall-clock time of the last request; an entry idle for limits.leafCacheIdleMs is dropped, not renewed. */
  lastRequestedMs: number;
  /** The first issuance; rejected (and the entry dropped) if it fails. */
  readonly ready: Promise<void>;
  readonly waiters: Set<() => void>;
}

const rootsQuery = (minQueryIndex: number): QueryOptions => ({
  datacenter: '',
  token: '',
  minQueryIndex,
  maxQueryTimeMs: 0,
  allowStale: true,
  requireConsistent: false,
  maxStaleMs: 0,
  filter: '',
});

export class LeafCerts {
  private readonly entries = new Map<string, Entry>();
  /**
   * The highest leaf index given out, over all entries: a dropped and re-created entry continues
   * above it, so a client blocking with an index from the old entry gets the new leaf at once.
   */
  private lastIndex = 0;
  private activeRootId = '';
  private trustDomain = '';
  /** The first roots answer (then the watch runs on its own); shared by concurrent first requests. */
  private rootsReady: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly deps: LeafCertsDeps) {}

  /** The leaf for `service`, issuing it on first use; with minIndex, waits for a newer one. */
  async get(service: string, options: LeafRequestOptions): Promise<LeafResult> {
    enforce((this.deps.acl ?? aclDisabled).resolve(options.token), { kind: 'service', name: service }, 'write');
    const entry = this.entries.get(service) ?? this.create(service, options.token);
    entry.lastRequestedMs = this.deps.clock.nowMs();
    await entry.ready;
    if (options.minIndex > 0 && entry.index <= options.minIndex) await this.waitForChange(entry, options);
    return { cert: entry.cert as IssuedCert, index: entry.index };
  }

  /** How many services this agent holds a leaf (or a first issuance) for. */
  get cachedServiceCount(): number {
    return this.entries.size;
  }

  /** Cancels every timer and the roots watch. */
  stop(): void {
    this.stopping.abort();
    for (const entry of this.entries.values()) entry.timer?.cancel();
    this.entries.clear();
  }

  private create(service: string, token: string): Entry {
    if (this.entries.size >= limits.leafCacheServicesMax) {
      throw new TaxiwayError('rate_limited', `this agent already caches leaf certificates for ${limits.leafCacheServicesMax} services`);
    }
    let resolveReady!: () => void;
    let rejectReady!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    const entry: Entry = { service, token, cert: undefined, index: 0, rootId: '', timer: undefined, lastRequestedMs: this.deps.clock.nowMs(), ready, waiters: new Set() };
    this.entries.set(service, entry);
    this.issue(entry).then(resolveReady, (error: unknown) => {
      this.entries.delete(service);
      rejectReady(error);
    });
    return entry;
  }

  /** Makes a key and CSR, has it signed, installs the leaf, wakes waiters, schedules renewal. */
  private async issue(entry: Entry): Promise<void> {
    await this.ensureRoots();
    const uri = formatServiceSpiffeId({ trustDomain: this.trustDomain, namespace: 'default', datacenter: this.deps.datacenter(), service: entry.service });
    const domain = this.deps.domain();
    const request = await createLeafRequest(uri, [`${entry.service}.service.${domain}`, `${entry.service}.service.${this.deps.datacenter()}.${domain}`]);
    const rootId = this.activeRootId;
    const issued = await this.deps.rpc.call('ConnectCA.Sign', { datacenter: '', token: entry.token, csr: request.csrPem });
    if (this.stopping.signal.aborted || this.entries.get(entry.service) !== entry) return;
    entry.index = this.lastIndex = Math.max(this.lastIndex + 1, issued.ModifyIndex);
    // The body's indexes match X-Consul-Index, so a client may block on either.
    entry.cert = { ...issued, PrivateKeyPEM: request.privateKeyPem, CreateIndex: entry.index, ModifyIndex: entry.index };
    entry.rootId = rootId;
    this.scheduleRenewal(entry);
    for (const wake of [...entry.waiters]) wake();
  }

  private scheduleRenewal(entry: Entry): void {
    const cert = entry.cert as IssuedCert;
    const afterMs = Date.parse(cert.ValidAfter);
    const lifetimeMs = Date.parse(cert.ValidBefore) - afterMs;
    const fraction = limits.leafRenewFractionMin + this.deps.random.float() * (limits.leafRenewFractionMax - limits.leafRenewFractionMin);
    this.schedule(entry, afterMs + lifetimeMs * fraction - this.deps.clock.nowMs());
  }

  /** Re-issues the entry's leaf after delayMs (replacing any pending renewal); retries on failure. */
  private schedule(entry: Entry, delayMs: number): void {
    entry.timer?.cancel();
    entry.timer = this.deps.clock.setTimer(Math.max(0, delayMs), () => {
      entry.timer = undefined;
      if (this.deps.clock.nowMs() - entry.lastRequestedMs > limits.leafCacheIdleMs && entry.waiters.size === 0) {
        this.entries.delete(entry.service);
        return;
      }
      this.issue(entry).catch((error: unknown) => {
        this.deps.logger.warn({ err: error, service: entry.service }, 'leaf certificate renewal failed; retrying');
        if (!this.stopping.signal.aborted) this.schedule(entry, limits.leafRetryMs * (1 + this.deps.random.float()));
      });
    });
  }

  private waitForChange(entry: Entry, options: LeafRequestOptions): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        timer.cancel();
        entry.waiters.delete(done);
        options.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = this.deps.clock.setTimer(effectiveWaitMs(options.maxWaitMs, this.deps.random), done);
      entry.waiters.add(done);
      options.signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Starts the roots watch on first use and waits for its first answer. */
  private ensureRoots(): Promise<void> {
    this.rootsReady ??= this.deps.rpc.call('ConnectCA.Roots', rootsQuery(0)).then(
      (first) => {
        this.activeRootId = first.value.ActiveRootID;
        this.trustDomain = first.value.TrustDomain;
        void this.watchRoots(first.meta.index);
      },
      (error: unknown) => {
        this.rootsReady = undefined;
        throw error;
      },
    );
    return this.rootsReady;
  }

  /** Blocks on the roots; when the active root changes, re-issues leaves signed by another root. */
  private async watchRoots(fromIndex: number): Promise<void> {
    let index = fromIndex;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        const reply = await this.deps.rpc.call('ConnectCA.Roots', rootsQuery(index), signal);
        index = reply.meta.index;
        if (reply.value.ActiveRootID === this.activeRootId) continue;
        this.activeRootId = reply.value.ActiveRootID;
        this.trustDomain = reply.value.TrustDomain;
        this.rootsChanged();
      } catch (error) {
        if (signal.aborted) return;
        this.deps.logger.warn({ err: error }, 'watching the CA roots failed; retrying');
        await new Promise<void>((resolve) => this.deps.clock.setTimer(limits.leafRetryMs, resolve));
      }
    }
  }

  private rootsChanged(): void {
    const windowMs = this.deps.rootChangeJitterMsMax ?? limits.leafRootChangeJitterMsMax;
    for (const entry of this.entries.values()) {
      if (entry.cert !== undefined && entry.rootId !== this.activeRootId) this.schedule(entry, this.deps.random.float() * windowMs);
    }
  }
}
