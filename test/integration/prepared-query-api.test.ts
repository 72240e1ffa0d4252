// Goal: /v1/query and <name>.query.<domain> answer as Consul's do: create/list/get/update/delete
// with Consul's shapes and errors, execute with tags ("!tag"), OnlyPassing, IgnoreCheckIDs,
// NodeMeta, Near "_agent" first, ?limit and DNS.TTL, templates by name prefix with ${match(N)},
// explain, and the same queries over DNS with dig (A, SRV, NXDOMAIN, the .query.<dc>. form).
// Method: one real dev agent; nodes registered through /v1/catalog/register; raw HTTP with fetch.

import test from 'ava';
import { execFile } from 'node:child_process';
import { type DevAgent, startDevAgent } from '../helpers/agent-process.js';

let agent: DevAgent;
const agentNode = 'pq-agent';

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string; json: () => unknown; headers: Headers }> {
  const init: RequestInit = body === undefined ? { method } : { method, body: typeof body === 'string' ? body : JSON.stringify(body) };
  const response = await fetch(`${agent.baseUrl}${path}`, init);
  const text = await response.text();
  return { status: response.status, text, json: () => JSON.parse(text) as unknown, headers: response.headers };
}

async function create(body: unknown): Promise<string> {
  const response = await call('POST', '/v1/query', body);
  if (response.status !== 200) throw new Error(`create failed: ${response.status} ${response.text}`);
  return (response.json() as { ID: string }).ID;
}

function dig(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('dig', [`@${agent.host}`, '-p', String(agent.dnsPort), '+time=3', '+tries=1', ...args], { timeout: 15_000 }, (error, stdout) => {
      if (error) reject(new Error(`dig failed: ${error.message}`));
      else resolve(stdout);
    });
  });
}

const digShort = async (name: string, type: string): Promise<string[]> =>
  (await dig(name, type, '+short')).split('\n').filter((line) => line !== '').sort();

type Execute = { Service: string; Nodes: { Node: { Node: string }; Service: { Port: number } }[]; DNS: { TTL: string }; Datacenter: string; Failovers: number; Index: number };

async function execute(nameOrId: string, params = ''): Promise<Execute> {
  const response = await call('GET', `/v1/query/${nameOrId}/execute${params}`);
  if (response.status !== 200) throw new Error(`execute failed: ${response.status} ${response.text}`);
  return response.json() as Execute;
}

const nodesOf = (result: Execute): string[] => result.Nodes.map((entry) => entry.Node.Node).sort();

test.before(async () => {
  agent = await startDevAgent(['-node', agentNode]);
  const register = async (node: string, address: string, serviceId: string, service: string, tags: string[], status: string, meta: Record<string, string> = {}): Promise<void> => {
    const body = { Node: node, Address: address, NodeMeta: meta, Service: { ID: serviceId, Service: service, Port: 8000 + Number(address.split('.').at(-1)), Tags: tags }, Check: { CheckID: `c-${serviceId}`, Name: 'c', Status: status, ServiceID: serviceId } };
    const response = await call('PUT', '/v1/catalog/register', body);
    if (response.status !== 200) throw new Error(`register failed: ${response.text}`);
  };
  await register('n1', '10.3.0.1', 'web1', 'web', ['v1', 'prod'], 'passing', { rack: 'r1' });
  await register('n2', '10.3.0.2', 'web2', 'web', ['v2', 'prod'], 'warning', { rack: 'r2' });
  await register('n3', '10.3.0.3', 'web3', 'web', ['v1'], 'critical');
  await register(agentNode, '10.3.0.9', 'web9', 'web', ['v1'], 'passing');
  await register('n5', '10.3.0.5', 'geo-db-west', 'geo-db-west', ['primary'], 'passing');
  await register('n6', '10.3.0.6', 'geo-db-west-2', 'geo-db-west', ['replica'], 'passing');
});

test.after.always(async () => {
  await agent?.stop();
});

test('create, get, list, update, delete with Consul shapes', async (t) => {
  const id = await create({ Name: 'crud', Service: { Service: 'web', Tags: ['prod'] }, DNS: { TTL: '10s' } });
  t.regex(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const got = await call('GET', `/v1/query/${id}`);
  t.is(got.status, 200);
  t.true(Number(got.headers.get('x-consul-index')) >= 1);
  const [query] = got.json() as Record<string, unknown>[];
  t.like(query, { ID: id, Name: 'crud', Session: '', Token: '', Template: { Type: '', Regexp: '', RemoveEmptyTags: false }, DNS: { TTL: '10s' } });
  t.deepEqual(Object.keys(query ?? {}), ['ID', 'Name', 'Session', 'Token', 'Template', 'Service', 'DNS', 'CreateIndex', 'ModifyIndex']);
  t.true(((await call('GET', '/v1/query')).json() as { ID: string }[]).some((each) => each.ID === id));
  const updated = await call('PUT', `/v1/query/${id}`, { ID: 'ignored', Name: 'crud2', Service: { Service: 'web' } });
  t.is(updated.status, 200);
  t.is(updated.text, '');
  t.like((await call('GET', `/v1/query/${id}`)).json(), [{ ID: id, Name: 'crud2' }]);
  t.is((await call('DELETE', `/v1/query/${id}`)).status, 200);
  const gone = await call('GET', `/v1/query/${id}`);
  t.is(gone.status, 404);
  t.is(gone.text, 'Query not found');
});

test('bad input answers with Consul words', async (t) => {
  const cases: [string, string, unknown, number, RegExp][] = [
    ['POST', '/v1/query', '', 400, /^Request decode failed: EOF$/],
    ['POST', '/v1/query', '{', 400, /^Request decode failed/],
    ['POST', '/v1/query', { Name: 'x' }, 400, /^Invalid prepared query: Must provide a Service name to query$/],
    ['POST', '/v1/query', { ID: 'abc', Name: 'x', Service: { Service: 'web' } }, 400, /^ID must be empty when creating a new prepared query$/],
    ['POST', '/v1/query', { Name: 'x', Service: { Service: 'web' }, DNS: { TTL: 'x' } }, 400, /^Invalid prepared query: Bad DNS TTL 'x'/],
    ['PUT', '/v1/query/11111111-1111-4111-8111-111111111111', { Name: 'x', Service: { Service: 'web' } }, 404, /^Cannot modify non-existent prepared query/],
    ['GET', '/v1/query/nope/execute', undefined, 404, /^Query not found$/],
    ['GET', '/v1/query/nope/explain', undefined, 404, /^Query not found$/],
    ['GET', '/v1/query/nope/execute?dc=dc9', undefined, 500, /^No path to datacenter$/],
    ['PUT', '/v1/query/x/execute', undefined, 405, /not allowed/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const response = await call(method, path, body);
    t.is(response.status, status, `${method} ${path}`);
    t.regex(response.text, message, `${method} ${path}`);
  }
  await create({ Name: 'dup', Service: { Service: 'web' } });
  const duplicate = await call('POST', '/v1/query', { Name: 'DUP', Service: { Service: 'web' } });
  t.is(duplicate.status, 500);
  t.is(duplicate.text, "name 'DUP' aliases an existing query name");
});

test('execute filters on health, tags (with !tag), node meta and ignored checks', async (t) => {
  await create({ Name: 'all-web', Service: { Service: 'web' } });
  const all = await execute('all-web');
  t.deepEqual(nodesOf(all), ['n1', 'n2', agentNode].sort(), 'critical n3 left out, warning n2 kept');
  t.like(all, { Service: 'web', Datacenter: 'dc1', Failovers: 0, DNS: { TTL: '' } });
  await create({ Name: 'passing-web', Service: { Service: 'web', OnlyPassing: true } });
  t.deepEqual(nodesOf(await execute('passing-web')), ['n1', agentNode].sort());
  await create({ Name: 'tagged-web', Service: { Service: 'web', Tags: ['PROD', '!v2'] } });
  t.deepEqual(nodesOf(await execute('tagged-web')), ['n1']);
  await create({ Name: 'meta-web', Service: { Service: 'web', NodeMeta: { rack: 'r2' } } });
  t.deepEqual(nodesOf(await execute('meta-web')), ['n2']);
  await create({ Name: 'ignoring-web', Service: { Service: 'web', IgnoreCheckIDs: ['c-web3'] } });
  t.true(nodesOf(await execute('ignoring-web')).includes('n3'));
  t.is((await execute('all-web', '?limit=1')).Nodes.length, 1);
});

test('Near _agent puts the agent node first, every time', async (t) => {
  await create({ Name: 'near-web', Service: { Service: 'web', Near: '_agent' } });
  for (let i = 0; i < 8; i++) t.is((await execute('near-web')).Nodes[0]?.Node.Node, agentNode);
  await create({ Name: 'plain-web', Service: { Service: 'web' } });
  for (let i = 0; i < 4; i++) t.is((await execute('plain-web', '?near=n2')).Nodes[0]?.Node.Node, 'n2');
});

test('templates resolve by prefix, render groups, explain shows the rendering', async (t) => {
  await create({ Name: 'geo-db-', Template: { Type: 'name_prefix_match', Regexp: '^geo-db-(.*?)-([^\\-]+?)$' }, Service: { Service: 'geo-db-${match(1)}', Tags: ['${match(2)}'] } });
  t.deepEqual(nodesOf(await execute('geo-db-west-primary')), ['n5']);
  t.deepEqual(nodesOf(await execute('geo-db-west-replica')), ['n6']);
  const explained = (await call('GET', '/v1/query/geo-db-west-replica/explain')).json() as { Query: { Name: string; Service: { Service: string; Tags: string[] } } };
  t.like(explained.Query, { Name: 'geo-db-', Service: { Service: 'geo-db-west', Tags: ['replica'] } });
});

test('DNS: <query>.query.<domain> answers A and SRV from execute, with the TTL; unknown is NXDOMAIN', async (t) => {
  await create({ Name: 'dns-web', Service: { Service: 'web', Tags: ['v1'], OnlyPassing: true }, DNS: { TTL: '25s' } });
  t.deepEqual(await digShort('dns-web.query.consul', 'A'), ['10.3.0.1', '10.3.0.9']);
  t.deepEqual(await digShort('dns-web.query.dc1.consul', 'A'), ['10.3.0.1', '10.3.0.9']);
  t.deepEqual(await digShort('dns-web.query.consul', 'SRV'), ['1 1 8001 n1.node.dc1.consul.', `1 1 8009 ${agentNode}.node.dc1.consul.`]);
  t.deepEqual(await digShort('_dns-web._tcp.query.consul', 'SRV'), ['1 1 8001 n1.node.dc1.consul.', `1 1 8009 ${agentNode}.node.dc1.consul.`], 'RFC 2782 form');
  t.regex(await dig('dns-web.query.consul', 'A'), /dns-web\.query\.consul\.\s+25\s+IN\s+A/);
  await create({ Name: 'geo-', Template: { Type: 'name_prefix_match' }, Service: { Service: '${name.suffix}' } });
  t.deepEqual(await digShort('geo-web.query.consul', 'A'), ['10.3.0.1', '10.3.0.2', '10.3.0.9']);
  t.regex(await dig('missing.query.consul', 'A'), /status: NXDOMAIN/);
  t.regex(await dig('dns-web.query.dc9.consul', 'A'), /status: NXDOMAIN/);
});
