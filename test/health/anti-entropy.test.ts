// Goal: the full sync repairs drift in both directions against a real catalog — an instance deleted
// behind the agent's back comes back, one the agent does not know is removed — leaves the servers'
// own entries alone, writes nothing when in step, and scales its period with the cluster as
// Consul's does. Output coalescing: output-only changes wait for check_update_interval, status
// changes do not. Method: a real in-process Server behind the real RPC client, the agent's
// CatalogSync and LocalState, a ManualClock; scaleFactor as a table.

import test from 'ava';
import { registerCheck, registerService, updateTtlCheck } from '../../src/agent/registrations.js';
import { CatalogSync } from '../../src/agent/catalog-sync.js';
import type { DefinitionContext } from '../../src/agent/definitions.js';
import { LocalState, type RegistrationSource } from '../../src/agent/local-state.js';
import { aclDisabled } from '../../src/acl/authorizer.js';
import { AntiEntropy, fullSyncDelayMs, scaleFactor } from '../../src/health/anti-entropy.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { InProcessClient } from '../../src/rpc/in-process-client.js';
import { Server } from '../../src/server/server.js';
import { checkDefinitionSchema } from '../../src/structs/check.js';
import { type NodeContent, nodeServiceContent } from '../../src/structs/registration.js';
import { zeroValue } from '../../src/structs/schema.js';
import { nodeServiceInputSchema, serviceDefinitionSchema } from '../../src/structs/service.js';
import { FakeRpc, silentLogger } from '../agent/fakes.js';

const node: NodeContent = { ID: '6a1b2c3d-0000-4000-8000-000000000001', Node: 'agent-1', Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} };
const write = { datacenter: 'dc1', token: '' };
const read = { ...write, minQueryIndex: 0, maxQueryTimeMs: 0, allowStale: false, requireConsistent: false, maxStaleMs: 0, filter: '' };

async function setup(checkUpdateIntervalMs = 0) {
  const clock = new ManualClock();
  const random = new SeededRandom(9);
  const server = new Server({ datacenter: 'dc1', self: { nodeName: node.Node, nodeId: node.ID, address: node.Address, serverPort: 8300 }, clock, random, acl: aclDisabled, onBackgroundError: () => {} });
  await server.start();
  const rpc = new InProcessClient(server.handlers);
  const local = new LocalState();
  const sync = new CatalogSync({ rpc, local, node: () => node, agentToken: () => '', clock, random, logger: silentLogger, checkUpdateIntervalMs: () => checkUpdateIntervalMs });
  const antiEntropy = new AntiEntropy({ rpc, local, sync, node: () => node, agentToken: () => '', clusterSize: () => 1, clock, random, logger: silentLogger });
  const definitionContext = (source: RegistrationSource): DefinitionContext => ({ nodeName: node.Node, source, enableScriptChecks: false, enableLocalScriptChecks: false });
  const deps = { local, sync, definitionContext };
  const catalogServices = async () => (await rpc.call('Catalog.NodeServiceList', { ...read, node: node.Node })).value?.Services.map((service) => service.ID).sort();
  const catalogChecks = async () => (await rpc.call('Health.NodeChecks', { ...read, node: node.Node })).value.map((check) => `${check.CheckID}:${check.Status}:${check.Output}`).sort();
  return { clock, rpc, local, sync, antiEntropy, deps, catalogServices, catalogChecks };
}

const service = (name: string) => ({ ...zeroValue(serviceDefinitionSchema), Name: name, ID: name, Check: { ...zeroValue(checkDefinitionSchema), TTL: 60_000 } });
const options = { source: 'api' as const, token: '', replaceExistingChecks: false };

test('scaleFactor: 1 up to 128 nodes, then one more per doubling (Consul ae.scaleFactor)', (t) => {
  const table: [number, number][] = [[1, 1], [128, 1], [129, 2], [256, 2], [257, 3], [512, 3], [1024, 4], [10_000, 8]];
  for (const [nodes, factor] of table) t.is(scaleFactor(nodes), factor, `${nodes} nodes`);
  t.is(fullSyncDelayMs(1, 0), 60_000);
  t.is(fullSyncDelayMs(1, 0.5), 90_000);
  t.is(fullSyncDelayMs(1024, 0.5), 60_000 + 0.5 * 60_000 * 4);
});

test('a service deleted from the catalog behind the agent\'s back reappears; an unknown one is removed', async (t) => {
  const { rpc, deps, antiEntropy, catalogServices, catalogChecks } = await setup();
  await registerService(deps, service('web'), options);
  t.deepEqual(await catalogServices(), ['consul', 'web']);
  // Behind the agent's back: web is deregistered, and a stranger is registered on this node.
  await rpc.call('Catalog.Deregister', { ...write, node: node.Node, serviceId: 'web', checkId: '' });
  const stranger = nodeServiceContent({ ...zeroValue(nodeServiceInputSchema), ID: 'stranger', Service: 'stranger', Port: 1 });
  await rpc.call('Catalog.Register', { ...write, registration: { node, skipNodeUpdate: true, service: stranger, checks: [] } });
  t.deepEqual(await catalogServices(), ['consul', 'stranger']);
  const drift = await antiEntropy.syncFull();
  t.deepEqual([...drift.services].sort(), ['stranger', 'web']);
  t.deepEqual(await catalogServices(), ['consul', 'web']);
  t.deepEqual(await catalogChecks(), ['serfHealth:passing:Agent alive and reachable', 'service:web:critical:']);
  // In step now: the next full sync finds nothing to do.
  const again = await antiEntropy.syncFull();
  t.deepEqual(again, { node: false, services: [], checks: [] });
});

test('a check changed or added in the catalog behind the agent\'s back is put back; serfHealth is left alone', async (t) => {
  const { rpc, deps, antiEntropy, catalogChecks } = await setup();
  await registerCheck(deps, { ...zeroValue(checkDefinitionSchema), Name: 'disk', TTL: 60_000 }, { source: 'api', token: '' });
  const forged = { Node: node.Node, CheckID: 'disk', Name: 'disk', Status: 'passing', Notes: '', Output: 'forged', ServiceID: '', Type: 'ttl', Interval: '', Timeout: '', ExposedPort: 0, Definition: {} } as never;
  const extra = { ...(forged as object), CheckID: 'extra', Name: 'extra' } as never;
  await rpc.call('Catalog.Register', { ...write, registration: { node, skipNodeUpdate: true, service: null, checks: [forged, extra] } });
  const drift = await antiEntropy.syncFull();
  t.deepEqual(drift.checks.map((check) => check.id).sort(), ['disk', 'extra']);
  t.deepEqual(await catalogChecks(), ['disk:critical:', 'serfHealth:passing:Agent alive and reachable']);
});

test('the periodic full sync runs on its own and stops with stop()', async (t) => {
  const { rpc, deps, antiEntropy, clock, sync, catalogServices } = await setup();
  await registerService(deps, service('web'), options);
  await rpc.call('Catalog.Deregister', { ...write, node: node.Node, serviceId: 'web', checkId: '' });
  antiEntropy.start();
  clock.advance(fullSyncDelayMs(1, 1));
  for (let i = 0; i < 100 && (await catalogServices())?.includes('web') !== true; i++) await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(await catalogServices(), ['consul', 'web']);
  antiEntropy.stop();
  sync.stop();
  t.is(clock.pendingTimers(), 0);
});

test('output-only changes are coalesced for check_update_interval; a status change is written at once', async (t) => {
  const { deps, clock, sync, catalogChecks } = await setup(10_000);
  await registerCheck(deps, { ...zeroValue(checkDefinitionSchema), Name: 'load', TTL: 60_000 }, { source: 'api', token: '' });
  await updateTtlCheck(deps, 'load', 'passing', 'load 0.1');
  t.true((await catalogChecks()).includes('load:passing:load 0.1'));
  // Same status, new output: kept locally, not yet written.
  await updateTtlCheck(deps, 'load', 'passing', 'load 0.2');
  await updateTtlCheck(deps, 'load', 'passing', 'load 0.3');
  t.is(deps.local.check('load')?.check.Output, 'load 0.3');
  t.true((await catalogChecks()).includes('load:passing:load 0.1'));
  t.is(sync.deferredCheckWrites(), 1);
  // Within 1.5 intervals the newest output is written, once.
  clock.advance(15_000);
  await sync.syncChanges();
  t.true((await catalogChecks()).includes('load:passing:load 0.3'));
  // A status change goes at once and cancels any deferral.
  await updateTtlCheck(deps, 'load', 'passing', 'load 0.4');
  await updateTtlCheck(deps, 'load', 'warning', 'load 9');
  t.true((await catalogChecks()).includes('load:warning:load 9'));
  t.is(sync.deferredCheckWrites(), 0);
  sync.stop();
});

test('a full sync against unreachable servers fails without writing or throwing later', async (t) => {
  const clock = new ManualClock();
  const rpc = new FakeRpc();
  rpc.failing = () => true;
  const local = new LocalState();
  const random = new SeededRandom(1);
  const sync = new CatalogSync({ rpc, local, node: () => node, agentToken: () => '', clock, random, logger: silentLogger });
  const antiEntropy = new AntiEntropy({ rpc, local, sync, node: () => node, agentToken: () => '', clusterSize: () => 1, clock, random, logger: silentLogger });
  await t.throwsAsync(() => antiEntropy.syncFull(), { message: 'No known Consul servers' });
  antiEntropy.start();
  clock.advance(fullSyncDelayMs(1, 1));
  await new Promise((resolve) => setImmediate(resolve));
  // It failed, logged, and scheduled the next period.
  t.is(clock.pendingTimers(), 1);
  antiEntropy.stop();
  sync.stop();
  t.is(clock.pendingTimers(), 0);
});
