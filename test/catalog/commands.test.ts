// Goal: commands survive the wire encoding unchanged (so every server applies the same data), and
// an entry whose command number this server does not know is skipped only when its number carries
// IGNORABLE_FLAG; any other unknown or malformed entry stops the server (Fsm.apply throws) instead
// of silently diverging.
// Method: table tests on encodeCommand/decodeCommand and Fsm.apply, plus a fast-check round trip
// over random registrations.

import { isDeepStrictEqual } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { type Command, CommandType, decodeCommand, encodeCommand, IGNORABLE_FLAG } from '../../src/catalog/commands.js';
import { Fsm } from '../../src/catalog/fsm.js';
import { StateStore } from '../../src/catalog/store.js';
import { AssertionError } from '../../src/lib/assert.js';
import { checkContent, deregister, register, serviceContent, sidecarContent } from './fixtures.js';

const roundTrips: { name: string; command: Command }[] = [
  { name: 'bare node', command: register('n1') },
  {
    name: 'node with service and checks',
    command: register('n1', {
      node: { ID: '11111111-2222-3333-4444-555555555555', Meta: { env: 'prod' }, TaggedAddresses: { wan: '1.2.3.4' } },
      service: serviceContent('web', 'web', { Tags: ['a'], Meta: { v: '1' }, TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 } } }),
      checks: [checkContent('n1', 'c', { ServiceID: 'web', Definition: { HTTP: 'http://x/', Header: { A: ['1', '2'] }, Interval: '10s' } })],
    }),
  },
  { name: 'sidecar with proxy config', command: register('n1', { service: sidecarContent('p', 'web') }) },
  { name: 'skipNodeUpdate', command: register('n1', { skipNodeUpdate: true }) },
  { name: 'unicode and empty strings', command: register('nœud-ü', { node: { Address: '', Meta: { k: 'välue ☃ 🚀' } } }) },
  { name: 'deregister node', command: deregister('n1') },
  { name: 'deregister service and check', command: deregister('n1', 'web', 'c') },
];

for (const { name, command } of roundTrips) {
  test(`encode → decode is the identity: ${name}`, (t) => {
    const decoded = decodeCommand(encodeCommand(command));
    t.deepEqual(decoded, { kind: 'command', command });
  });
}

const raw = new Packr({ useRecords: false, moreTypes: false });

const unknownCases: { name: string; value: unknown; type: number; ignorable: boolean }[] = [
  { name: 'a future command number', value: { type: 7, x: 1 }, type: 7, ignorable: false },
  { name: 'a future command number with the ignorable flag', value: { type: 7 | IGNORABLE_FLAG }, type: 135, ignorable: true },
  { name: 'the flag on a known number is still unknown', value: { type: CommandType.Register | IGNORABLE_FLAG }, type: 128, ignorable: true },
  { name: 'a number above the flag range', value: { type: 300 }, type: 300, ignorable: false },
  { name: 'no type', value: { node: 'n1' }, type: -1, ignorable: false },
  { name: 'a string type', value: { type: '0' }, type: -1, ignorable: false },
  { name: 'not an object', value: 42, type: -1, ignorable: false },
  { name: 'null', value: null, type: -1, ignorable: false },
];

for (const { name, value, type, ignorable } of unknownCases) {
  test(`decode: ${name}`, (t) => {
    t.deepEqual(decodeCommand(raw.pack(value)), { kind: 'unknown', type, ignorable });
  });

  test(`fsm.apply: ${name} ${ignorable ? 'is skipped' : 'stops the server'}`, (t) => {
    const store = new StateStore();
    const fsm = new Fsm(store);
    let wakes = 0;
    const unwatch = store.watch(['nodes'], () => wakes++);
    if (ignorable) {
      t.deepEqual(fsm.apply(1, raw.pack(value)), { ok: true, value: undefined });
    } else {
      t.throws(() => fsm.apply(1, raw.pack(value)), { instanceOf: AssertionError, message: `log entry 1 holds unknown command type ${type}` });
    }
    t.is(store.nodes.size, 0);
    t.is(wakes, 0);
    unwatch();
  });
}

test('fsm.apply: undecodable bytes stop the server', (t) => {
  const fsm = new Fsm(new StateStore());
  t.throws(() => fsm.apply(1, Uint8Array.from([0xc1])));
});

test('fsm.apply: a deterministic failure of a known command is returned, not thrown', (t) => {
  const fsm = new Fsm(new StateStore());
  const result = fsm.apply(1, encodeCommand(register('n1', { checks: [checkContent('n1', 'c', { ServiceID: 'missing' })] })));
  t.false(result.ok);
  t.is(result.ok ? undefined : result.error.code, 'bad_request');
});

test('command numbers are fixed forever', (t) => {
  t.deepEqual(CommandType, { Register: 0, Deregister: 1, KvWrite: 2, Session: 3, TombstoneReap: 5, Txn: 8, ConfigEntry: 10, ConnectCa: 13, SnapshotRestore: 32 });
  t.is(IGNORABLE_FLAG, 128);
});

const word = fc.string({ unit: 'grapheme', maxLength: 8 });
const registrationArbitrary = fc.record({
  node: word,
  address: word,
  meta: fc.dictionary(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), word, { maxKeys: 3, noNullPrototype: true }),
  service: fc.option(fc.record({ id: word, name: word, tags: fc.array(word, { maxLength: 3 }), port: fc.integer({ min: 0, max: 65535 }) })),
  checks: fc.array(fc.record({ id: word, status: fc.constantFrom('passing' as const, 'warning' as const, 'critical' as const), output: fc.string({ maxLength: 50 }) }), { maxLength: 3 }),
});

test('property: any registration survives encode → decode', (t) => {
  fc.assert(
    fc.property(registrationArbitrary, (r) => {
      const command = register(r.node, {
        node: { Address: r.address, Meta: r.meta },
        service: r.service === null ? undefined : serviceContent(r.service.id, r.service.name, { Tags: r.service.tags, Port: r.service.port }),
        checks: r.checks.map((c) => checkContent(r.node, c.id, { Status: c.status, Output: c.output })),
      });
      return isDeepStrictEqual(decodeCommand(encodeCommand(command)), { kind: 'command', command });
    }),
  );
  t.pass();
});
