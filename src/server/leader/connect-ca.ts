// The Connect CA on the server: the leader creates the CA on first start (cluster ID, config,
// root), changes its configuration (rotating the root when the key changes), and signs leaves.
// Everything random (keys, serials, IDs) and every timestamp is decided here, before proposing;
// the log carries finished rows (catalog/tables/connect-ca.ts). Configuration changes run one at
// a time, and each root change is a check-and-set on the roots table's index.

import { CommandType } from '../../catalog/commands.js';
import { activeCaRoot, caConfigPrimaryKey } from '../../catalog/tables/connect-ca.js';
import { watchKeys } from '../../catalog/watch.js';
import { CsrLimiter, type CsrLimits } from '../../connect/ca/csr-limiter.js';
import type { ParsedCsr } from '../../connect/ca/csr-parse.js';
import { LeafSigner } from '../../connect/ca/leaf-signer.js';
import { generateRoot, rotatedRoots } from '../../connect/ca/new-root.js';
import { decodeProviderConfig, needsNewRoot, ttlMsOf } from '../../connect/ca/provider-config.js';
import { signCsr } from '../../connect/ca/sign.js';
import { badRequest, conflict, TaxiwayError } from '../../lib/errors.js';
import { type CaConfiguration, type CaProviderConfig, type IssuedCert, trustDomainOf } from '../../structs/connect-ca.js';
import type { ServerContext } from '../context.js';

export interface ConnectCaOptions {
  readonly enabled: boolean;
  /** connect.ca_config from the agent's configuration (CamelCase keys). */
  readonly initialConfig: Readonly<Record<string, unknown>>;
}

/** A PUT /v1/connect/ca/configuration body. */
export interface CaConfigurationRequest {
  readonly Provider: string;
  readonly Config: Readonly<Record<string, unknown>>;
  readonly ForceWithoutCrossSigning: boolean;
}

const limitsOf = (config: CaProviderConfig): CsrLimits => ({ perSecond: config.CSRMaxPerSecond, concurrent: config.CSRMaxConcurrent });

export const connectDisabled = (): TaxiwayError => new TaxiwayError('bad_request', 'Connect must be enabled in order to use this endpoint');

export class ConnectCa {
  private signer: { rootId: string; signer: LeafSigner } | undefined;
  private readonly limiter: CsrLimiter;
  /** Configuration changes, one at a time. */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly context: ServerContext,
    private readonly options: ConnectCaOptions,
  ) {
    this.limiter = new CsrLimiter(context.clock, limitsOf(decodeProviderConfig(options.initialConfig)));
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** The current configuration, once the CA exists. */
  configuration(): CaConfiguration | undefined {
    return this.context.store.caConfig.get(caConfigPrimaryKey());
  }

  /** Leader start: creates the CA (cluster ID, configuration, first root) if there is none. */
  initialize(): Promise<void> {
    if (!this.options.enabled) return Promise.resolve();
    return this.serialized(async () => {
      const existing = this.configuration();
      if (existing !== undefined && activeCaRoot(this.context.store) !== undefined) return;
      const clusterId = existing?.ClusterID ?? this.context.random.uuid();
      const provider = existing?.Config ?? decodeProviderConfig(this.options.initialConfig);
      const root = await generateRoot({ config: provider, clusterId, nowMs: this.context.clock.nowMs(), random: this.context.random });
      const config = this.configRow(clusterId, provider, false);
      await this.proposeRoots([root], config);
    });
  }

  /**
   * PUT /v1/connect/ca/configuration: a new root when the key changes, cross-signed by the old one
   * unless ForceWithoutCrossSigning (Consul skips cross-signing then, with a warning in its log).
   * Consul's built-in provider keeps no separate intermediate in the primary datacenter: leaves
   * are signed by the root itself, so the only intermediate a leaf carries is the cross-signed root.
   */
  async setConfiguration(request: CaConfigurationRequest): Promise<void> {
    if (!this.options.enabled) throw connectDisabled();
    if (request.Provider !== 'consul' && request.Provider !== '') throw badRequest(`unknown CA provider ${JSON.stringify(request.Provider)}`);
    await this.serialized(async () => {
      const current = this.configuration();
      if (current === undefined) throw conflict('the CA is not initialized yet');
      const provider = decodeProviderConfig(request.Config);
      const config = this.configRow(current.ClusterID, provider, request.ForceWithoutCrossSigning);
      if (!needsNewRoot(current.Config, provider)) {
        await this.context.log.propose({ type: CommandType.ConnectCa, op: 'set-config', config });
      } else {
        const nowMs = this.context.clock.nowMs();
        const next = await generateRoot({ config: provider, clusterId: current.ClusterID, nowMs, random: this.context.random });
        const leafTtlMs = Math.max(ttlMsOf(current.Config.LeafCertTTL), ttlMsOf(provider.LeafCertTTL));
        const crossSign = !request.ForceWithoutCrossSigning;
        const roots = await rotatedRoots(this.context.store.caRoots.rows(), next, current.ClusterID, nowMs, leafTtlMs, crossSign);
        await this.proposeRoots(roots, config);
      }
      this.limiter.update(limitsOf(provider));
    });
  }

  /** ConnectCA.Sign: a leaf for the (parsed, signature-checked) CSR, within the signing rate limit. */
  sign(csr: ParsedCsr): Promise<IssuedCert> {
    if (!this.options.enabled) return Promise.reject(connectDisabled());
    return this.limiter.run(() => {
      const config = this.configuration();
      const root = activeCaRoot(this.context.store);
      if (config === undefined || root === undefined) throw conflict('the CA is not initialized yet');
      return signCsr({
        csr,
        trustDomain: trustDomainOf(config.ClusterID),
        datacenter: this.context.datacenter,
        leafTtlMs: ttlMsOf(config.Config.LeafCertTTL),
        nowMs: this.context.clock.nowMs(),
        random: this.context.random,
        root,
        signer: this.signerFor(root.ID, root.SigningCert, root.SigningKey),
        index: this.context.store.maxIndex([watchKeys.caRoots]),
      });
    });
  }

  private signerFor(rootId: string, cert: string, key: string): LeafSigner {
    if (this.signer?.rootId !== rootId) this.signer = { rootId, signer: new LeafSigner(cert, key) };
    return this.signer.signer;
  }

  private configRow(clusterId: string, provider: CaProviderConfig, force: boolean): CaConfiguration {
    return { ClusterID: clusterId, Provider: 'consul', Config: provider, State: null, ForceWithoutCrossSigning: force, CreateIndex: 0, ModifyIndex: 0 };
  }

  private async proposeRoots(roots: Parameters<typeof rotatedRoots>[0], config: CaConfiguration): Promise<void> {
    const casIndex = this.context.store.maxIndex([watchKeys.caRoots]);
    const applied = await this.context.log.propose({ type: CommandType.ConnectCa, op: 'set-roots', roots, config, casIndex });
    if (applied !== true) throw conflict('CA roots changed concurrently; try again');
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.changes.then(fn, fn);
    this.changes = run.catch(() => undefined);
    return run;
  }
}
