// Goal: LocalState announces every change with what changed (so the sync pushes exactly that),
// stays silent when nothing changed, removes a service's checks with it, and with
// replace-existing-checks drops exactly the service's checks that the new registration omits.
// Method: table-like scripts of operations, recording the emitted changes in order.

import test from 'ava';
import { type LocalChange, type LocalCheck, LocalState, type LocalService } from '../../src/agent/local-state.js';

function service(id: string): LocalService {
  return {
    service: { ID: id, Service: id, Tags: [], Address: '', Meta: {}, Port: 80, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Proxy: {}, Connect: {} },
    token: '',
    source: 'api',
  };
}

function check(id: string, serviceId = ''): LocalCheck {
  return {
    check: { Node: 'agent-1', CheckID: id, Name: id, Status: 'critical', Notes: '', Output: '', ServiceID: serviceId, Type: 'ttl', Interval: '', Timeout: '', ExposedPort: 0, Definition: {} },
    definition: undefined,
    token: '',
    source: 'api',
  };
}

function recorded(local: LocalState): string[] {
  const changes: string[] = [];
  local.onChange((change: LocalChange) => changes.push(change.kind === 'node' ? 'node' : `${change.kind}:${change.id}`));
  return changes;
}

const ids = (checks: readonly LocalCheck[]): string[] => checks.map((c) => c.check.CheckID).sort();

test('adding a service announces the service, then each of its checks', (t) => {
  const local = new LocalState();
  const changes = recorded(local);
  local.addService(service('web'), [check('c1', 'web'), check('c2', 'web')], false);
  t.deepEqual(changes, ['service:web', 'check:c1', 'check:c2']);
  t.deepEqual(ids(local.checksOf('web')), ['c1', 'c2']);
});

test('removing a service removes its checks, announcing each, and only its checks', (t) => {
  const local = new LocalState();
  local.addService(service('web'), [check('c1', 'web')], false);
  local.addService(service('api'), [check('c2', 'api')], false);
  local.addCheck(check('node-check'));
  const changes = recorded(local);
  t.true(local.removeService('web'));
  t.deepEqual(changes, ['check:c1', 'service:web']);
  t.is(local.service('web'), undefined);
  t.deepEqual(ids(local.checks()), ['c2', 'node-check']);
  t.false(local.removeService('web'), 'a second removal finds nothing');
  t.deepEqual(changes, ['check:c1', 'service:web'], 'and announces nothing');
});

const replaceCases: { name: string; replace: boolean; newChecks: string[]; remaining: string[] }[] = [
  { name: 'without replace, old checks stay', replace: false, newChecks: ['c3'], remaining: ['c1', 'c2', 'c3'] },
  { name: 'with replace, omitted checks go', replace: true, newChecks: ['c2', 'c3'], remaining: ['c2', 'c3'] },
  { name: 'with replace and no checks, all of the service checks go', replace: true, newChecks: [], remaining: [] },
];

for (const { name, replace, newChecks, remaining } of replaceCases) {
  test(`re-registering a service: ${name}; other services and node checks are untouched`, (t) => {
    const local = new LocalState();
    local.addService(service('web'), [check('c1', 'web'), check('c2', 'web')], false);
    local.addService(service('api'), [check('a1', 'api')], false);
    local.addCheck(check('node-check'));
    const changes = recorded(local);
    local.addService(
      service('web'),
      newChecks.map((id) => check(id, 'web')),
      replace,
    );
    t.deepEqual(ids(local.checksOf('web')), remaining);
    t.deepEqual(ids(local.checksOf('api')), ['a1']);
    t.deepEqual(ids(local.checksOf('')), ['node-check']);
    const removed = ['c1', 'c2'].filter((id) => !remaining.includes(id));
    for (const id of removed) t.true(changes.includes(`check:${id}`), `removal of ${id} is announced`);
    t.true(changes.includes('service:web'));
  });
}

test('updateCheck announces a change of status or output, and nothing when both are unchanged', (t) => {
  const local = new LocalState();
  local.addCheck(check('c1'));
  const changes = recorded(local);
  t.true(local.updateCheck('c1', 'critical', ''));
  t.deepEqual(changes, [], 'same status and output');
  t.true(local.updateCheck('c1', 'passing', ''));
  t.true(local.updateCheck('c1', 'passing', 'ok'));
  t.deepEqual(changes, ['check:c1', 'check:c1']);
  t.like(local.check('c1')?.check, { Status: 'passing', Output: 'ok' });
  t.false(local.updateCheck('nope', 'passing', ''));
});

test('updateCheck replaces the entry instead of mutating it', (t) => {
  const local = new LocalState();
  local.addCheck(check('c1'));
  const before = local.check('c1');
  local.updateCheck('c1', 'warning', 'w');
  t.is(before?.check.Status, 'critical');
});

test('removeCheck announces only real removals; nodeChanged announces the node', (t) => {
  const local = new LocalState();
  local.addCheck(check('c1'));
  const changes = recorded(local);
  t.false(local.removeCheck('nope'));
  t.true(local.removeCheck('c1'));
  local.nodeChanged();
  t.deepEqual(changes, ['check:c1', 'node']);
});

test('an unsubscribed listener hears nothing more', (t) => {
  const local = new LocalState();
  const heard: LocalChange[] = [];
  const unsubscribe = local.onChange((change) => heard.push(change));
  local.nodeChanged();
  unsubscribe();
  local.nodeChanged();
  t.is(heard.length, 1);
});
