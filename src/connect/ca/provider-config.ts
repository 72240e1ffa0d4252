// The built-in provider's configuration: Consul's keys (CamelCase or snake_case, any case), its
// weak typing (numbers may arrive as strings, durations as Go strings or nanoseconds), its
// defaults (structs.DefaultLeafCertTTL etc.) and its validation messages (CommonCAProviderConfig
// .Validate, ConsulCAProviderConfig).

import { formatGoDuration, parseGoDuration } from '../../lib/duration.js';
import { badRequest } from '../../lib/errors.js';
import type { CaProviderConfig } from '../../structs/connect-ca.js';
import { validateKeySpec } from './keys.js';

const hourMs = 3_600_000;

export const defaultProviderConfig: CaProviderConfig = Object.freeze({
  LeafCertTTL: '72h',
  IntermediateCertTTL: '8760h',
  RootCertTTL: '87600h',
  PrivateKeyType: 'ec',
  PrivateKeyBits: 256,
  // Consul's default: low enough not to overload a server, a 1,000-instance rotation in 20 s.
  CSRMaxPerSecond: 50,
  CSRMaxConcurrent: 0,
});

const known: Readonly<Record<string, keyof CaProviderConfig>> = Object.fromEntries(
  (Object.keys(defaultProviderConfig) as (keyof CaProviderConfig)[]).flatMap((key) => {
    const snake = key.replace(/TTL$/, 'Ttl').replace(/CSR/, 'Csr').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    return [[key.toLowerCase(), key], [snake, key]];
  }),
);

function durationOf(value: unknown, key: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) return formatGoDuration(value / 1e6);
  if (typeof value === 'string' && parseGoDuration(value) !== undefined) return value;
  throw badRequest(`error decoding config: '${key}' expected a duration, got ${JSON.stringify(value)}`);
}

function numberOf(value: unknown, key: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) throw badRequest(`error decoding config: '${key}' expected a number, got ${JSON.stringify(value)}`);
  return number;
}

/** Decodes a Config map over `base` (defaults, or the current configuration for a PUT). */
export function decodeProviderConfig(raw: Readonly<Record<string, unknown>>, base: CaProviderConfig = defaultProviderConfig): CaProviderConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(raw)) {
    const name = known[key.toLowerCase()];
    if (name === undefined) {
      if (key === 'PrivateKey' || key === 'RootCert' || key.toLowerCase() === 'private_key' || key.toLowerCase() === 'root_cert') {
        if (value !== '' && value !== undefined && value !== null) throw badRequest('a user-supplied PrivateKey/RootCert is not supported by taxiway yet');
        continue;
      }
      // Consul's mapstructure decoding ignores keys it does not know (other providers' settings).
      continue;
    }
    if (name.endsWith('TTL')) out[name] = durationOf(value, key);
    else if (name === 'PrivateKeyType') out[name] = String(value);
    else out[name] = numberOf(value, key);
  }
  const config = out as unknown as CaProviderConfig;
  validateProviderConfig(config);
  return Object.freeze(config);
}

export const ttlMsOf = (duration: string): number => parseGoDuration(duration) ?? 0;

export function validateProviderConfig(config: CaProviderConfig): void {
  const leafMs = ttlMsOf(config.LeafCertTTL);
  if (leafMs < hourMs) throw badRequest('leaf cert TTL must be greater or equal than 1h0m0s');
  if (leafMs > 365 * 24 * hourMs) throw badRequest('leaf cert TTL must be less than 8760h0m0s');
  const intermediateMs = ttlMsOf(config.IntermediateCertTTL);
  if (intermediateMs < 3 * hourMs) throw badRequest('Intermediate Cert TTL must be greater or equal than 3h');
  if (intermediateMs < 3 * leafMs) throw badRequest(`Intermediate Cert TTL must be greater or equal than 3 * LeafCertTTL (>=${formatGoDuration(3 * leafMs)}).`);
  if (ttlMsOf(config.RootCertTTL) < intermediateMs) throw badRequest('root cert TTL is set and is not greater than intermediate cert ttl');
  const type = config.PrivateKeyType as string;
  if (type !== 'ec' && type !== 'rsa') throw badRequest(`unknown private key type ${JSON.stringify(type)}`);
  validateKeySpec({ type: type, bits: config.PrivateKeyBits });
}

/** True when moving from `before` to `after` needs a new root (the key it signs with changes). */
export function needsNewRoot(before: CaProviderConfig, after: CaProviderConfig): boolean {
  return before.PrivateKeyType !== after.PrivateKeyType || before.PrivateKeyBits !== after.PrivateKeyBits || before.RootCertTTL !== after.RootCertTTL;
}
