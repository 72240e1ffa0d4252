// Ports and addresses: which ports are on, what the agent binds, what it advertises to other
// agents, and which IPs each client-facing listener uses. Follows Consul's builder
// (agent/config/builder.go): ports ≤ 0 mean "off", the advertise address falls back to the bind
// address and, when that is 0.0.0.0 or ::, to the host's one private IPv4 (public IPv6) address;
// addresses.<listener> falls back to client_addr.

import { isIPv4 } from 'node:net';
import { describeValue } from './config-error.js';
import { detectAdvertiseAddress, isAnyAddress, parseIp, parseIpList, type InterfaceTable } from './addresses.js';
import { serverGrpcTlsPortDefault } from './defaults.js';
import type { MergedConfig, Origins } from './merge.js';
import type { ListenAddresses, PortsConfig } from './runtime-config.js';
import { defaulted } from './values.js';

const portMax = 65535;

/**
 * A port: 1..65535, or off (-1). Consul also reads 0 as off, so taxiway does; anything below -1
 * or above 65535 is an error. `mustListen` ports (server RPC, Serf LAN) cannot be off.
 */
function portValue(origins: Origins, path: string, value: number | undefined, mustListen: boolean): number {
  if (value === undefined || value === 0 || value === -1) {
    if (mustListen) origins.fail(path, `expected a port from 1 to ${portMax}, got ${value ?? 'nothing'}`);
    return -1;
  }
  if (value < -1 || value > portMax) origins.fail(path, `expected a port from 1 to ${portMax} or -1, got ${value}`);
  return value;
}

export function buildPorts({ config, origins }: MergedConfig): PortsConfig {
  const ports = config.ports;
  return {
    dns: portValue(origins, 'ports.dns', ports.dns, false),
    http: portValue(origins, 'ports.http', ports.http, false),
    https: portValue(origins, 'ports.https', ports.https, false),
    grpc: portValue(origins, 'ports.grpc', ports.grpc, false),
    // Consul ≥ 1.14 gives servers a gRPC-TLS port unless one is configured.
    grpcTls:
      ports.grpc_tls === undefined ? (config.server === true ? serverGrpcTlsPortDefault : -1) : portValue(origins, 'ports.grpc_tls', ports.grpc_tls, false),
    serfLan: portValue(origins, 'ports.serf_lan', ports.serf_lan, true),
    serfWan: portValue(origins, 'ports.serf_wan', ports.serf_wan, false),
    server: portValue(origins, 'ports.server', ports.server, true),
  };
}

/** The sidecar auto-port range; either end 0 or -1 turns auto-assignment off (Consul: "auto-assignment disabled"). */
export function buildSidecarPorts({ config, origins }: MergedConfig): { min: number; max: number } {
  const min = portValue(origins, 'ports.sidecar_min_port', config.ports.sidecar_min_port, false);
  const max = portValue(origins, 'ports.sidecar_max_port', config.ports.sidecar_max_port, false);
  if (min > 0 && max > 0 && max < min) origins.fail('ports.sidecar_max_port', `expected a port at or above sidecar_min_port (${min}), got ${max}`);
  return { min, max };
}

export interface NetworkConfig {
  readonly bindAddr: string;
  readonly advertiseAddrLan: string;
  readonly advertiseAddrWan: string;
  readonly taggedAddresses: Record<string, string>;
  readonly clientAddrs: string[];
  readonly listenAddresses: ListenAddresses;
}

export function buildNetwork(merged: MergedConfig, ports: PortsConfig, interfaces: () => InterfaceTable, warnings: string[]): NetworkConfig {
  const config = merged.config;
  const origins: Origins = merged.origins;
  const bindAddr = singleIp(origins, 'bind_addr', defaulted(config.bind_addr, 'bind_addr'));
  let advertiseAddrLan = advertiseIp(origins, 'advertise_addr', config.advertise_addr);
  if (advertiseAddrLan === undefined) {
    if (isAnyAddress(bindAddr)) {
      const detected = detectAdvertiseAddress(bindAddr, interfaces());
      if (!detected.ok) origins.fail('bind_addr', `binding to ${bindAddr} needs an address to advertise: ${detected.problem}`);
      advertiseAddrLan = detected.value;
    } else {
      advertiseAddrLan = bindAddr;
    }
  }
  const advertiseAddrWan = advertiseIp(origins, 'advertise_addr_wan', config.advertise_addr_wan) ?? advertiseAddrLan;

  const clientList = parseIpList(config.client_addr ?? '');
  if (!clientList.ok) origins.fail('client_addr', clientList.problem);
  const clientAddrs = clientList.value;
  if (clientAddrs.length === 0) {
    warnings.push('client_addr is empty, client services (DNS, HTTP, HTTPS, gRPC) will not be listening for connections');
  }
  const listen = (name: keyof typeof config.addresses, port: number): string[] => {
    if (port === -1) return [];
    const text = config.addresses[name];
    if (text === undefined || text.trim() === '') return clientAddrs;
    const list = parseIpList(text);
    if (!list.ok) origins.fail(`addresses.${name}`, list.problem);
    return list.value;
  };
  return {
    bindAddr,
    advertiseAddrLan,
    advertiseAddrWan,
    taggedAddresses: taggedAddresses(advertiseAddrLan, advertiseAddrWan),
    clientAddrs,
    listenAddresses: {
      dns: listen('dns', ports.dns),
      http: listen('http', ports.http),
      https: listen('https', ports.https),
      grpc: listen('grpc', ports.grpc),
      grpcTls: listen('grpc_tls', ports.grpcTls),
    },
  };
}

/** bind_addr: exactly one IP (Consul: "bind_addr cannot contain multiple addresses"). */
function singleIp(origins: Origins, path: string, text: string): string {
  const list = parseIpList(text);
  if (!list.ok) origins.fail(path, list.problem.replace('space-separated IP addresses', 'one IP address'));
  if (list.value.length !== 1) origins.fail(path, `expected one IP address, got ${describeValue(text)}`);
  return list.value[0] as string;
}

/** An advertise address: one IP that others can reach, so never 0.0.0.0 or ::. */
function advertiseIp(origins: Origins, path: string, text: string | undefined): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const ip = parseIp(text);
  if (!ip.ok) origins.fail(path, ip.problem);
  if (isAnyAddress(ip.value)) origins.fail(path, `expected an address other agents can reach (not 0.0.0.0 or ::), got ${describeValue(text)}`);
  return ip.value;
}

/** Consul's default node tagged addresses (structs.TaggedAddressLAN, ...). */
function taggedAddresses(lan: string, wan: string): Record<string, string> {
  return {
    lan,
    [isIPv4(lan) ? 'lan_ipv4' : 'lan_ipv6']: lan,
    wan,
    [isIPv4(wan) ? 'wan_ipv4' : 'wan_ipv6']: wan,
  };
}
