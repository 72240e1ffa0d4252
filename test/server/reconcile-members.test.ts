// Goal: the leader's serfHealth duty follows LAN members: alive → node with serfHealth passing
// (servers also get the consul service), failed → critical (services stay registered but leave
// ?passing), back alive → passing, left or reaped → deregistered, members of other datacenters
// ignored, a catalog node with serfHealth that no member matches removed by the full pass, and the
// leader itself never deregistered. Method: a real Server (in-process log) on a ManualClock, fed by
// a hand-written MemberSource.

import test from 'ava';
import { aclDisabled } from '../../src/acl/authorizer.js';
import { CommandType } from '../../src/catalog/commands.js';
import { ManualClock } from '../../src/lib/clock.js';
import { limits } from '../../src/lib/limits.js';
import { SeededRandom } from '../../src/lib/random.js';
import type { LanMember, MemberSource } from '../../src/server/leader/reconcile-members.js';
import { Server } from '../../src/server/server.js';

class FakeSource implements MemberSource {
  readonly list = new Map<string, LanMember>();
  private readonly listeners = new Set<(member: LanMember, reaped: boolean) => void>();

  members(): LanMember[] {
    return [...this.list.values()];
  }

  subscribe(listener: (member: LanMember, reaped: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(name: string, status: LanMember['status'], tags: Record<string, string> = {}): void {
    const member = { name, address: `10.0.0.${this.list.size + 2}`, status, tags: { role: 'node', dc: 'dc1', id: '', ...tags } };
    this.list.set(name, member);
    for (const listener of this.listeners) listener(member, false);
  }

  reap(name: string): void {
    const member = this.list.get(name);
    this.list.delete(name);
    if (member !== undefined) for (const listener of this.listeners) listener(member, true);
  }
}

async function setup() {
  const clock = new ManualClock();
  const errors: unknown[] = [];
  const server = new Server({
    datacenter: 'dc1',
    self: { nodeName: 'leader', nodeId: '11111111-2222-3333-4444-555555555555', address: '127.0.0.1', serverPort: 8300 },
    clock,
    random: new SeededRandom(3),
    acl: aclDisabled,
    onBackgroundError: (error) => errors.push(error),
  });
  await server.start();
  const source = new FakeSource();
  source.set('leader', 'alive', { role: 'consul', port: '8300' });
  server.followMembers(source);
  const serf = (node: string): string | undefined => server.store.checks.get(`${node}/serfhealth`)?.Status;
  // Lets the reconciler's chain of proposals run.
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { server, source, clock, errors, serf, settle };
}

test('alive, failed, back, left: the catalog follows each member', async (t) => {
  const { server, source, serf, settle, errors } = await setup();
  source.set('web1', 'alive');
  await settle();
  t.is(serf('web1'), 'passing');
  await server.context.log.propose({ type: CommandType.Register, node: { ID: '', Node: 'web1', Address: '10.0.0.3', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} }, skipNodeUpdate: true, service: { ID: 'web', Service: 'web', Tags: [], Address: '', Meta: {}, Port: 80, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Proxy: { Mode: '', MeshGateway: {}, Expose: {} }, Connect: {} }, checks: [] });
  source.set('web1', 'failed');
  await settle();
  t.is(serf('web1'), 'critical');
  t.is(server.store.checks.get('web1/serfhealth')?.Output, 'Agent not live or unreachable');
  t.not(server.store.services.get('web1/web'), undefined);
  source.set('web1', 'alive');
  await settle();
  t.is(serf('web1'), 'passing');
  source.set('web1', 'left');
  await settle();
  t.is(server.store.nodes.get('web1'), undefined);
  t.is(serf('leader'), 'passing');
  t.deepEqual(errors, []);
});

test('servers get the consul service; other datacenters are ignored; reaped members are deregistered', async (t) => {
  const { server, source, serf, settle } = await setup();
  source.set('s2', 'alive', { role: 'consul', port: '8300', id: '22222222-2222-3333-4444-555555555555' });
  source.set('far', 'alive', { dc: 'dc2' });
  await settle();
  t.is(serf('s2'), 'passing');
  t.is(server.store.services.get('s2/consul')?.service.Port, 8300);
  t.is(server.store.nodes.get('far'), undefined);
  source.reap('s2');
  await settle();
  t.is(server.store.nodes.get('s2'), undefined);
});

test('the full pass removes serfHealth nodes no member matches, never the leader', async (t) => {
  const { server, source, clock, serf, settle } = await setup();
  source.set('ghost', 'alive');
  await settle();
  t.is(serf('ghost'), 'passing');
  source.list.delete('ghost');
  source.list.delete('leader');
  clock.advance(limits.reconcileMembersIntervalMs);
  await settle();
  t.is(server.store.nodes.get('ghost'), undefined);
  t.is(serf('leader'), 'passing');
  await server.stop();
});
