// Goal: services and checks registered through the API are written to the data dir and read back
// by a new agent's LocalState; removals remove the files; config-file entries and status changes
// are not written; a corrupt file is skipped, not fatal. Method: a real temp dir, two LocalStates
// in turn (as two agent runs), the registrations module driving the first.

import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Persistence } from '../../src/agent/persistence.js';
import { LocalState } from '../../src/agent/local-state.js';
import { deregisterCheck, registerCheck, registerService, updateTtlCheck } from '../../src/agent/registrations.js';
import { checkDefinitionSchema } from '../../src/structs/check.js';
import { zeroValue } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';
import { agentParts, silentLogger } from './fakes.js';

async function tempDir(t: { teardown(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'taxiway-persist-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('API registrations survive a restart; deregistered ones do not; only TTL checks keep their status, within the TTL', async (t) => {
  const dataDir = await tempDir(t);
  const { deps, local, clock } = agentParts();
  const persistence = new Persistence(dataDir, local, silentLogger, clock);
  await persistence.restore();
  persistence.watch();
  const web = { ...zeroValue(serviceDefinitionSchema), Name: 'web', ID: 'web-1', Port: 8080, Tags: ['a'], Check: { ...zeroValue(checkDefinitionSchema), HTTP: 'http://127.0.0.1:1/', Interval: 10_000 } };
  await registerService(deps, web, { source: 'api', token: 'tok', replaceExistingChecks: false });
  await registerCheck(deps, { ...zeroValue(checkDefinitionSchema), Name: 'disk', TTL: 30_000 }, { source: 'api', token: '' });
  await registerCheck(deps, { ...zeroValue(checkDefinitionSchema), Name: 'gone', TTL: 30_000 }, { source: 'api', token: '' });
  await deregisterCheck(deps, 'gone');
  await updateTtlCheck(deps, 'disk', 'passing', 'fine');
  await persistence.flush();
  t.is((await readdir(join(dataDir, 'services'))).length, 1);
  // Two check files and the state directory, which holds the TTL check's last report.
  t.is((await readdir(join(dataDir, 'checks'))).length, 3);
  t.is((await readdir(join(dataDir, 'checks', 'state'))).length, 1);

  const next = new LocalState();
  const restored = await new Persistence(dataDir, next, silentLogger, clock).restore();
  t.deepEqual(restored, { services: 1, checks: 2 });
  t.deepEqual(next.service('web-1')?.service, local.service('web-1')?.service);
  t.is(next.service('web-1')?.token, 'tok');
  t.is(next.service('web-1')?.source, 'api');
  // Compared as stored: JSON leaves out fields that are undefined (an absent H2PingUseTLS).
  t.deepEqual(next.check('service:web-1')?.definition, JSON.parse(JSON.stringify(local.check('service:web-1')?.definition)) as unknown);
  // A TTL check restarted within its TTL keeps its last report (Consul's loadCheckState); others
  // start again at their initial status.
  t.is(next.check('disk')?.check.Status, 'passing');
  t.is(next.check('disk')?.check.Output, 'fine');
  t.is(next.check('service:web-1')?.check.Status, 'critical');
  t.is(next.check('gone'), undefined);
  // After the TTL, the report no longer holds.
  clock.advance(30_001);
  const later = new LocalState();
  await new Persistence(dataDir, later, silentLogger, clock).restore();
  t.is(later.check('disk')?.check.Status, 'critical');
});

test('config-file entries are not persisted', async (t) => {
  const dataDir = await tempDir(t);
  const local = new LocalState();
  const { deps, clock } = agentParts();
  const persistence = new Persistence(dataDir, local, silentLogger, clock);
  await persistence.restore();
  persistence.watch();
  const configDeps = { ...deps, local };
  await registerService(configDeps, { ...zeroValue(serviceDefinitionSchema), Name: 'from-file' }, { source: 'config', token: '', replaceExistingChecks: false });
  await persistence.flush();
  t.deepEqual(await readdir(join(dataDir, 'services')), []);
});

test('a corrupt or half-written file is skipped, the rest restored', async (t) => {
  const dataDir = await tempDir(t);
  const { deps, local, clock } = agentParts();
  const persistence = new Persistence(dataDir, local, silentLogger, clock);
  await persistence.restore();
  persistence.watch();
  await registerService(deps, { ...zeroValue(serviceDefinitionSchema), Name: 'db' }, { source: 'api', token: '', replaceExistingChecks: false });
  await persistence.flush();
  await writeFile(join(dataDir, 'services', 'garbage'), '{"Service": ');
  await writeFile(join(dataDir, 'services', 'leftover.tmp'), 'partial');
  await writeFile(join(dataDir, 'services', 'wrong-shape'), '{"Service": 3}');
  await writeFile(join(dataDir, 'checks', 'null'), 'null');
  const next = new LocalState();
  t.deepEqual(await new Persistence(dataDir, next, silentLogger, clock).restore(), { services: 1, checks: 0 });
  t.truthy(next.service('db'));
});
