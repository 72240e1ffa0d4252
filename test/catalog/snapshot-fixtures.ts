// Random command sequences over every table of the store, for the snapshot tests: small name
// pools so that updates, deletes, lock conflicts and failing commands are frequent.

import fc from 'fast-check';
import { type Command, CommandType } from '../../src/catalog/commands.js';
import type { CaConfiguration, CaRoot } from '../../src/structs/connect-ca.js';
import type { ConfigEntryBody } from '../../src/structs/config-entry.js';
import { checkContent, deregister, register, serviceContent } from './fixtures.js';
import { createSession, destroySession, kv, kvOp, session, txn } from './kv-fixtures.js';

const nodes = ['n1', 'n2', 'N1'];
const keys = ['a', 'a/b', 'a/c', 'b', '__proto__', 'a/__proto__'];
const sessionIds = ['11111111-0000-0000-0000-000000000001', '11111111-0000-0000-0000-000000000002'];

function caConfig(ttl: string): CaConfiguration {
  return {
    ClusterID: 'cluster',
    Provider: 'consul',
    Config: { LeafCertTTL: ttl, IntermediateCertTTL: '8760h', RootCertTTL: '87600h', PrivateKeyType: 'ec', PrivateKeyBits: 256, CSRMaxPerSecond: 50, CSRMaxConcurrent: 0 },
    State: null,
    ForceWithoutCrossSigning: false,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

function caRoot(id: string): CaRoot {
  return {
    ID: id,
    Name: `root ${id}`,
    SerialNumber: 7,
    SigningKeyID: 'aa:bb',
    ExternalTrustDomain: 'cluster.consul',
    NotBefore: '2026-01-01T00:00:00Z',
    NotAfter: '2036-01-01T00:00:00Z',
    RootCert: `PEM ${id}`,
    IntermediateCerts: null,
    SigningCert: `PEM ${id}`,
    SigningKey: `KEY ${id}`,
    Active: true,
    RotatedOutAt: '',
    PrivateKeyType: 'ec',
    PrivateKeyBits: 256,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

const entry = (name: string, protocol: string): ConfigEntryBody => ({ Kind: 'service-defaults', Name: name, Protocol: protocol, Meta: { __proto__: 'x', k: name } });

export const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc
    .record({ node: fc.constantFrom(...nodes), service: fc.constantFrom('', 'web', 'api'), critical: fc.boolean() })
    .map(({ node, service, critical }) =>
      register(node, {
        node: { Meta: { __proto__: 'p', env: node } },
        service: service === '' ? undefined : serviceContent(service, service, { Tags: [node], Meta: { v: '1' } }),
        checks: [checkContent(node, `c-${service}`, { ServiceID: service, Status: critical ? 'critical' : 'passing' })],
      }),
    ),
  fc.record({ node: fc.constantFrom(...nodes), service: fc.constantFrom('', 'web') }).map(({ node, service }) => deregister(node, service)),
  fc.record({ key: fc.constantFrom(...keys), value: fc.string({ maxLength: 8 }) }).map(({ key, value }) => kv('set', key, { value })),
  fc.constantFrom(...keys).map((key) => kv('delete', key)),
  fc.constantFrom('a', '').map((key) => kv('delete-tree', key)),
  fc.record({ key: fc.constantFrom(...keys), id: fc.constantFrom(...sessionIds) }).map(({ key, id }) => kv('lock', key, { session: id, value: 'held' })),
  fc.record({ id: fc.constantFrom(...sessionIds), node: fc.constantFrom(...nodes) }).map(({ id, node }) => createSession(session(id, node, { Behavior: 'delete' }))),
  fc.constantFrom(...sessionIds).map(destroySession),
  fc.nat({ max: 40 }).map((upTo): Command => ({ type: CommandType.TombstoneReap, upTo })),
  fc.record({ a: fc.constantFrom(...keys), b: fc.constantFrom(...keys) }).map(({ a, b }) => txn(kvOp('set', a, { value: 'x' }), kvOp('delete', b))),
  fc.record({ name: fc.constantFrom('web', 'api'), protocol: fc.constantFrom('http', 'grpc') }).map(({ name, protocol }): Command => ({ type: CommandType.ConfigEntry, op: 'upsert', entry: entry(name, protocol), casIndex: null })),
  fc.constantFrom('web', 'api').map((name): Command => ({ type: CommandType.ConfigEntry, op: 'delete', kind: 'service-defaults', name, casIndex: null })),
  fc.constantFrom('72h', '24h').map((ttl): Command => ({ type: CommandType.ConnectCa, op: 'set-config', config: caConfig(ttl) })),
  fc.constantFrom('r1', 'r2').map((id): Command => ({ type: CommandType.ConnectCa, op: 'set-roots', roots: [caRoot(id)], config: null, casIndex: 0 })),
  fc.constantFrom('s1', 's2').map((id): Command => ({ type: CommandType.SnapshotRestore, op: 'begin', id })),
  fc.record({ id: fc.constantFrom('s1', 's2'), seq: fc.nat({ max: 2 }), bytes: fc.uint8Array({ maxLength: 16 }) }).map(({ id, seq, bytes }): Command => ({ type: CommandType.SnapshotRestore, op: 'chunk', id, seq, bytes })),
);
