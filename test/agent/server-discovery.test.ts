// Servers found through gossip: only alive members tagged role=consul in this datacenter, with an
// id and a numeric port tag, become servers at <address>:<port>; later events are followed.

import test from 'ava';
import { followGossipServers, serverOf } from '../../src/agent/server-discovery.js';
import type { LanMember } from '../../src/server/leader/reconcile-members.js';

const member = (fields: Partial<LanMember> & { tags?: Record<string, string> } = {}): LanMember => ({
  name: 's1',
  address: '10.0.0.1',
  status: 'alive',
  ...fields,
  tags: { role: 'consul', dc: 'dc1', id: 'id-1', port: '8300', ...fields.tags },
});

test('an alive server of this datacenter is reachable at its address and port tag', (t) => {
  t.deepEqual(serverOf(member(), 'dc1'), { id: 'id-1', name: 's1', address: '10.0.0.1:8300', datacenter: 'dc1' });
  t.is(serverOf(member({ address: '::1' }), 'dc1')?.address, '[::1]:8300');
});

test('clients, other datacenters, failed members and malformed tags are not servers', (t) => {
  t.is(serverOf(member({ tags: { role: 'node' } }), 'dc1'), undefined);
  t.is(serverOf(member(), 'dc2'), undefined);
  t.is(serverOf(member({ status: 'failed' }), 'dc1'), undefined);
  t.is(serverOf(member({ tags: { port: 'x' } }), 'dc1'), undefined);
  t.is(serverOf(member({ tags: { id: '' } }), 'dc1'), undefined);
});

test('members present now and those that come alive later are reported; reaps are not', (t) => {
  let listener: ((member: LanMember, reaped: boolean) => void) | undefined;
  const found: string[] = [];
  const stop = followGossipServers(
    {
      members: () => [member(), member({ name: 'c1', tags: { role: 'node' } })],
      subscribe: (next) => {
        listener = next;
        return () => (listener = undefined);
      },
    },
    'dc1',
    (server) => found.push(server.name),
  );
  listener?.(member({ name: 's2', tags: { id: 'id-2' } }), false);
  listener?.(member({ name: 's3', tags: { id: 'id-3' } }), true);
  t.deepEqual(found, ['s1', 's2']);
  stop();
  t.is(listener, undefined);
});
