// Goal: HealthChecks keeps local state's check statuses true — TTL expiry, interval runs through the
// thresholds, alias mirroring, DeregisterCriticalServiceAfter, definition changes — and stop()
// leaves no timer behind. Method: the agent's real LocalState and CatalogSync over a FakeRpc, time
// on a ManualClock; interval checks run against a real TCP server, waited for with a deadline.

import test from 'ava';
import { HealthChecks } from '../../src/health/checks.js';
import { deregisterService, type RegistrationDeps, registerCheck, registerService, updateTtlCheck } from '../../src/agent/registrations.js';
import { type CheckDefinition, checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';
import { SeededRandom } from '../../src/lib/random.js';
import { agentParts, node, seed, silentLogger } from '../agent/fakes.js';
import { eventually, startTcpBackend } from './servers.js';

function setup() {
  const parts = agentParts();
  const health: HealthChecks = new HealthChecks({
    local: parts.local,
    sync: parts.sync,
    rpc: parts.rpc,
    clock: parts.clock,
    random: new SeededRandom(seed),
    logger: silentLogger,
    nodeName: () => node.Node,
    datacenter: () => node.Datacenter,
    agentToken: () => '',
    deregisterService: (serviceId): Promise<void> => deregisterService(deps, serviceId),
  });
  const deps: RegistrationDeps = { ...parts.deps, health };
  health.start();
  return { ...parts, deps, health };
}

const check = (fields: Partial<CheckDefinition>): CheckDefinition => ({ ...zeroValue(checkDefinitionSchema), ...fields });
const service = (name: string, checks: Partial<CheckDefinition>[] = []) => ({ ...zeroValue(serviceDefinitionSchema), Name: name, ID: name, Checks: checks.map(check) });
const api = { source: 'api' as const, token: '' };

test('TTL: a report passes the check, silence for the TTL makes it critical, each report restarts the TTL', async (t) => {
  const { deps, local, clock, health } = setup();
  await registerCheck(deps, check({ Name: 'app', TTL: 10_000 }), api);
  t.is(local.check('app')?.check.Status, 'critical');
  await updateTtlCheck(deps, 'app', 'passing', 'ok');
  clock.advance(9_000);
  await updateTtlCheck(deps, 'app', 'passing', 'still ok');
  clock.advance(9_000);
  t.is(local.check('app')?.check.Status, 'passing');
  clock.advance(1_001);
  t.is(local.check('app')?.check.Status, 'critical');
  t.is(local.check('app')?.check.Output, 'TTL expired (last output before timeout follows): still ok');
  await health.stop();
});

test('TCP interval check: status follows the backend, through FailuresBeforeCritical', async (t) => {
  const { deps, local, clock, health, sync } = setup();
  const backend = await startTcpBackend(t);
  await registerService(deps, service('db', [{ TCP: backend.address, Interval: 5_000, FailuresBeforeCritical: 2 }]), { ...api, replaceExistingChecks: false });
  const status = () => local.check('service:db')?.check.Status;
  clock.advance(5_000);
  await eventually('the first run to pass', () => status() === 'passing');
  await backend.setListening(false);
  const runsBefore = health.completedRuns;
  clock.advance(5_000);
  // One failure is held back by the threshold...
  await eventually('the failed run to finish', () => health.completedRuns === runsBefore + 1);
  t.is(status(), 'passing');
  // ...the second is written.
  clock.advance(5_000);
  await eventually('the second failure to make it critical', () => status() === 'critical');
  t.regex(local.check('service:db')?.check.Output ?? '', /ECONNREFUSED/);
  await health.stop();
  sync.stop();
});

test('alias: a check mirrors the health of another local service', async (t) => {
  const { deps, local, health } = setup();
  await registerService(deps, service('web', [{ TTL: 60_000 }]), { ...api, replaceExistingChecks: false });
  await registerService(deps, service('web-sidecar', [{ AliasService: 'web' }]), { ...api, replaceExistingChecks: false });
  await Promise.resolve();
  const alias = () => local.check('service:web-sidecar')?.check;
  t.is(alias()?.Status, 'critical');
  await updateTtlCheck(deps, 'service:web', 'passing', '');
  await Promise.resolve();
  t.is(alias()?.Status, 'passing');
  t.is(alias()?.Output, 'All checks passing.');
  await deregisterService(deps, 'web');
  await Promise.resolve();
  t.is(alias()?.Status, 'critical');
  t.regex(alias()?.Output ?? '', /Service web could not be found/);
  await health.stop();
});

test('DeregisterCriticalServiceAfter removes a service whose check stays critical (1 minute minimum)', async (t) => {
  const { deps, local, clock, health } = setup();
  await registerService(deps, service('batch', [{ TTL: 10_000, DeregisterCriticalServiceAfter: 5_000, Status: 'passing' }]), { ...api, replaceExistingChecks: false });
  clock.advance(10_001);
  t.is(local.check('service:batch')?.check.Status, 'critical');
  // 5 s was asked for but Consul's minimum is a minute.
  clock.advance(30_000);
  t.truthy(local.service('batch'));
  clock.advance(60_000);
  await eventually('the service to be reaped', () => local.service('batch') === undefined);
  t.is(local.check('service:batch'), undefined);
  await health.stop();
});

test('a changed definition restarts the check; removal and stop leave no timers', async (t) => {
  const { deps, clock, health, sync } = setup();
  await registerCheck(deps, check({ Name: 'disk', TTL: 10_000 }), api);
  t.deepEqual(health.counts(), { interval: 0, ttl: 1, alias: 0, none: 0 });
  await registerCheck(deps, check({ Name: 'disk', TCP: '127.0.0.1:1', Interval: 10_000 }), api);
  t.deepEqual(health.counts(), { interval: 1, ttl: 0, alias: 0, none: 0 });
  await registerCheck(deps, check({ Name: 'mem', TTL: 10_000 }), api);
  await health.stop();
  sync.stop();
  t.deepEqual(health.counts(), { interval: 0, ttl: 0, alias: 0, none: 0 });
  t.is(clock.pendingTimers(), 0);
});
