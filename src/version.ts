// Versions taxiway reports. `consulVersion` is the Consul release whose HTTP API and behaviour we
// follow; clients that feature-detect by Consul's version (Config.Version in /v1/agent/self, the
// consul-version node meta) read that one.

export const taxiwayVersion = '0.1.0';
export const consulVersion = '1.20.0';
/** When this version was cut; reported as Consul's BuildDate (RFC 3339). */
export const releaseDate = '2026-11-24T00:00:00Z';
/** Consul's gossip protocol version numbers, reported in agent/self Member and in `info`. */
export const protocolVersion = { min: 1, max: 5, current: 2 } as const;
