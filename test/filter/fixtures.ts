// Realistic Consul objects, shaped as taxiway serves them (and as Consul's JSON shows them: zero
// fields may be absent), for the filter tests. Each has an ID-like field the tests report by.

export const serviceEntries = [
  {
    Node: {
      ID: '40e4a748-2192-161a-0510-9bf59fe950b5',
      Node: 'node-1',
      Address: '10.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '10.0.0.1', wan: '198.18.0.1' },
      Meta: { 'rack-id': 'r1', os: 'linux', 'consul-network-segment': '' },
      CreateIndex: 5,
      ModifyIndex: 5,
    },
    Service: {
      ID: 'web-1',
      Service: 'web',
      Tags: ['v1', 'primary'],
      Address: '10.0.0.1',
      TaggedAddresses: { lan_ipv4: { Address: '10.0.0.1', Port: 8080 } },
      Meta: { version: '1.2.3', env: 'prod', 'team.name': 'payments' },
      Port: 8080,
      Weights: { Passing: 10, Warning: 1 },
      EnableTagOverride: false,
      Proxy: { MeshGateway: {}, Expose: {} },
      Connect: {},
      CreateIndex: 10,
      ModifyIndex: 12,
    },
    Checks: [
      { Node: 'node-1', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Notes: '', Output: 'Agent alive and reachable', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '', Interval: '', Timeout: '', ExposedPort: 0, Definition: {}, CreateIndex: 5, ModifyIndex: 5 },
      {
        Node: 'node-1',
        CheckID: 'service:web-1',
        Name: 'Service web check',
        Status: 'critical',
        Notes: '',
        Output: 'HTTP GET http://10.0.0.1:8080/health: 503 Service Unavailable',
        ServiceID: 'web-1',
        ServiceName: 'web',
        ServiceTags: ['v1', 'primary'],
        Type: 'http',
        Interval: '10s',
        Timeout: '1s',
        ExposedPort: 0,
        Definition: { HTTP: 'http://10.0.0.1:8080/health', Interval: '10s', Timeout: '1s', Header: { 'X-Probe': ['taxiway'] } },
        CreateIndex: 11,
        ModifyIndex: 40,
      },
    ],
  },
  {
    Node: { ID: '2b1e3c8a-0000-4000-8000-000000000002', Node: 'node-2', Address: '10.0.0.2', Datacenter: 'dc1', TaggedAddresses: { lan: '10.0.0.2' }, Meta: { os: 'freebsd' }, CreateIndex: 6, ModifyIndex: 6 },
    Service: {
      Kind: 'connect-proxy',
      ID: 'web-sidecar-proxy',
      Service: 'web-sidecar-proxy',
      Tags: [],
      Address: '10.0.0.2',
      Meta: {},
      Port: 21000,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: true,
      Proxy: {
        DestinationServiceName: 'web',
        DestinationServiceID: 'web-2',
        LocalServicePort: 8080,
        Upstreams: [
          { DestinationType: 'service', DestinationName: 'db', LocalBindPort: 9191, MeshGateway: {} },
          { DestinationType: 'prepared_query', DestinationName: 'cache', Datacenter: 'dc2', LocalBindPort: 9192, MeshGateway: { Mode: 'local' } },
        ],
        MeshGateway: {},
        Expose: {},
      },
      Connect: {},
      CreateIndex: 20,
      ModifyIndex: 20,
    },
    Checks: [
      { Node: 'node-2', CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable', ServiceTags: [], Definition: {} },
      { Node: 'node-2', CheckID: 'service:web-sidecar-proxy:1', Name: 'Proxy Public Listener', Status: 'passing', ServiceID: 'web-sidecar-proxy', ServiceName: 'web-sidecar-proxy', ServiceTags: [], Type: 'tcp', Definition: { TCP: '10.0.0.2:21000' } },
    ],
  },
  {
    // A minimal entry: most fields left out, as Go's omitempty leaves them out of JSON.
    Node: { Node: 'node-3', Address: '10.0.0.3', Datacenter: 'dc1' },
    Service: { ID: 'web-3', Service: 'web', Port: 8081, Tags: ['v2'], Meta: { env: 'staging', version: '2.0.0' } },
    Checks: [],
  },
];

export const nodes = [
  { ID: 'a', Node: 'node-1', Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: { lan: '10.0.0.1', wan: '198.18.0.1' }, Meta: { os: 'linux', 'rack-id': 'r1' }, CreateIndex: 5, ModifyIndex: 5 },
  { ID: 'b', Node: 'node-2', Address: '10.0.0.2', Datacenter: 'dc1', TaggedAddresses: { lan: '10.0.0.2' }, Meta: { os: 'freebsd' }, CreateIndex: 6, ModifyIndex: 6 },
  { ID: 'c', Node: 'edge-1', Address: '192.168.1.7', Datacenter: 'dc2', TaggedAddresses: {}, Meta: {}, CreateIndex: 7, ModifyIndex: 9 },
];

/** /v1/catalog/service/:name elements (Consul's flattened ServiceNode), from Consul's filtering docs. */
export const catalogServices = [
  {
    ID: 'b4f64e8c-5c7d-11e9-bf68-8c8590bd0966',
    Node: 'node-1',
    Address: '198.18.0.1',
    Datacenter: 'dc1',
    TaggedAddresses: null,
    NodeMeta: { agent: 'true', arch: 'i386', os: 'darwin' },
    ServiceKind: '',
    ServiceID: 'api-internal',
    ServiceName: 'api-internal',
    ServiceTags: ['tag'],
    ServiceAddress: '',
    ServiceWeights: { Passing: 1, Warning: 1 },
    ServiceMeta: { environment: 'qa' },
    ServicePort: 9090,
    ServiceEnableTagOverride: false,
    ServiceProxy: {},
    ServiceConnect: {},
    CreateIndex: 30,
    ModifyIndex: 30,
  },
  {
    ID: 'b4faf93a-5c7d-11e9-840d-8c8590bd0966',
    Node: 'node-2',
    Address: '198.18.0.2',
    Datacenter: 'dc1',
    TaggedAddresses: null,
    NodeMeta: { arch: 'arm', os: 'linux' },
    ServiceKind: '',
    ServiceID: 'api-internal',
    ServiceName: 'api-internal',
    ServiceTags: ['test', 'tag'],
    ServiceAddress: '',
    ServiceWeights: { Passing: 1, Warning: 1 },
    ServiceMeta: { environment: 'production' },
    ServicePort: 9090,
    ServiceEnableTagOverride: false,
    ServiceProxy: {},
    ServiceConnect: {},
    CreateIndex: 29,
    ModifyIndex: 29,
  },
  {
    ID: 'b4fbe7f4-5c7d-11e9-ac82-8c8590bd0966',
    Node: 'node-4',
    Address: '198.18.0.4',
    Datacenter: 'dc1',
    TaggedAddresses: null,
    NodeMeta: { arch: 'i386', os: 'freebsd' },
    ServiceKind: '',
    ServiceID: 'api-internal',
    ServiceName: 'api-internal',
    ServiceTags: [],
    ServiceAddress: '',
    ServiceWeights: { Passing: 1, Warning: 1 },
    ServiceMeta: { environment: 'qa' },
    ServicePort: 9090,
    ServiceEnableTagOverride: false,
    ServiceProxy: {},
    ServiceConnect: {},
    CreateIndex: 28,
    ModifyIndex: 28,
  },
];

/** /v1/health/node/:node elements, from Consul's filtering docs. */
export const healthChecks = [
  { Node: 'node-1', CheckID: 'node-health', Name: 'Node level check', Status: 'critical', Notes: '', Output: '', ServiceID: '', ServiceName: '', ServiceTags: [], Definition: {}, CreateIndex: 13, ModifyIndex: 13 },
  { Node: 'node-1', CheckID: 'svc-web-health', Name: 'Service level check - web', Status: 'warning', Notes: '', Output: '', ServiceID: '', ServiceName: 'web', ServiceTags: [], Definition: {}, CreateIndex: 18, ModifyIndex: 18 },
  { Node: 'node-1', CheckID: 'svc-api-health', Name: 'Service level check - api', Status: 'passing', Notes: 'checks /ready', Output: 'HTTP GET http://localhost:9090/ready: 200 OK Output: ready', ServiceID: 'api-1', ServiceName: 'api', ServiceTags: ['v2', 'canary'], Type: 'http', Definition: { HTTP: 'http://localhost:9090/ready', Header: { Authorization: ['Bearer x'] } }, CreateIndex: 19, ModifyIndex: 25 },
];

/** /v1/agent/services values, from Consul's filtering docs. */
export const agentServices = [
  { ID: 'redis1', Service: 'redis', Tags: ['primary', 'production'], Meta: { env: 'production', foo: 'bar' }, Port: 1234, Address: '', Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Datacenter: 'dc1' },
  { ID: 'redis2', Service: 'redis', Tags: ['secondary', 'production'], Meta: { env: 'production', foo: 'bar' }, Port: 1235, Address: '', Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Datacenter: 'dc1' },
  { ID: 'redis3', Service: 'redis', Tags: ['primary', 'qa'], Meta: { env: 'qa' }, Port: 1234, Address: '', Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false, Datacenter: 'dc1' },
];
