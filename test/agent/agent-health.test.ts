// Goal: the composed Agent wires health checks, anti-entropy and persistence together: a TTL check
// expires into the catalog, an instance deleted from the catalog behind the agent's back comes back
// at the next full sync, and stop() leaves no timer behind. Method: a real dev Agent (in-process
// server, no HTTP listener) on a ManualClock, driven through the registrations module and RPC.

import test from 'ava';
import { randomInt } from 'node:crypto';
import { Agent } from '../../src/agent/agent.js';
import { loadRuntimeConfig } from '../../src/agent/config/index.js';
import { registerService, updateTtlCheck } from '../../src/agent/registrations.js';
import { ManualClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';
import { parseAgentArgs, testHost } from './config/helpers.js';
import { silentLogger } from './fakes.js';

async function startAgent() {
  const { config } = await loadRuntimeConfig({ flags: parseAgentArgs(['-dev', '-http-port=-1', '-dns-port=-1', '-bind', `127.${randomInt(1, 250)}.${randomInt(0, 250)}.${randomInt(2, 250)}`]), host: testHost });
  const clock = new ManualClock();
  const agent = await Agent.create(config, { clock, random: new SeededRandom(5), logger: silentLogger, reloadConfig: () => Promise.resolve(config) });
  await agent.start();
  const read = { datacenter: config.datacenter, token: '', minQueryIndex: 0, maxQueryTimeMs: 0, allowStale: false, requireConsistent: false, maxStaleMs: 0, filter: '' };
  const catalogChecks = async () => (await agent.rpc.call('Health.NodeChecks', { ...read, node: config.nodeName })).value.map((check) => `${check.CheckID}:${check.Status}`).sort();
  const catalogServices = async () => (await agent.rpc.call('Catalog.NodeServiceList', { ...read, node: config.nodeName })).value?.Services.map((service) => service.ID).sort();
  return { agent, clock, config, catalogChecks, catalogServices };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

test('TTL expiry reaches the catalog; a deleted instance comes back with the full sync; stop leaves no timers', async (t) => {
  const { agent, clock, config, catalogChecks, catalogServices } = await startAgent();
  const web = { ...zeroValue(serviceDefinitionSchema), Name: 'web', Check: { ...zeroValue(checkDefinitionSchema), TTL: 10_000 } };
  await registerService(agent, web, { source: 'api', token: '', replaceExistingChecks: false });
  await updateTtlCheck(agent, 'service:web', 'passing', 'ok');
  t.true((await catalogChecks()).includes('service:web:passing'));
  clock.advance(10_001);
  await settle();
  t.true((await catalogChecks()).includes('service:web:critical'));

  const write = { datacenter: config.datacenter, token: '' };
  await agent.rpc.call('Catalog.Deregister', { ...write, node: config.nodeName, serviceId: 'web', checkId: '' });
  t.deepEqual(await catalogServices(), ['consul']);
  // The full sync comes within interval + stagger (60 s + up to 60 s × scale factor 1).
  clock.advance(120_000);
  await settle();
  t.deepEqual(await catalogServices(), ['consul', 'web']);
  t.true((await catalogChecks()).includes('service:web:critical'));

  await agent.stop();
  t.is(clock.pendingTimers(), 0);
});
