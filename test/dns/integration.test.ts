// Goal: a real dev agent answers DNS the way Consul does, for real clients: `dig` (Debian's
// dnsutils) and Node's own resolver (dns.promises.Resolver pointed at the agent), over UDP and
// TCP. Covers every name form (service, tag, RFC 2782, connect, node, addr, alt domain, apex),
// health filtering, TTLs, truncation with TC and the clients' TCP retry, REFUSED without
// recursors, recursion (UDP, next recursor on failure, SERVFAIL when none answers), and that a
// slow TCP client is cut off. Method: start agents on their own 127.x.y.z with -hcl settings,
// register nodes and services through /v1/catalog/register, then query and compare.

import test from 'ava';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { connect } from 'node:net';
import { decode, encode } from 'dns-packet';
import { type DevAgent, startDevAgent } from '../helpers/agent-process.js';

let agent: DevAgent;

async function register(body: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${agent.baseUrl}/v1/catalog/register`, { method: 'PUT', body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`register failed: ${response.status} ${await response.text()}`);
}

function dig(target: DevAgent, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@${target.host}`, '-p', String(target.dnsPort), '+time=3', '+tries=1', ...args], { timeout: 15_000 }, (error, stdout) => {
      if (error) reject(new Error(`dig failed: ${error.message}`));
      else resolve(stdout);
    });
  });
}

function digShort(target: DevAgent, name: string, type: string, ...args: string[]): Promise<string[]> {
  return dig(target, name, type, '+short', ...args).then((out) => out.split('\n').filter((line) => line !== '').sort());
}

function resolverFor(target: DevAgent): Resolver {
  const resolver = new Resolver({ timeout: 3000, tries: 1 });
  resolver.setServers([`${target.host}:${target.dnsPort}`]);
  return resolver;
}

const passing = (serviceId: string): Record<string, unknown> => ({ CheckID: `check-${serviceId}`, Name: 'check', Status: 'passing', ServiceID: serviceId });

test.before(async () => {
  agent = await startDevAgent([
    '-alt-domain',
    'alt.example',
    '-hcl',
    'dns_config { enable_truncate = true, node_ttl = "7s", service_ttl = { "db" = "30s" } }',
  ]);
  await register({ Node: 'n1', Address: '10.1.0.1', NodeMeta: { rack: 'r1' }, Service: { ID: 'web1', Service: 'web', Port: 8080, Tags: ['v1'] }, Checks: [passing('web1')] });
  await register({ Node: 'n2', Address: '10.1.0.2', Service: { ID: 'web2', Service: 'web', Port: 8081, Tags: ['v2'] }, Checks: [{ ...passing('web2'), Status: 'warning' }] });
  await register({ Node: 'n3', Address: '10.1.0.3', Service: { ID: 'web3', Service: 'web', Port: 8082, Tags: ['v1'] }, Checks: [{ ...passing('web3'), Status: 'critical' }] });
  await register({ Node: 'n4', Address: '10.1.0.4', Service: { ID: 'db1', Service: 'db', Port: 5432, Address: '10.9.0.4' }, Checks: [passing('db1')] });
  await register({ Node: 'n6', Address: 'fd00::6', Service: { ID: 'v6', Service: 'six', Port: 6 } });
  await register({
    Node: 'n1',
    Address: '10.1.0.1',
    NodeMeta: { rack: 'r1' },
    Service: { ID: 'web-sidecar', Service: 'web-sidecar-proxy', Kind: 'connect-proxy', Port: 21000, Proxy: { DestinationServiceName: 'web' } },
    Checks: [passing('web-sidecar')],
  });
  for (let i = 0; i < 30; i++) {
    await register({ Node: `big-node-with-a-long-name-${i}`, Address: `10.2.0.${i + 1}`, Service: { ID: `big${i}`, Service: 'big', Port: 9000 + i } });
  }
});

test.after.always(async () => {
  await agent?.stop();
});

test('A: healthy instances only (passing and warning), critical left out', async (t) => {
  t.deepEqual(await digShort(agent, 'web.service.consul', 'A'), ['10.1.0.1', '10.1.0.2']);
  t.deepEqual((await resolverFor(agent).resolve4('web.service.consul')).sort(), ['10.1.0.1', '10.1.0.2']);
});

test('tags, RFC 2782 and datacenter forms', async (t) => {
  t.deepEqual(await digShort(agent, 'v1.web.service.consul', 'A'), ['10.1.0.1']);
  t.deepEqual(await digShort(agent, 'v1.web.service.dc1.consul', 'A'), ['10.1.0.1']);
  t.deepEqual(await digShort(agent, '_web._v2.service.consul', 'SRV'), ['1 1 8081 n2.node.dc1.consul.']);
  const srv = await resolverFor(agent).resolveSrv('_web._tcp.service.consul');
  t.deepEqual(srv.map((record) => `${record.port} ${record.name}`).sort(), ['8080 n1.node.dc1.consul', '8081 n2.node.dc1.consul']);
});

test('SRV: node FQDN targets with A and node meta TXT in the additional section', async (t) => {
  const out = await dig(agent, 'v1.web.service.consul', 'SRV');
  t.regex(out, /v1\.web\.service\.consul\.\s+0\s+IN\s+SRV\s+1 1 8080 n1\.node\.dc1\.consul\./);
  t.regex(out, /ADDITIONAL SECTION:[\s\S]*n1\.node\.dc1\.consul\.\s+0\s+IN\s+A\s+10\.1\.0\.1/);
  t.regex(out, /n1\.node\.dc1\.consul\.\s+0\s+IN\s+TXT\s+"rack=r1"/);
});

test('service address: A and an addr-form SRV target; service_ttl applies', async (t) => {
  const out = await dig(agent, 'db.service.consul', 'SRV');
  t.regex(out, /db\.service\.consul\.\s+30\s+IN\s+SRV\s+1 1 5432 0a090004\.addr\.dc1\.consul\./);
  t.deepEqual(await digShort(agent, 'db.service.consul', 'A'), ['10.9.0.4']);
  t.deepEqual(await digShort(agent, '0a090004.addr.consul', 'A'), ['10.9.0.4']);
});

test('AAAA for IPv6 nodes; A for them is an empty answer with the SOA', async (t) => {
  t.deepEqual(await digShort(agent, 'six.service.consul', 'AAAA'), ['fd00::6']);
  t.deepEqual(await resolverFor(agent).resolve6('six.service.consul'), ['fd00::6']);
  const out = await dig(agent, 'six.service.consul', 'A');
  t.regex(out, /status: NOERROR/);
  t.regex(out, /AUTHORITY SECTION:\s+consul\.\s+0\s+IN\s+SOA\s+ns\.consul\. hostmaster\.consul\./);
});

test('connect: the mesh-capable instances (the sidecar)', async (t) => {
  t.deepEqual(await digShort(agent, 'web.connect.consul', 'SRV'), ['1 1 21000 n1.node.dc1.consul.']);
});

test('nodes: A with node_ttl, TXT meta, NXDOMAIN for unknown ones; alt domain', async (t) => {
  t.regex(await dig(agent, 'n1.node.consul', 'A'), /n1\.node\.consul\.\s+7\s+IN\s+A\s+10\.1\.0\.1/);
  t.deepEqual(await resolverFor(agent).resolveTxt('n1.node.consul'), [['rack=r1']]);
  t.deepEqual(await digShort(agent, 'n1.node.dc1.alt.example', 'A'), ['10.1.0.1']);
  const missing = await dig(agent, 'nobody.node.consul', 'A');
  t.regex(missing, /status: NXDOMAIN/);
  t.regex(missing, /IN\s+SOA/);
  await t.throwsAsync(resolverFor(agent).resolve4('nobody.node.consul'), { code: 'ENOTFOUND' });
});

test('unknown services and forms are NXDOMAIN', async (t) => {
  t.regex(await dig(agent, 'nope.service.consul', 'A'), /status: NXDOMAIN/);
  t.regex(await dig(agent, 'web.bogus.consul', 'A'), /status: NXDOMAIN/);
});

test('the domain: SOA and NS', async (t) => {
  t.regex(await dig(agent, 'consul', 'SOA'), /ANSWER SECTION:\s+consul\.\s+0\s+IN\s+SOA\s+ns\.consul\./);
  t.regex(await dig(agent, 'consul', 'NS'), /consul\.\s+7\s+IN\s+NS\s+\S+\.server\.dc1\.consul\./);
});

test('truncation: UDP answers fit 512 bytes with TC; dig and Node retry over TCP for the full answer', async (t) => {
  const udpOnly = await dig(agent, 'big.service.consul', 'SRV', '+ignore', '+noedns');
  t.regex(udpOnly, /flags: qr aa tc rd/);
  t.regex(udpOnly, /MSG SIZE\s+rcvd: (\d+)/);
  t.true(Number(/MSG SIZE\s+rcvd: (\d+)/.exec(udpOnly)?.[1]) <= 512);
  const retried = await dig(agent, 'big.service.consul', 'SRV', '+noedns');
  t.regex(retried, /\(TCP\)/);
  t.is((retried.match(/^\S+\s+\d+\s+IN\s+SRV/gm) ?? []).length, 30);
  t.is((await resolverFor(agent).resolveSrv('big.service.consul')).length, 30);
  t.is((await digShort(agent, 'big.service.consul', 'A', '+tcp')).length, 30);
});

test('EDNS0: a larger buffer lifts the limit and the OPT is echoed', async (t) => {
  const out = await dig(agent, 'big.service.consul', 'A', '+bufsize=4096', '+ignore');
  t.regex(out, /OPT PSEUDOSECTION:[\s\S]*udp: 4096/);
  t.false(/flags: qr aa tc/.test(out));
  t.is((out.match(/IN\s+A\s+10\.2\.0/g) ?? []).length, 30);
});

test('names outside the domain are REFUSED without recursors', async (t) => {
  t.regex(await dig(agent, 'example.com', 'A'), /status: REFUSED/);
});

test('a slow TCP client is cut off', async (t) => {
  const socket = connect({ host: agent.host, port: agent.dnsPort });
  socket.on('error', () => undefined);
  socket.write(Buffer.from([0]));
  const started = Date.now();
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error('not closed')), 15_000);
    socket.once('close', () => {
      clearTimeout(deadline);
      resolve();
    });
  });
  t.true(Date.now() - started < 12_000);
});

test('an oversized TCP frame closes the connection', async (t) => {
  const socket = connect({ host: agent.host, port: agent.dnsPort });
  socket.on('error', () => undefined);
  socket.write(Buffer.from([0xff, 0xff, 1, 2, 3]));
  await new Promise<void>((resolve) => socket.once('close', () => resolve()));
  t.pass();
});

/** A tiny authoritative server for example.com on its own loopback address, or a silent one. */
async function testResolver(host: string, silent = false): Promise<{ port: number; close: () => void }> {
  const socket = createSocket('udp4');
  socket.on('message', (message, remote) => {
    if (silent) return;
    const request = decode(message);
    const reply = encode({
      id: request.id ?? 0,
      type: 'response',
      flags: 1 << 7,
      questions: request.questions ?? [],
      answers: [{ type: 'A', name: request.questions?.[0]?.name ?? '', ttl: 60, data: '192.0.2.7' }],
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return { port: socket.address().port, close: () => socket.close() };
}

test('recursion: names outside the domain go to the recursors, the next one after a failure, SERVFAIL when none answers', async (t) => {
  const alive = await testResolver('127.0.0.1');
  const dead = await testResolver('127.0.0.1', true);
  t.teardown(() => {
    alive.close();
    dead.close();
  });
  const recursing = await startDevAgent(['-recursor', `127.0.0.1:${dead.port}`, '-recursor', `127.0.0.1:${alive.port}`, '-hcl', 'dns_config { recursor_timeout = "300ms" }']);
  t.teardown(() => recursing.stop());
  t.deepEqual(await digShort(recursing, 'example.com', 'A'), ['192.0.2.7']);
  t.deepEqual(await resolverFor(recursing).resolve4('www.example.org'), ['192.0.2.7']);
  t.regex(await dig(recursing, 'example.com', 'A'), /status: NOERROR/);
  const failing = await startDevAgent(['-recursor', `127.0.0.1:${dead.port}`, '-hcl', 'dns_config { recursor_timeout = "300ms" }']);
  t.teardown(() => failing.stop());
  t.regex(await dig(failing, 'example.com', 'A'), /status: SERVFAIL/);
});

test('PTR: node addresses, then service addresses, IPv4 and IPv6; unknown is SERVFAIL without recursors', async (t) => {
  t.deepEqual(await digShort(agent, '-x', '10.1.0.1'), ['n1.node.dc1.consul.']);
  t.deepEqual(await digShort(agent, '-x', '10.9.0.4'), ['db.service.dc1.consul.']);
  t.deepEqual(await digShort(agent, '-x', 'fd00::6'), ['n6.node.dc1.consul.']);
  t.regex(await dig(agent, '-x', '10.200.0.1'), /status: SERVFAIL/);
});


test('a cached answer gives way to the next catalog write at once', async (t) => {
  await register({ Node: 'c1', Address: '10.7.0.1', Service: { ID: 'cached1', Service: 'cached', Port: 1 } });
  t.deepEqual(await digShort(agent, 'cached.service.consul', 'A'), ['10.7.0.1']);
  t.deepEqual(await digShort(agent, 'cached.service.consul', 'A'), ['10.7.0.1'], 'served again (from the cache)');
  await register({ Node: 'c2', Address: '10.7.0.2', Service: { ID: 'cached2', Service: 'cached', Port: 1 } });
  t.deepEqual(await digShort(agent, 'cached.service.consul', 'A'), ['10.7.0.1', '10.7.0.2']);
  await register({ Node: 'c2', Address: '10.7.0.2', Service: { ID: 'cached2', Service: 'cached', Port: 1 }, Checks: [{ CheckID: 'down', Name: 'down', Status: 'critical', ServiceID: 'cached2' }] });
  t.deepEqual(await digShort(agent, 'cached.service.consul', 'A'), ['10.7.0.1'], 'a check going critical drops it');
});
