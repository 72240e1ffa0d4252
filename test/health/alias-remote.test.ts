// Goal: an alias check of a service or node on another node follows that node's checks in the
// catalog through blocking queries, and reports a missing service as critical. Method: a real
// in-process Server; the other node is registered through Catalog.Register; the watch's results
// are collected and waited for with a deadline.

import test from 'ava';
import { aclDisabled } from '../../src/acl/authorizer.js';
import { RemoteAliasWatch } from '../../src/health/runners/alias.js';
import type { CheckResult } from '../../src/health/status.js';
import { SystemClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { InProcessClient } from '../../src/rpc/in-process-client.js';
import { Server } from '../../src/server/server.js';
import { nodeServiceContent, type HealthCheckContent, type NodeContent } from '../../src/structs/registration.js';
import { zeroValue } from '../../src/structs/schema.js';
import { nodeServiceInputSchema } from '../../src/structs/service.js';
import { eventually } from './servers.js';

const other: NodeContent = { ID: '6a1b2c3d-0000-4000-8000-000000000002', Node: 'other', Address: '10.0.0.2', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} };
const write = { datacenter: 'dc1', token: '' };

const check = (id: string, serviceId: string, status: HealthCheckContent['Status']): HealthCheckContent => ({
  Node: 'other', CheckID: id, Name: id, Status: status, Notes: '', Output: `${id} says ${status}`, ServiceID: serviceId, Type: 'ttl', Interval: '', Timeout: '', ExposedPort: 0, Definition: {},
});

test('a remote service alias mirrors that service\'s checks, then reports it missing', async (t) => {
  const clock = new SystemClock();
  const server = new Server({ datacenter: 'dc1', self: { nodeName: 'srv', nodeId: '6a1b2c3d-0000-4000-8000-000000000001', address: '10.0.0.1', serverPort: 8300 }, clock, random: new SeededRandom(1), acl: aclDisabled, onBackgroundError: () => {} });
  await server.start();
  const rpc = new InProcessClient(server.handlers);
  const api = nodeServiceContent({ ...zeroValue(nodeServiceInputSchema), ID: 'api', Service: 'api', Port: 80 });
  await rpc.call('Catalog.Register', { ...write, registration: { node: other, skipNodeUpdate: false, service: api, checks: [check('api-ttl', 'api', 'passing')] } });
  const results: CheckResult[] = [];
  const watch = new RemoteAliasWatch({ node: 'other', serviceId: 'api' }, { rpc, clock, datacenter: 'dc1', token: '' }, (result) => results.push(result));
  t.teardown(() => watch.stop());
  const last = () => results.at(-1);
  await eventually('the first result', () => last()?.status === 'passing');
  t.is(last()?.output, 'All checks passing.');
  await rpc.call('Catalog.Register', { ...write, registration: { node: other, skipNodeUpdate: true, service: api, checks: [check('api-ttl', 'api', 'critical')] } });
  await eventually('the alias to turn critical', () => last()?.status === 'critical');
  t.is(last()?.output, 'Aliased check "api-ttl" failing: api-ttl says critical');
  await rpc.call('Catalog.Deregister', { ...write, node: 'other', serviceId: 'api', checkId: '' });
  await eventually('the missing service to be reported', () => /could not be found/.test(last()?.output ?? ''));
  t.is(last()?.status, 'critical');
});
