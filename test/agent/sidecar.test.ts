// Goal: Connect.SidecarService expands into Consul's `<id>-sidecar-proxy` registration with its
// defaults (kind, name, proxy destination, local port, address, tags/meta, checks) and a port from
// the sidecar range: lowest free, the same one on re-registration, an error when none is left.
// Method: table tests of the pure expansion over decoded service definitions.

import test from 'ava';
import { sidecarDefinition, sidecarPort } from '../../src/agent/sidecar.js';
import { decode } from '../../src/structs/schema.js';
import { serviceDefinitionSchema } from '../../src/structs/service.js';

const range = { min: 21000, max: 21002 };
const definition = (value: Record<string, unknown>) => decode(serviceDefinitionSchema, value);

test('no SidecarService, no sidecar', (t) => {
  t.is(sidecarDefinition(definition({ Name: 'web', Port: 8080 }), range, []), undefined);
});

test('an empty SidecarService gets every default', (t) => {
  const parent = definition({ Name: 'web', ID: 'web-1', Port: 8080, Tags: ['v1'], Meta: { team: 'a' }, Connect: { SidecarService: {} } });
  const sidecar = sidecarDefinition(parent, range, [{ id: 'other', port: 21000 }]);
  t.like(sidecar, {
    ID: 'web-1-sidecar-proxy',
    Name: 'web-sidecar-proxy',
    Kind: 'connect-proxy',
    Port: 21001,
    Tags: ['v1'],
    Meta: { team: 'a' },
    Proxy: { DestinationServiceName: 'web', DestinationServiceID: 'web-1', LocalServiceAddress: '127.0.0.1', LocalServicePort: 8080 },
  });
  t.deepEqual(
    sidecar?.Checks.map((check) => ({ Name: check.Name, TCP: check.TCP, Interval: check.Interval, AliasService: check.AliasService })),
    [
      { Name: 'Connect Sidecar Listening', TCP: '127.0.0.1:21001', Interval: 10_000, AliasService: '' },
      { Name: 'Connect Sidecar Aliasing web-1', TCP: '', Interval: 0, AliasService: 'web-1' },
    ],
  );
});

test('explicit fields win; upstreams and snake_case keys are kept', (t) => {
  const parent = definition({
    Name: 'web',
    Port: 8080,
    Address: '10.0.0.1',
    Connect: {
      sidecar_service: {
        port: 9999,
        tags: ['proxy'],
        proxy: { local_service_port: 9090, upstreams: [{ destination_name: 'db', local_bind_port: 9191 }] },
        check: { name: 'mine', ttl: '10s' },
      },
    },
  });
  const sidecar = sidecarDefinition(parent, range, []);
  t.is(sidecar?.ID, 'web-sidecar-proxy');
  t.is(sidecar?.Port, 9999);
  t.is(sidecar?.Address, '10.0.0.1', 'inherits the parent address');
  t.deepEqual(sidecar?.Tags, ['proxy']);
  t.is(sidecar?.Proxy?.LocalServicePort, 9090);
  t.is(sidecar?.Proxy?.LocalServiceAddress, '127.0.0.1');
  t.is(sidecar?.Proxy?.Upstreams[0]?.DestinationName, 'db');
  t.is(sidecar?.Proxy?.Upstreams[0]?.LocalBindPort, 9191);
  t.is(sidecar?.Check?.Name, 'mine', 'own checks replace the defaults');
  t.deepEqual(sidecar?.Checks, []);
});

test('ports: lowest free, the same again for the same sidecar, errors when none is left or off', (t) => {
  t.is(sidecarPort('a-sidecar-proxy', range, []), 21000);
  t.is(sidecarPort('a-sidecar-proxy', range, [{ id: 'x', port: 21000 }, { id: 'y', port: 80 }]), 21001);
  t.is(sidecarPort('a-sidecar-proxy', range, [{ id: 'x', port: 21000 }, { id: 'a-sidecar-proxy', port: 21002 }]), 21002);
  const full = [21000, 21001, 21002].map((port) => ({ id: `s${port}`, port }));
  t.throws(() => sidecarPort('a-sidecar-proxy', range, full), { message: 'no port provided for sidecar_service and none left in the configured range [21000, 21002]' });
  t.throws(() => sidecarPort('a-sidecar-proxy', { min: -1, max: -1 }, []), { message: /auto-assignment disabled/ });
});
