// The keys of a Consul agent config file that taxiway understands, described once with the schema
// machinery of src/structs/schema.ts. Decoding a JSON file, an HCL file (after HCL → JSON) or the
// command-line flags through this schema gives a FileConfig: typed, with type errors naming their
// path, and with every key the schema lacks reported as an unknown key.
//
// Scalars are optional so that "not set here" (undefined) differs from "set to the zero value";
// that is what lets a later source override an earlier one only where it says something, as
// Consul's Config struct does with pointer fields (agent/config/config.go). Durations stay strings
// here and are parsed by the builder, which names the key in its error; a bare number such as
// `retry_interval = 30` is refused there as Consul refuses it ("missing unit").

import { checkDefinitionSchema } from '../../structs/check.js';
import { s, type Infer } from '../../structs/schema.js';
import { serviceDefinitionSchema } from '../../structs/service.js';

const optionalString = () => s.optional(s.string());
const optionalBool = () => s.optional(s.bool());
const optionalInt = () => s.optional(s.int());
/** A Go duration string such as "30s"; parsed by the builder. */
const optionalDuration = () => s.optional(s.string());

const gossipTimingSchema = (name: string) =>
  s.struct(name, {
    gossip_nodes: optionalInt(),
    gossip_interval: optionalDuration(),
    probe_interval: optionalDuration(),
    probe_timeout: optionalDuration(),
    retransmit_mult: optionalInt(),
    suspicion_mult: optionalInt(),
  });

const portsSchema = s.struct('Ports', {
  dns: optionalInt(),
  http: optionalInt(),
  https: optionalInt(),
  grpc: optionalInt(),
  grpc_tls: optionalInt(),
  serf_lan: optionalInt(),
  serf_wan: optionalInt(),
  server: optionalInt(),
  sidecar_min_port: optionalInt(),
  sidecar_max_port: optionalInt(),
});

const addressesSchema = s.struct('Addresses', {
  dns: optionalString(),
  http: optionalString(),
  https: optionalString(),
  grpc: optionalString(),
  grpc_tls: optionalString(),
});

const aclSchema = s.struct('ACL', {
  enabled: optionalBool(),
  default_policy: optionalString(),
  down_policy: optionalString(),
  tokens: s.struct(
    'Tokens',
    {
      initial_management: optionalString(),
      default: optionalString(),
      agent: optionalString(),
      agent_recovery: optionalString(),
      replication: optionalString(),
      config_file_service_registration: optionalString(),
      dns: optionalString(),
    },
    // The names Consul used before 1.11; it still reads them.
    { aliases: { master: 'initial_management', agent_master: 'agent_recovery' } },
  ),
});

const connectSchema = s.struct('Connect', {
  enabled: optionalBool(),
  ca_provider: optionalString(),
  /** Provider-specific settings, kept as given (Consul: map[string]interface{}). */
  ca_config: s.map(s.any()),
});

const uiConfigSchema = s.struct('UIConfig', {
  enabled: optionalBool(),
  dir: optionalString(),
  content_path: optionalString(),
});

const limitsSchema = s.struct('Limits', {
  http_max_conns_per_client: s.optional(s.uint()),
  kv_max_value_size: s.optional(s.uint()),
  txn_max_req_len: s.optional(s.uint()),
});

const soaSchema = s.struct('SOA', {
  refresh: s.optional(s.uint(0xffff_ffff)),
  retry: s.optional(s.uint(0xffff_ffff)),
  expire: s.optional(s.uint(0xffff_ffff)),
  min_ttl: s.optional(s.uint(0xffff_ffff)),
});

const dnsConfigSchema = s.struct('DNSConfig', {
  allow_stale: optionalBool(),
  max_stale: optionalDuration(),
  node_ttl: optionalDuration(),
  /** Service name (or prefix ending in "*") → TTL. */
  service_ttl: s.map(s.string()),
  only_passing: optionalBool(),
  enable_truncate: optionalBool(),
  udp_answer_limit: s.optional(s.uint()),
  a_record_limit: s.optional(s.uint()),
  recursor_timeout: optionalDuration(),
  enable_additional_node_meta_txt: optionalBool(),
  soa: soaSchema,
});

export const fileConfigSchema = s.struct('Config', {
  datacenter: optionalString(),
  primary_datacenter: optionalString(),
  node_name: optionalString(),
  node_id: optionalString(),
  disable_host_node_id: optionalBool(),
  server: optionalBool(),
  bootstrap: optionalBool(),
  bootstrap_expect: optionalInt(),
  data_dir: optionalString(),
  pid_file: optionalString(),

  bind_addr: optionalString(),
  advertise_addr: optionalString(),
  advertise_addr_wan: optionalString(),
  client_addr: optionalString(),
  addresses: addressesSchema,
  ports: portsSchema,

  log_level: optionalString(),
  log_json: optionalBool(),
  enable_debug: optionalBool(),
  disable_update_check: optionalBool(),

  domain: optionalString(),
  alt_domain: optionalString(),
  recursors: s.list(s.string()),
  dns_config: dnsConfigSchema,

  retry_join: s.list(s.string()),
  retry_join_wan: s.list(s.string()),
  start_join: s.list(s.string()),
  start_join_wan: s.list(s.string()),
  retry_interval: optionalDuration(),
  retry_interval_wan: optionalDuration(),
  retry_max: s.optional(s.uint()),
  retry_max_wan: s.optional(s.uint()),
  leave_on_terminate: optionalBool(),
  skip_leave_on_interrupt: optionalBool(),

  encrypt: optionalString(),
  encrypt_verify_incoming: optionalBool(),
  encrypt_verify_outgoing: optionalBool(),
  /** memberlist timings of the LAN and WAN pools (Consul's gossip_lan, gossip_wan); unset keys keep memberlist's defaults. */
  gossip_lan: gossipTimingSchema('GossipLAN'),
  gossip_wan: gossipTimingSchema('GossipWAN'),

  node_meta: s.map(s.string()),
  acl: aclSchema,
  connect: connectSchema,
  /** "allow" or "deny": what authorize answers when no intention matches, instead of the ACL default. */
  default_intention_policy: optionalString(),
  ui_config: uiConfigSchema,
  /** Deprecated by Consul in favour of ui_config.enabled; still read, with a warning. */
  ui: optionalBool(),
  /** Deprecated by Consul in favour of ui_config.dir; still read, with a warning. */
  ui_dir: optionalString(),
  limits: limitsSchema,
  performance: s.struct('Performance', { raft_multiplier: optionalInt() }),
  check_update_interval: optionalDuration(),
  enable_script_checks: optionalBool(),
  enable_local_script_checks: optionalBool(),

  services: s.list(serviceDefinitionSchema),
  checks: s.list(checkDefinitionSchema),
  // `service` and `check` hold one definition (or, from repeated HCL blocks, several); the
  // fragment decoder folds them into services/checks, as Consul's builder does.
  service: s.optional(s.any()),
  check: s.optional(s.any()),
});

export type FileConfig = Infer<typeof fileConfigSchema>;

