// Goal: on any sequence of register and deregister commands (including ones that fail: node ID
// conflicts, checks naming a missing service), the catalog holds exactly what a naive model of
// three maps says it should, every watch key's index only moves forward, and whenever the answer
// of a read changes, the index of the key that read watches moves with it (so no blocking query
// can miss a change). A failed command moves no index.
// Method: fast-check property over random command sequences from small name pools (so that
// collisions, case variants and re-registrations are frequent), checked after every command.

import test from 'ava';
import fc from 'fast-check';
import type { Command } from '../../src/catalog/commands.js';
import { listNodes, nodeServices } from '../../src/catalog/reads/catalog.js';
import { checksInState, nodeChecks, serviceHealth } from '../../src/catalog/reads/health.js';
import { WatchSet, watchKeys } from '../../src/catalog/watch.js';
import type { CheckStatus } from '../../src/structs/check.js';
import { checkContent, deregister, Harness, register, serviceContent } from './fixtures.js';

const nodeIds = ['', '11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222'];
const nodeNames = ['n1', 'N1', 'n2', 'n3'];
const serviceIds = ['s1', 'S1', 's2'];
const serviceNames = ['web', 'api'];
const checkIds = ['c1', 'C1', 'c2'];

interface CheckSpec {
  readonly id: string;
  readonly serviceId: string;
  readonly status: CheckStatus;
}
type Step =
  | {
      readonly kind: 'register';
      readonly node: string;
      readonly nodeId: string;
      readonly address: string;
      readonly skipNodeUpdate: boolean;
      readonly service: { readonly id: string; readonly name: string; readonly tags: string[] } | null;
      readonly checks: readonly CheckSpec[];
    }
  | { readonly kind: 'deregister'; readonly node: string; readonly serviceId: string; readonly checkId: string };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      node: fc.constantFrom(...nodeNames),
      nodeId: fc.constantFrom(...nodeIds),
      address: fc.constantFrom('10.0.0.1', '10.0.0.2'),
      skipNodeUpdate: fc.boolean(),
      service: fc.option(fc.record({ id: fc.constantFrom(...serviceIds), name: fc.constantFrom(...serviceNames), tags: fc.subarray(['x', 'y']) })),
      checks: fc.array(
        fc.record({ id: fc.constantFrom(...checkIds), serviceId: fc.constantFrom('', ...serviceIds), status: fc.constantFrom<CheckStatus>('passing', 'warning', 'critical') }),
        { maxLength: 2 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('deregister' as const),
      node: fc.constantFrom(...nodeNames),
      serviceId: fc.constantFrom('', ...serviceIds),
      checkId: fc.constantFrom('', ...checkIds),
    }),
  },
);

function toCommand(step: Step): Command {
  if (step.kind === 'deregister') return deregister(step.node, step.serviceId, step.checkId);
  return register(step.node, {
    node: { ID: step.nodeId, Address: step.address },
    skipNodeUpdate: step.skipNodeUpdate,
    service: step.service === null ? undefined : serviceContent(step.service.id, step.service.name, { Tags: step.service.tags }),
    checks: step.checks.map((check) => checkContent(step.node, check.id, { ServiceID: check.serviceId, Status: check.status })),
  });
}

/** What should exist, keyed by lowercase (node) and (node/ID). */
class Model {
  nodes = new Map<string, { id: string; address: string }>();
  services = new Map<string, { name: string; tags: string[] }>();
  checks = new Map<string, { serviceId: string; status: CheckStatus }>();

  /** Applies the step to a copy; returns false (and keeps nothing) when the command must fail. */
  apply(step: Step): boolean {
    const next = this.copy();
    const ok = step.kind === 'register' ? next.register(step) : (next.deregister(step), true);
    if (ok) Object.assign(this, { nodes: next.nodes, services: next.services, checks: next.checks });
    return ok;
  }

  private copy(): Model {
    const model = new Model();
    model.nodes = new Map(this.nodes);
    model.services = new Map(this.services);
    model.checks = new Map(this.checks);
    return model;
  }

  private register(step: Extract<Step, { kind: 'register' }>): boolean {
    const node = step.node.toLowerCase();
    if (!(step.skipNodeUpdate && this.nodes.has(node))) {
      const owner = [...this.nodes].find(([, n]) => step.nodeId !== '' && n.id === step.nodeId);
      if (owner !== undefined && owner[0] !== node) return false;
      this.nodes.set(node, { id: step.nodeId, address: step.address });
    }
    if (step.service !== null) this.services.set(`${node}/${step.service.id.toLowerCase()}`, { name: step.service.name, tags: step.service.tags });
    for (const check of step.checks) {
      if (check.serviceId !== '' && !this.services.has(`${node}/${check.serviceId.toLowerCase()}`)) return false;
      this.checks.set(`${node}/${check.id.toLowerCase()}`, { serviceId: check.serviceId.toLowerCase(), status: check.status });
    }
    return true;
  }

  private deregister(step: Extract<Step, { kind: 'deregister' }>): void {
    const node = step.node.toLowerCase();
    const inNode = (key: string): boolean => key.startsWith(`${node}/`);
    if (step.serviceId === '' && step.checkId === '') {
      this.nodes.delete(node);
      for (const key of this.services.keys()) if (inNode(key)) this.services.delete(key);
      for (const key of this.checks.keys()) if (inNode(key)) this.checks.delete(key);
      return;
    }
    if (step.serviceId !== '') {
      const serviceId = step.serviceId.toLowerCase();
      this.services.delete(`${node}/${serviceId}`);
      for (const [key, check] of this.checks) if (inNode(key) && check.serviceId === serviceId) this.checks.delete(key);
    }
    if (step.checkId !== '') this.checks.delete(`${node}/${step.checkId.toLowerCase()}`);
  }

  /** The state in the same shape as Harness.snapshot(). */
  snapshot(): unknown {
    const sorted = <V>(map: Map<string, V>): [string, V][] => [...map].sort(([a], [b]) => (a < b ? -1 : 1));
    return {
      nodes: sorted(this.nodes),
      services: sorted(this.services),
      checks: sorted(this.checks).map(([key, check]) => {
        const service = this.services.get(`${key.split('/')[0]}/${check.serviceId}`);
        return [key, { ...check, serviceName: service?.name ?? '', serviceTags: service?.tags ?? [] }];
      }),
    };
  }
}

function storeSnapshot(h: Harness): unknown {
  return {
    nodes: h.store.nodes.rows().map((n) => [n.Node.toLowerCase(), { id: n.ID, address: n.Address }]),
    services: h.store.services.rows().map((r) => [`${r.node.toLowerCase()}/${r.service.ID.toLowerCase()}`, { name: r.service.Service, tags: r.service.Tags }]),
    checks: h.store.checks
      .rows()
      .map((c) => [`${c.Node.toLowerCase()}/${c.CheckID.toLowerCase()}`, { serviceId: c.ServiceID.toLowerCase(), status: c.Status, serviceName: c.ServiceName, serviceTags: c.ServiceTags }]),
  };
}

/** Each watch key with the answer of the read that watches it. */
function answers(h: Harness): Map<string, string> {
  const out = new Map<string, string>();
  const read = (key: string, answer: unknown): void => void out.set(key, JSON.stringify(answer));
  read(watchKeys.nodes, listNodes(h.store, new WatchSet()).value);
  read(watchKeys.checks, checksInState(h.store, new WatchSet(), 'any').value);
  for (const node of ['n1', 'n2', 'n3']) {
    read(watchKeys.node(node), [nodeServices(h.store, new WatchSet(), node).value, nodeChecks(h.store, new WatchSet(), node).value]);
  }
  for (const name of serviceNames) read(watchKeys.service(name), serviceHealth(h.store, new WatchSet(), name, false).value);
  return out;
}

test('property: the catalog equals the model, and every changed answer moves its key index forward', (t) => {
  fc.assert(
    fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 30 }), (steps) => {
      const h = new Harness();
      const model = new Model();
      let before = answers(h);
      let indexes = new Map([...before.keys()].map((key) => [key, 0]));
      for (const step of steps) {
        const result = h.apply(toCommand(step));
        const expectedOk = model.apply(step);
        if (result.ok !== expectedOk) throw new Error(`command ${h.index} (${JSON.stringify(step)}): ok=${result.ok}, model says ${expectedOk}`);
        const actual = JSON.stringify(storeSnapshot(h));
        const expected = JSON.stringify(model.snapshot());
        if (actual !== expected) throw new Error(`after command ${h.index}:\n  catalog ${actual}\n  model   ${expected}`);
        const after = answers(h);
        for (const [key, answer] of after) {
          const previous = indexes.get(key) ?? 0;
          const index = h.indexOf(key);
          if (index < previous) throw new Error(`${key}: index went back from ${previous} to ${index}`);
          if (index > h.index) throw new Error(`${key}: index ${index} is ahead of the log (${h.index})`);
          if (!result.ok && index !== previous) throw new Error(`${key}: a failed command moved the index`);
          if (answer !== before.get(key) && index === previous) throw new Error(`${key}: the answer changed at command ${h.index} but the index stayed at ${index}`);
        }
        before = after;
        indexes = new Map([...after.keys()].map((key) => [key, h.indexOf(key)]));
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});
