// Builders for catalog tests: registration commands with Consul's zero values filled in, and a
// Harness that feeds them to a real Fsm through the wire encoding, one log index per command, as
// the in-process log does (src/server/in-process-log.ts).

import { type DeregisterCommand, type RegisterCommand, CommandType, encodeCommand, type Command } from '../../src/catalog/commands.js';
import { type ApplyResult, Fsm } from '../../src/catalog/fsm.js';
import { StateStore } from '../../src/catalog/store.js';
import type { HealthCheckContent, NodeContent, NodeServiceContent } from '../../src/structs/registration.js';

export function nodeContent(name: string, overrides: Partial<NodeContent> = {}): NodeContent {
  return { ID: '', Node: name, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {}, ...overrides };
}

export function serviceContent(id: string, name: string, overrides: Partial<NodeServiceContent> = {}): NodeServiceContent {
  return {
    ID: id,
    Service: name,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 8080,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Proxy: { Mode: '', MeshGateway: {}, Expose: {} },
    Connect: {},
    ...overrides,
  };
}

/** A sidecar proxy instance for `destination`. */
export function sidecarContent(id: string, destination: string): NodeServiceContent {
  return serviceContent(id, `${destination}-sidecar-proxy`, {
    Kind: 'connect-proxy',
    Proxy: { Mode: '', DestinationServiceName: destination, MeshGateway: {}, Expose: {} },
  });
}

export function checkContent(node: string, checkId: string, overrides: Partial<HealthCheckContent> = {}): HealthCheckContent {
  return {
    Node: node,
    CheckID: checkId,
    Name: checkId,
    Status: 'passing',
    Notes: '',
    Output: '',
    ServiceID: '',
    Type: 'ttl',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    ...overrides,
  };
}

export interface RegisterParts {
  readonly node?: Partial<NodeContent>;
  readonly service?: NodeServiceContent;
  readonly checks?: readonly HealthCheckContent[];
  readonly skipNodeUpdate?: boolean;
}

export function register(nodeName: string, parts: RegisterParts = {}): RegisterCommand {
  return {
    type: CommandType.Register,
    node: nodeContent(nodeName, parts.node),
    skipNodeUpdate: parts.skipNodeUpdate ?? false,
    service: parts.service ?? null,
    checks: parts.checks ?? [],
  };
}

export function deregister(node: string, serviceId = '', checkId = ''): DeregisterCommand {
  return { type: CommandType.Deregister, node, serviceId, checkId };
}

/** Counts how often a watch on `keys` fires; stop() unregisters it. */
export interface WakeCounter {
  readonly count: number;
  stop(): void;
}

export class Harness {
  readonly store = new StateStore();
  readonly fsm = new Fsm(this.store);
  /** The log index of the last command applied through apply(). */
  index = 0;

  /** Encodes the command and applies it at the next log index. */
  apply(command: Command): ApplyResult {
    this.index++;
    return this.fsm.apply(this.index, encodeCommand(command));
  }

  /** Applies a command that must succeed; throws with the error otherwise. */
  ok(command: Command): void {
    const result = this.apply(command);
    if (!result.ok) throw new Error(`command at index ${this.index} failed: ${result.error.code}: ${result.error.message}`);
  }

  /** Applies a command that must fail; returns its error. */
  fail(command: Command): { code: string; message: string } {
    const result = this.apply(command);
    if (result.ok) throw new Error(`command at index ${this.index} succeeded, expected a failure`);
    return { code: result.error.code, message: result.error.message };
  }

  wakes(...keys: string[]): WakeCounter {
    let count = 0;
    const unwatch = this.store.watch(keys, () => count++);
    return {
      get count() {
        return count;
      },
      stop: unwatch,
    };
  }

  indexOf(key: string): number {
    return this.store.maxIndex([key]);
  }
}
