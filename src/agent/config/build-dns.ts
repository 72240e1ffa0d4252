// The DNS keys: domain, alt_domain, recursors and dns_config, with Consul's defaults
// (agent/config/default.go dns_config) and its normalisation: domains lower case with a trailing
// dot, recursors "ip:port" without duplicates, durations in milliseconds.

import { parseRecursor } from './addresses.js';
import type { MergedConfig, Origins } from './merge.js';
import type { DnsConfig } from './runtime-config.js';
import { defaulted, domainValue, durationMs } from './values.js';

export interface DnsSettings {
  readonly dnsDomain: string;
  readonly dnsAltDomain: string;
  readonly dnsRecursors: string[];
  readonly dnsConfig: DnsConfig;
}

export function buildDns(merged: MergedConfig, datacenter: string): DnsSettings {
  const config = merged.config;
  const origins: Origins = merged.origins;
  const dnsDomain = domainValue(origins, 'domain', defaulted(config.domain, 'domain'), false);
  const dnsAltDomain = domainValue(origins, 'alt_domain', config.alt_domain ?? '', true);
  // Consul's isValidAltDomain: the alt domain must not look like the start of a query name.
  const queryPrefix = new RegExp(`^(service|connect|node|query|addr|${escapeRegExp(datacenter)})\\.`);
  if (queryPrefix.test(dnsAltDomain)) {
    origins.fail('alt_domain', `expected a domain not starting with service., connect., node., query., addr. or ${datacenter}., got ${JSON.stringify(config.alt_domain)}`);
  }

  const dnsRecursors: string[] = [];
  config.recursors.forEach((text, index) => {
    const recursor = parseRecursor(text);
    if (!recursor.ok) origins.fail(`recursors[${index}]`, recursor.problem);
    if (!dnsRecursors.includes(recursor.value)) dnsRecursors.push(recursor.value);
  });
  return { dnsDomain, dnsAltDomain, dnsRecursors, dnsConfig: buildDnsConfig(merged) };
}

function buildDnsConfig({ config, origins }: MergedConfig): DnsConfig {
  const dns = config.dns_config;
  const serviceTtlMs: Record<string, number> = {};
  for (const [service, ttl] of Object.entries(dns.service_ttl)) {
    Object.defineProperty(serviceTtlMs, service, {
      value: durationMs(origins, `dns_config.service_ttl.${service}`, ttl),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return {
    allowStale: defaulted(dns.allow_stale, 'dns_config.allow_stale'),
    maxStaleMs: durationMs(origins, 'dns_config.max_stale', dns.max_stale),
    nodeTtlMs: durationMs(origins, 'dns_config.node_ttl', dns.node_ttl),
    serviceTtlMs,
    onlyPassing: dns.only_passing ?? false,
    enableTruncate: dns.enable_truncate ?? false,
    udpAnswerLimit: defaulted(dns.udp_answer_limit, 'dns_config.udp_answer_limit'),
    aRecordLimit: defaulted(dns.a_record_limit, 'dns_config.a_record_limit'),
    recursorTimeoutMs: durationMs(origins, 'dns_config.recursor_timeout', dns.recursor_timeout),
    // Consul adds node meta TXT records to the additional section unless told not to.
    enableAdditionalNodeMetaTxt: dns.enable_additional_node_meta_txt ?? true,
    soa: {
      refreshSeconds: defaulted(dns.soa.refresh, 'dns_config.soa.refresh'),
      retrySeconds: defaulted(dns.soa.retry, 'dns_config.soa.retry'),
      expireSeconds: defaulted(dns.soa.expire, 'dns_config.soa.expire'),
      minTtlSeconds: defaulted(dns.soa.min_ttl, 'dns_config.soa.min_ttl'),
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
