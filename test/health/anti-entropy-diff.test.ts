// Goal: the full-sync diff finds exactly what differs between local state and the catalog, leaves
// the servers' own entries alone, and ignores output-only differences when coalescing is on.
// Method: table-style cases over small hand-built views.

import test from 'ava';
import { diffNode, type CatalogNodeView, type LocalNodeView } from '../../src/health/anti-entropy-diff.js';
import type { HealthCheck } from '../../src/structs/check.js';
import type { Node } from '../../src/structs/node.js';
import type { HealthCheckContent, NodeContent } from '../../src/structs/registration.js';

const node: NodeContent = { ID: 'id-1', Node: 'n1', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} };
const catalogNode: Node = { ...node, CreateIndex: 1, ModifyIndex: 1 };
const check = (id: string, fields: Partial<HealthCheckContent> = {}): HealthCheckContent => ({
  Node: 'n1', CheckID: id, Name: id, Status: 'passing', Notes: '', Output: 'ok', ServiceID: '', Type: 'ttl', Interval: '', Timeout: '', ExposedPort: 0, Definition: {}, ...fields,
});
const row = (content: HealthCheckContent): HealthCheck => ({ ...content, ServiceName: '', ServiceTags: [], CreateIndex: 2, ModifyIndex: 2 });

test('in step: nothing to do, even with the servers\' consul service and serfHealth check', (t) => {
  const local: LocalNodeView = { node, services: [], checks: [check('disk')] };
  const consul = { ID: 'consul', Service: 'consul' } as never;
  const catalog: CatalogNodeView = { node: catalogNode, services: [consul], checks: [row(check('disk')), row(check('serfHealth'))] };
  t.deepEqual(diffNode(local, catalog), { node: false, services: [], checks: [] });
});

test('an unknown node means everything is pushed; a changed address re-registers the node', (t) => {
  const local: LocalNodeView = { node, services: [], checks: [check('disk')] };
  t.deepEqual(diffNode(local, { node: undefined, services: [], checks: [] }), { node: true, services: [], checks: [{ id: 'disk', serviceId: '' }] });
  t.true(diffNode(local, { node: { ...catalogNode, Address: '10.9.9.9' }, services: [], checks: [row(check('disk'))] }).node);
});

test('output-only differences count unless coalescing is on; status differences always do', (t) => {
  const local: LocalNodeView = { node, services: [], checks: [check('disk', { Output: 'new' }), check('mem', { Status: 'critical' })] };
  const catalog: CatalogNodeView = { node: catalogNode, services: [], checks: [row(check('disk', { Output: 'old' })), row(check('mem'))] };
  t.deepEqual(diffNode(local, catalog).checks.map((entry) => entry.id), ['disk', 'mem']);
  t.deepEqual(diffNode(local, catalog, { compareOutput: false }).checks.map((entry) => entry.id), ['mem']);
});

test('a check in the catalog but not local is removed, with its service id', (t) => {
  const local: LocalNodeView = { node, services: [], checks: [] };
  const catalog: CatalogNodeView = { node: catalogNode, services: [], checks: [row(check('stray', { ServiceID: 'gone' }))] };
  t.deepEqual(diffNode(local, catalog).checks, [{ id: 'stray', serviceId: 'gone' }]);
});
