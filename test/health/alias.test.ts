// Goal: alias results follow Consul's processChecks: critical beats warning beats passing, a service
// alias counts its service's and the node's checks, a node alias only the node's, and a missing
// service is critical. Method: table cases over aliasResult.

import test from 'ava';
import { type AliasedCheck, aliasResult } from '../../src/health/runners/alias.js';

const check = (Name: string, ServiceID: string, Status: AliasedCheck['Status']): AliasedCheck => ({ Name, ServiceID, Status, Output: `${Name} output` });

test('service alias: the worst of the service\'s and the node\'s checks; other services ignored', (t) => {
  const target = { node: 'n1', serviceId: 'web' };
  t.deepEqual(aliasResult(target, [check('web-ok', 'web', 'passing')], true), { status: 'passing', output: 'All checks passing.' });
  t.deepEqual(aliasResult(target, [check('db-down', 'db', 'critical'), check('web-ok', 'web', 'passing')], true), { status: 'passing', output: 'All checks passing.' });
  t.deepEqual(aliasResult(target, [check('web-slow', 'web', 'warning'), check('node-down', '', 'critical')], true), { status: 'critical', output: 'Aliased check "node-down" failing: node-down output' });
  t.deepEqual(aliasResult(target, [check('web-slow', 'web', 'warning'), check('web-ok', 'web', 'passing')], true), { status: 'warning', output: 'Aliased check "web-slow" failing: web-slow output' });
  t.deepEqual(aliasResult(target, [], true), { status: 'passing', output: 'No checks found.' });
  t.deepEqual(aliasResult(target, [], false), { status: 'critical', output: 'Service web could not be found on node n1' });
});

test('node alias: only node-level checks count', (t) => {
  const target = { node: 'n2', serviceId: '' };
  t.deepEqual(aliasResult(target, [check('web-down', 'web', 'critical')], true), { status: 'passing', output: 'No checks found.' });
  t.is(aliasResult(target, [check('serf', '', 'critical')], true).status, 'critical');
});
