// DNS: Consul's DNS interface on UDP and TCP (ports.dns, 8600), answered from the catalog through
// the agent's RPC client, as the HTTP API reads it.
//
//   server.ts (UDP socket + TCP listener per address; in-flight, connection, frame, idle limits)
//        │ bytes ── answer-cache.ts hit (same question, store index unchanged) ──► reply, reshuffled
//        ▼
//   handler.ts ── reply.ts checkHeader (drop / FORMERR / NOTIMP before decoding) ── dns-packet decode
//        │
//        ├─ …in-addr.arpa / …ip6.arpa ──► ptr.ts (node, else service address) or as outside
//        ├─ outside the domain ──► recursor.ts (UDP, TCP on TC, next on failure) or REFUSED
//        ▼
//   parse-name.ts (pure) ──DnsQuery──► lookup.ts ──RPC──► Health.ServiceNodes / Catalog.NodeServices / PreparedQuery.Execute
//                                          │
//                                          ▼
//                                      answer.ts (pure: health filter, shuffle, records, SOA/NS, TTLs)
//                                          │
//                                          ▼
//                                      reply.ts encodeReply (flags, EDNS0 echo, fit to 512 / EDNS / 64 KiB, TC)
//                                          │  compress.ts (names), then kept by answer-cache.ts
//
// 1. Nothing a client sends can throw out of handler.ts: a bad packet is dropped or gets an error
//    rcode; fuzzed in test/dns/handler.test.ts.
// 2. parse-name.ts, answer.ts, reply.ts, compress.ts, answer-cache.ts, ptr.ts's parser and ip.ts
//    do no I/O and take time and chance as arguments (nowSeconds, Random), so they are tested with
//    tables and a SeededRandom.

export { DnsServer, type DnsServerOptions } from './server.js';
export type { DnsSettings } from './lookup.js';
