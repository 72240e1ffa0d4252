// Small value checks the builders share. Each takes the merged origins so that a bad value is
// reported against the source and key that set it.

import { assert } from '../../lib/assert.js';
import { parseGoDuration } from '../../lib/duration.js';
import { describeValue } from './config-error.js';
import type { Origins } from './merge.js';

/** A Go duration string → milliseconds; unset → `fallbackMs`. Negative durations are refused. */
export function durationMs(origins: Origins, path: string, text: string | undefined, fallbackMs = 0): number {
  if (text === undefined) return fallbackMs;
  const ms = parseGoDuration(text);
  if (ms === undefined || ms < 0) {
    const hint = /^\s*-?\d+(\.\d+)?\s*$/.test(text) ? ' (a number needs a unit: "30s", "5m", "1h")' : '';
    origins.fail(path, `expected a duration such as "30s" or "1m30s"${hint}, got ${describeValue(text)}`);
  }
  return ms;
}

/** A value the defaults fragment always sets; its absence is a taxiway bug, not a user error. */
export function defaulted<T>(value: T | undefined, path: string): T {
  assert(value !== undefined, `config key ${path} has no default`);
  return value;
}

/** Consul's rule for datacenter names (validateBasicName): lower-case letters, digits, - and _. */
const basicName = /^[a-z0-9_-]+$/;

/** Lower-cases a datacenter name as Consul does, then checks it. */
export function datacenterName(origins: Origins, path: string, text: string): string {
  const name = text.toLowerCase();
  if (!basicName.test(name)) {
    origins.fail(path, `expected a name of lowercase letters, digits, "-" and "_", got ${describeValue(text)}`);
  }
  return name;
}

/** One of a fixed set of words, compared without regard to case (Consul's log levels are "INFO"). */
export function oneOf<T extends string>(origins: Origins, path: string, text: string, allowed: readonly T[]): T {
  const word = text.trim().toLowerCase();
  const match = allowed.find((candidate) => candidate === word);
  if (match === undefined) origins.fail(path, `expected one of ${allowed.join(', ')}, got ${describeValue(text)}`);
  return match;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A node ID: a UUID, stored lower case as Consul's agent does; unset → "". */
export function nodeIdValue(origins: Origins, path: string, text: string | undefined): string {
  if (text === undefined || text.trim() === '') return '';
  const id = text.trim().toLowerCase();
  if (!uuidPattern.test(id)) origins.fail(path, `expected a UUID such as "adf4238a-882b-9ddc-4a9d-5b6758e4159e", got ${describeValue(text)}`);
  return id;
}

/** Gossip keys are AES keys: 16, 24 or 32 bytes, base64-encoded (memberlist's keyring rule). */
const gossipKeyBytes = [16, 24, 32];

/** Checks a gossip encryption key without ever echoing it (it is a secret). */
export function encryptKeyValue(origins: Origins, path: string, text: string | undefined): string {
  if (text === undefined || text === '') return '';
  const key = text.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(key) || key.length % 4 !== 0) {
    origins.fail(path, `expected a base64-encoded key of 16, 24 or 32 bytes, got ${key.length} characters that are not base64`);
  }
  const bytes = Buffer.from(key, 'base64').length;
  if (!gossipKeyBytes.includes(bytes)) origins.fail(path, `expected a base64-encoded key of 16, 24 or 32 bytes, got ${bytes} bytes`);
  return key;
}

/** A DNS domain as the DNS server matches it: lower case, ending with a dot. */
export function domainValue(origins: Origins, path: string, text: string, allowEmpty: boolean): string {
  const domain = text.trim().toLowerCase();
  if (domain === '' || domain === '.') {
    if (allowEmpty) return '';
    origins.fail(path, `expected a DNS domain such as "consul.", got ${describeValue(text)}`);
  }
  if (!/^([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.?$/.test(domain)) {
    origins.fail(path, `expected a DNS domain such as "consul.", got ${describeValue(text)}`);
  }
  return domain.endsWith('.') ? domain : `${domain}.`;
}
