// Goal: stopping the health checks releases everything they opened — sockets, child processes,
// timers — even with runs in flight against a backend that never answers and a script that hangs.
// Method: HealthChecks on the real clock with HTTP, TCP, gRPC, UDP, H2PING and script checks,
// stop() while runs are in flight, then compare Node's active resources with those from before.
// Alone in its file: other tests in the process would add resources of their own.

import test from 'ava';
import { HealthChecks } from '../../src/health/checks.js';
import { registerService, type RegistrationDeps } from '../../src/agent/registrations.js';
import { LocalState, type RegistrationSource } from '../../src/agent/local-state.js';
import { CatalogSync } from '../../src/agent/catalog-sync.js';
import { SystemClock } from '../../src/lib/clock.js';
import { SeededRandom } from '../../src/lib/random.js';
import { checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';
import { FakeRpc, node, silentLogger } from '../agent/fakes.js';
import { eventually, startGrpcBackend, startH2Backend, startHttpBackend, startTcpBackend, startUdpBackend } from './servers.js';

const counted = ['TCPSocketWrap', 'TCPWRAP', 'UDPWRAP', 'ProcessWrap', 'PipeWrap', 'Timeout', 'Http2Session'];

function resources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) if (counted.includes(name)) out[name] = (out[name] ?? 0) + 1;
  return out;
}

test('stop() with runs in flight leaves no socket, process or timer behind', async (t) => {
  const hung = await startHttpBackend(t, () => undefined);
  const tcp = await startTcpBackend(t);
  const grpc = await startGrpcBackend(t);
  grpc.hang = true;
  const udp = await startUdpBackend(t);
  udp.answering = false;
  const h2 = await startH2Backend(t);
  const before = resources();

  const clock = new SystemClock();
  const random = new SeededRandom(3);
  const local = new LocalState();
  const rpc = new FakeRpc();
  const sync = new CatalogSync({ rpc, local, node: () => node, agentToken: () => '', clock, random, logger: silentLogger });
  const deps: RegistrationDeps = {
    local,
    sync,
    definitionContext: (source: RegistrationSource) => ({ nodeName: node.Node, source, enableScriptChecks: true, enableLocalScriptChecks: true }),
  };
  const health = new HealthChecks({ local, sync, rpc, clock, random, logger: silentLogger, nodeName: () => node.Node, datacenter: () => 'dc1', agentToken: () => '', deregisterService: () => Promise.resolve() });
  health.start();
  const check = (fields: Record<string, unknown>) => ({ ...zeroValue(checkDefinitionSchema), Interval: 1000, Timeout: 30_000, ...fields });
  const checks = [
    check({ HTTP: `http://${hung.address}/` }),
    check({ TCP: tcp.address }),
    check({ GRPC: grpc.address }),
    check({ UDP: udp.address }),
    check({ H2PING: h2.address }),
    check({ ScriptArgs: ['/bin/sh', '-c', 'sleep 60'] }),
    check({ TTL: 60_000, Interval: 0 }),
  ];
  await registerService(deps, { ...zeroValue(serviceDefinitionSchema), Name: 'many', Checks: checks }, { source: 'api', token: '', replaceExistingChecks: false });
  // Wait until the hung HTTP request has reached the backend and the script is running: runs are in flight.
  await eventually('the hung HTTP check and the script to be in flight', () => hung.requests.length > 0 && (resources().ProcessWrap ?? 0) > (before.ProcessWrap ?? 0), 5000);
  t.true((resources().TCPSocketWrap ?? resources().TCPWRAP ?? 0) > (before.TCPSocketWrap ?? before.TCPWRAP ?? 0));

  await health.stop();
  sync.stop();
  await eventually(
    'resources to return to what they were',
    () => {
      const after = resources();
      return counted.every((name) => (after[name] ?? 0) <= (before[name] ?? 0));
    },
    5000,
  ).catch((error: unknown) => {
    t.log({ before, after: resources() });
    throw error;
  });
  t.pass();
});
