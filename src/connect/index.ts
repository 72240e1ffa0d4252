// The mesh control plane: the built-in certificate authority, config entries and intentions.
//
//   leader start / PUT configuration (src/server/leader/connect-ca.ts)
//        │ ca/provider-config.ts  Consul's CA keys, defaults, validation
//        │ ca/new-root.ts         key + serial + name + times → a CaRoot row (before the log)
//        │   ca/keys.ts, ca/root-cert.ts (@peculiar/x509: self-signed root, cross-signing)
//        ▼
//   command 13 → src/catalog/tables/connect-ca.ts (roots + config, replicated)
//
//   agent leaf request (src/agent/leaf-certs.ts)
//        │ ca/csr.ts              P-256 key + CSR (@peculiar/x509), the key stays on the agent
//        ▼ ConnectCA.Sign (src/server/endpoints/connect-ca.ts)
//   ca/csr-parse.ts → ca/csr-limiter.ts → ca/sign.ts → ca/leaf-signer.ts (ca/der.ts + crypto.sign)
//
// spiffe.ts formats and parses the SPIFFE IDs in certificate SANs.
//
//   PUT /v1/config (src/http/handlers/config.ts, decode: src/structs/config-entry.ts)
//        │ config-entries/validate.ts   per kind, Consul's messages
//        ▼ command 10 → src/catalog/tables/config-entries.ts (+ every affected chain compiled)
//   intentions.ts            service-intentions sources → precedence-sorted Intentions, decisions
//   intention-permissions.ts L7 permission matching; intention-writes.ts legacy/exact writes
//   authorize.ts             /v1/agent/connect/authorize request checks, trust domain
//   discovery-chain.ts       router → splitter → resolver compile, overrides, graph errors
//     discovery-chain-assemble.ts  the graph: redirects, subsets, failover, timeouts, gateways

export { formatServiceSpiffeId, parseServiceSpiffeId, type ServiceSpiffeId } from './spiffe.js';
