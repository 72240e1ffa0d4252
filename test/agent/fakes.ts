// Fakes for the agent tests. The RPC client is a fake (not a server) on purpose: what these tests
// exercise is the agent's side when servers answer, fail or are unreachable, which a real
// in-process server cannot be made to do on cue.

import pino from 'pino';
import { CatalogSync } from '../../src/agent/catalog-sync.js';
import type { DefinitionContext } from '../../src/agent/definitions.js';
import { LocalState, type RegistrationSource } from '../../src/agent/local-state.js';
import type { RegistrationDeps } from '../../src/agent/registrations.js';
import { ManualClock } from '../../src/lib/clock.js';
import { TaxiwayError } from '../../src/lib/errors.js';
import { SeededRandom } from '../../src/lib/random.js';
import type { RpcArgs, RpcClient, RpcMethod, RpcReply } from '../../src/rpc/protocol.js';
import type { NodeContent } from '../../src/structs/registration.js';

export interface RecordedCall {
  readonly method: RpcMethod;
  readonly args: Record<string, unknown>;
}

/**
 * Records every call; `failing` decides, per call, whether the servers are unreachable, and
 * `refusing` whether they answer with an error (a refusal such as a bad request).
 */
export class FakeRpc implements RpcClient {
  readonly calls: RecordedCall[] = [];
  failing: (call: RecordedCall) => boolean = () => false;
  refusing: (call: RecordedCall) => TaxiwayError | undefined = () => undefined;

  call<M extends RpcMethod>(method: M, args: RpcArgs<M>): Promise<RpcReply<M>> {
    const call = { method, args: args as Record<string, unknown> };
    this.calls.push(call);
    if (this.failing(call)) return Promise.reject(new TaxiwayError('no_servers', 'No known Consul servers'));
    const refusal = this.refusing(call);
    if (refusal !== undefined) return Promise.reject(refusal);
    return Promise.resolve(true as RpcReply<M>);
  }

  /** A compact description of each call: "register node", "register web [c1,c2]", "deregister service web"... */
  summary(): string[] {
    return this.calls.map(describe);
  }
}

function describe({ method, args }: RecordedCall): string {
  if (method === 'Catalog.Deregister') {
    return args.serviceId !== '' ? `deregister service ${String(args.serviceId)}` : `deregister check ${String(args.checkId)}`;
  }
  const registration = args.registration as { service: { ID: string } | null; checks: { CheckID: string }[]; skipNodeUpdate: boolean };
  const what = registration.service === null ? (registration.checks.length === 0 ? 'node' : 'node-level') : registration.service.ID;
  const checks = registration.checks.length === 0 ? '' : ` [${registration.checks.map((check) => check.CheckID).join(',')}]`;
  return `register ${what}${checks}`;
}

export const node: NodeContent = { ID: '', Node: 'agent-1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} };

export const silentLogger = pino({ level: 'silent' });

export interface AgentParts {
  readonly rpc: FakeRpc;
  readonly local: LocalState;
  readonly clock: ManualClock;
  readonly sync: CatalogSync;
  readonly deps: RegistrationDeps;
}

export const seed = 1234;

export function agentParts(context: Partial<DefinitionContext> = {}): AgentParts {
  const rpc = new FakeRpc();
  const local = new LocalState();
  const clock = new ManualClock();
  const sync = new CatalogSync({ rpc, local, node: () => node, agentToken: () => 'agent-token', clock, random: new SeededRandom(seed), logger: silentLogger });
  const definitionContext = (source: RegistrationSource): DefinitionContext => ({
    nodeName: node.Node,
    source,
    enableScriptChecks: false,
    enableLocalScriptChecks: false,
    ...context,
  });
  return { rpc, local, clock, sync, deps: { local, sync, definitionContext } };
}

/** Lets pending promise callbacks (RPC replies, drain loops) run. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
