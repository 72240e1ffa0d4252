// Goal: filters select the same elements Consul (go-bexpr v0.1.2) would, on the shapes taxiway
// serves: ServiceEntry (/v1/health/service), Node (/v1/catalog/nodes), ServiceNode
// (/v1/catalog/service), HealthCheck (/v1/health/*) and AgentService (/v1/agent/services).
// Method: table tests — an expression and the IDs of the elements that must pass — covering every
// operator, precedence, grouping, quoting, map keys, missing keys, absent (zero) fields and
// selectors through lists of structs. Expected results follow go-bexpr's evaluate.go and the
// examples in Consul's filtering docs.

import test from 'ava';
import { applyFilter, compileFilter } from '../../src/filter/index.js';
import { healthCheckFilterSchema } from '../../src/structs/check.js';
import { nodeFilterSchema, serviceEntryFilterSchema } from '../../src/structs/node.js';
import { agentServiceFilterSchema, catalogServiceFilterSchema } from '../../src/structs/service.js';
import type { Schema } from '../../src/structs/schema.js';
import { agentServices, catalogServices, healthChecks, nodes, serviceEntries } from './fixtures.js';

interface Table {
  readonly name: string;
  readonly schema: Schema;
  readonly items: readonly unknown[];
  readonly idOf: (item: never) => string;
  readonly cases: readonly (readonly [expression: string, expected: readonly string[]])[];
}

const serviceEntryTable: Table = {
  name: 'ServiceEntry',
  schema: serviceEntryFilterSchema,
  items: serviceEntries,
  idOf: (entry: { Service: { ID: string } }) => entry.Service.ID,
  cases: [
    // == and != on strings, integers and booleans; values coerced to the field's type.
    ['Service.Service == web', ['web-1', 'web-3']],
    ['Service.Service == "web"', ['web-1', 'web-3']],
    ['Service.Service == `web`', ['web-1', 'web-3']],
    ['Service.Service != web', ['web-sidecar-proxy']],
    ['Service.Port == 8080', ['web-1']],
    ['Service.Port == "8080"', ['web-1']],
    ['Service.Port == "0x1F90"', ['web-1']], // strconv.ParseInt base 0 (unquoted, 0x1F90 is no number literal)
    ['Service.Port == "8_080"', ['web-1']],
    ['Service.Port != 8080', ['web-sidecar-proxy', 'web-3']],
    ['Service.EnableTagOverride == true', ['web-sidecar-proxy']],
    ['Service.EnableTagOverride == T', ['web-sidecar-proxy']],
    ['Service.EnableTagOverride == 0', ['web-1', 'web-3']], // absent on web-3: zero value false
    ['Service.Weights.Passing == 10', ['web-1']],
    ['Service.Weights.Passing == 0', ['web-3']], // absent struct: all fields zero
    // Absent string fields are "" (Go zero value), so these match the minimal entry.
    ['Service.Kind == ""', ['web-1', 'web-3']],
    ['Service.Kind == "connect-proxy"', ['web-sidecar-proxy']],
    ['Service.Address is empty', ['web-3']],
    ['Node.ID is not empty', ['web-1', 'web-sidecar-proxy']],
    // in / contains on a list of strings: membership.
    ['v1 in Service.Tags', ['web-1']],
    ['"v1" not in Service.Tags', ['web-sidecar-proxy', 'web-3']],
    ['Service.Tags contains primary', ['web-1']],
    ['Service.Tags not contains primary', ['web-sidecar-proxy', 'web-3']],
    ['Service.Tags contains prim', []], // elements, not substrings
    ['Service.Tags is empty', ['web-sidecar-proxy']],
    ['Service.Tags is not empty', ['web-1', 'web-3']],
    // in / contains on a string: substring.
    ['"eb" in Service.Service', ['web-1', 'web-sidecar-proxy', 'web-3']],
    ['Service.Service contains sidecar', ['web-sidecar-proxy']],
    ['Node.Address not contains "10.0.0"', []],
    // in on a map: its keys.
    ['env in Service.Meta', ['web-1', 'web-3']],
    ['Service.Meta contains version', ['web-1', 'web-3']],
    ['prod in Service.Meta', []], // values are not keys
    ['lan in Node.TaggedAddresses', ['web-1', 'web-sidecar-proxy']],
    ['wan not in Node.TaggedAddresses', ['web-sidecar-proxy', 'web-3']],
    ['Service.Meta is empty', ['web-sidecar-proxy']],
    ['Node.Meta is empty', ['web-3']], // absent map: empty
    // Map values, dotted and indexed.
    ['Service.Meta.env == prod', ['web-1']],
    ['Service.Meta["env"] == prod', ['web-1']],
    ['Node.Meta["rack-id"] == r1', ['web-1']],
    ['Service.Meta["team.name"] == payments', ['web-1']],
    ['Service.Meta.env contains stag', ['web-3']],
    ['Service.TaggedAddresses.lan_ipv4.Port == 8080', ['web-1']],
    ['Node.Meta["consul-network-segment"] == ""', ['web-1']],
    // Missing map keys: ==, in, is not empty, matches are false; their negations are true.
    ['Service.Meta.missing == x', []],
    ['Service.Meta.missing != x', ['web-1', 'web-sidecar-proxy', 'web-3']],
    ['Service.Meta.missing is empty', ['web-1', 'web-sidecar-proxy', 'web-3']],
    ['Service.Meta.missing is not empty', []],
    ['Service.Meta.missing contains x', []],
    ['Service.Meta.missing not contains x', ['web-1', 'web-sidecar-proxy', 'web-3']],
    ['Service.Meta.missing matches ".*"', []],
    ['Service.Meta.missing not matches ".*"', ['web-1', 'web-sidecar-proxy', 'web-3']],
    ['Service.Meta.constructor == x or Service.Meta["__proto__"] is not empty', []],
    ['Service.Meta.version != "1.2.3"', ['web-sidecar-proxy', 'web-3']], // sidecar has no key
    // Regular expressions (RE2 syntax), unanchored like Go's MatchString.
    ['Service.Service matches "^web$"', ['web-1', 'web-3']],
    ['Service.Service matches proxy', ['web-sidecar-proxy']],
    ['Service.ID matches `^web-\\d+$`', ['web-1', 'web-3']],
    ['Service.ID not matches `^web-\\d+$`', ['web-sidecar-proxy']],
    ['Service.Meta.version matches `^1\\.`', ['web-1']],
    ['Service.Service matches "(?i)^WEB$"', ['web-1', 'web-3']],
    // Selectors through a list of structs: true if ANY element matches (evaluate.go).
    ['Checks.Status == passing', ['web-1', 'web-sidecar-proxy']],
    ['Checks.Status == critical', ['web-1']],
    ['Checks.Status != passing', ['web-1']], // some check is not passing
    ['not Checks.Status != passing', ['web-sidecar-proxy', 'web-3']], // all passing (or none)
    ['Checks.Status != critical', ['web-1', 'web-sidecar-proxy']], // web-3 has no checks: false
    ['Checks is empty', ['web-3']],
    ['Checks.ServiceTags contains primary', ['web-1']],
    ['Checks.Type == http and Checks.Status == passing', ['web-1']], // each clause finds its own check
    ['Checks.Definition.Header["X-Probe"] contains taxiway', ['web-1']],
    ['Checks.Output matches "503"', ['web-1']],
    ['Checks.CheckID matches "^service:"', ['web-1', 'web-sidecar-proxy']],
    ['Service.Proxy.Upstreams.DestinationName == db', ['web-sidecar-proxy']],
    ['Service.Proxy.Upstreams.Datacenter == dc2', ['web-sidecar-proxy']],
    ['Service.Proxy.Upstreams.MeshGateway.Mode == local', ['web-sidecar-proxy']],
    ['Service.Proxy.Upstreams is empty', ['web-1', 'web-3']],
    ['Service.Proxy.DestinationServiceName == web', ['web-sidecar-proxy']],
    // and, or, not, precedence and grouping.
    ['Service.Service == web and Service.Port == 8081', ['web-3']],
    ['Service.Port == 8080 or Service.Port == 8081', ['web-1', 'web-3']],
    ['Service.Port == 21000 or Service.Service == web and Service.Port == 8081', ['web-sidecar-proxy', 'web-3']],
    ['(Service.Port == 21000 or Service.Service == web) and Service.Port == 8081', ['web-3']],
    ['not Service.Service == web', ['web-sidecar-proxy']],
    ['not (Service.Service == web or Service.Kind == "connect-proxy")', []],
    ['not not Service.Port == 8080', ['web-1']],
    ['Node.Node == "node-1" and not Checks.Status == critical', []],
    ['Service.Tags contains v1 or Service.Tags contains v2 and Service.Meta.env == staging', ['web-1', 'web-3']],
  ],
};

const nodeTable: Table = {
  name: 'Node',
  schema: nodeFilterSchema,
  items: nodes,
  idOf: (node: { ID: string }) => node.ID,
  cases: [
    ['Meta.os == linux', ['a']],
    ['Meta.os != linux', ['b', 'c']], // c has no os key: != is true
    ['Datacenter == dc2', ['c']],
    ['Node matches "^node-"', ['a', 'b']],
    ['TaggedAddresses.wan == "198.18.0.1"', ['a']],
    ['TaggedAddresses is empty', ['c']],
    ['"192.168" in Address', ['c']],
    ['Meta["rack-id"] is not empty', ['a']],
  ],
};

const catalogServiceTable: Table = {
  name: 'ServiceNode',
  schema: catalogServiceFilterSchema,
  items: catalogServices,
  idOf: (service: { Node: string }) => service.Node,
  cases: [
    ['NodeMeta.os == "linux"', ['node-2']], // the example in Consul's filtering docs
    ['NodeMeta.agent == "true"', ['node-1']],
    ['agent in NodeMeta', ['node-1']],
    ['ServiceTags contains tag', ['node-1', 'node-2']],
    ['ServiceTags is empty', ['node-4']],
    ['ServiceMeta.environment == qa and NodeMeta.arch == i386', ['node-1', 'node-4']],
    ['TaggedAddresses is empty', ['node-1', 'node-2', 'node-4']], // null: empty map
    ['ServiceWeights.Passing == 1', ['node-1', 'node-2', 'node-4']],
    ['ServicePort == 9090 and ServiceAddress == ""', ['node-1', 'node-2', 'node-4']],
    ['ServiceConnect.Native == false', ['node-1', 'node-2', 'node-4']],
  ],
};

const healthCheckTable: Table = {
  name: 'HealthCheck',
  schema: healthCheckFilterSchema,
  items: healthChecks,
  idOf: (check: { CheckID: string }) => check.CheckID,
  cases: [
    ['ServiceName != ""', ['svc-web-health', 'svc-api-health']], // the example in Consul's filtering docs
    ['Status == critical or Status == warning', ['node-health', 'svc-web-health']],
    ['"passing warning" in Status', []], // substring of the field, not the other way round
    ['"warn" in Status', ['svc-web-health']],
    ['ServiceTags contains canary', ['svc-api-health']],
    ['Output matches `200 OK`', ['svc-api-health']],
    ['Definition.HTTP matches "^http://localhost"', ['svc-api-health']],
    ['Definition.Header.Authorization is not empty', ['svc-api-health']],
    ['Authorization in Definition.Header', ['svc-api-health']],
    ['Type == ""', ['node-health', 'svc-web-health']],
    ['ExposedPort == 0', ['node-health', 'svc-web-health', 'svc-api-health']],
  ],
};

const agentServiceTable: Table = {
  name: 'AgentService',
  schema: agentServiceFilterSchema,
  items: agentServices,
  idOf: (service: { ID: string }) => service.ID,
  cases: [
    ['Meta.env == "qa"', ['redis3']], // the example in Consul's filtering docs
    ['Tags contains primary and Tags contains production', ['redis1']],
    ['Port == 1234', ['redis1', 'redis3']],
    ['Meta.foo == bar', ['redis1', 'redis2']],
    ['Datacenter == dc1 and not qa in Tags', ['redis1', 'redis2']],
  ],
};

for (const table of [serviceEntryTable, nodeTable, catalogServiceTable, healthCheckTable, agentServiceTable]) {
  for (const [expression, expected] of table.cases) {
    test(`${table.name}: ${expression}`, (t) => {
      const filter = compileFilter(expression, table.schema);
      t.deepEqual(applyFilter([...table.items], filter).map((item) => table.idOf(item as never)), expected);
    });
  }
}

test('applyFilter without a filter returns the items as given', (t) => {
  const items = [1, 2, 3];
  t.is(applyFilter(items, undefined), items);
});

test('an empty expression filters nothing, as Consul treats ?filter= with no value', (t) => {
  t.true(compileFilter('', nodeFilterSchema).matches(nodes[0]));
});

test('a compiled filter is reusable across elements and calls', (t) => {
  const filter = compileFilter('Checks.Status == passing and Service.Meta.env matches "^pro"', serviceEntryFilterSchema);
  t.deepEqual(serviceEntries.map((entry) => filter.matches(entry)), [true, false, false]);
  t.deepEqual(serviceEntries.map((entry) => filter.matches(entry)), [true, false, false]);
});

test('an element whose JSON type contradicts the schema is our bug: it fails an assertion', (t) => {
  const filter = compileFilter('Service.Port == 80', serviceEntryFilterSchema);
  t.throws(() => filter.matches({ Service: { Port: '80' } }), { name: 'AssertionError' });
});

test('a matches filter stays linear on a hostile pattern and a long check output', (t) => {
  const filter = compileFilter('Checks.Output matches "(a*)*b" or Checks.Output matches "(a|aa)+$c"', serviceEntryFilterSchema);
  const entry = { Checks: [{ Output: 'a'.repeat(4096) }] };
  const started = Date.now();
  t.false(filter.matches(entry));
  t.true(Date.now() - started < 2000, 'a backtracking engine would take years here');
});
