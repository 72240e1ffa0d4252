// JSON for responses, assembled from cached fragments. Catalog rows are frozen and never change
// (a write replaces them), so each row's JSON is computed once, on first use, and reused by every
// later answer that contains it; only the small shells around rows (a ServiceEntry, a list) are
// built per request. A 1,000-instance health answer is then mostly string concatenation instead
// of a walk over every field. Fragments live in a WeakMap, so they go when their rows go.
//
// Output is exactly JSON.stringify's for the same value (keys in insertion order, undefined
// properties left out, undefined array items as null), except that a BigInt is written as the
// number it is: Consul's uint64 fields (KV Flags) can exceed 2^53, and its clients send such
// values (Consul's lock recipe flags its keys with 0x2ddccbc058a50c18). ?pretty uses
// JSON.stringify itself, with the same rule for BigInts (prettyJson).

import { randomUUID } from 'node:crypto';

const fragments = new WeakMap<object, string>();
/** Encoded bodies of frozen answers (views), so that a repeated answer is not even re-encoded. */
const bodies = new WeakMap<object, Buffer>();

/** A response body: the bytes of a frozen answer, cached; otherwise the JSON text. */
export function jsonBody(value: unknown): string | Buffer {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return toJson(value) ?? 'null';
  let body = bodies.get(value);
  if (body === undefined) {
    body = Buffer.from(objectJson(value), 'utf8');
    bodies.set(value, body);
  }
  return body;
}

/** JSON text of `value`, or undefined where JSON.stringify would leave it out (undefined, functions). */
export function toJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return value === null ? 'null' : objectJson(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
}

/** Quoted keys with their colon, for the few dozen field names responses use over and over. */
const keyPrefixes = new Map<string, string>();
const keyPrefixCacheMax = 4096;

function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(key)}:`;
    // User-chosen keys (Meta) are many; only the first few thousand distinct keys are kept.
    if (keyPrefixes.size < keyPrefixCacheMax) keyPrefixes.set(key, prefix);
  }
  return prefix;
}

function objectJson(value: object): string {
  if (!Object.isFrozen(value)) return composedJson(value);
  let json = fragments.get(value);
  if (json === undefined) {
    // A frozen composite (a ServiceEntry, a view's list) is assembled from its parts' fragments, so
    // rebuilding a view after one row changed re-serialises only that row; a leaf row is cheaper
    // to hand to the native serialiser whole.
    json = isLeaf(value) ? JSON.stringify(value) : composedJson(value);
    fragments.set(value, json);
  }
  return json;
}

/**
 * No array, no frozen object among its own values (nothing inside has a fragment to reuse) and no
 * BigInt (which JSON.stringify refuses).
 */
function isLeaf(value: object): boolean {
  if (Array.isArray(value)) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item === 'bigint') return false;
    if (typeof item === 'object' && item !== null && Object.isFrozen(item)) return false;
  }
  return true;
}

/**
 * JSON.stringify with an indent, writing BigInts as numbers: each is first written as a string
 * holding a per-call random marker, then the quoted marker is replaced by the digits, so no string
 * from the data can pass for one.
 */
export function prettyJson(value: unknown, indent: number): string {
  let marker: string | undefined;
  const json = JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item !== 'bigint') return item;
      marker ??= randomUUID();
      return `${marker}:${item.toString()}`;
    },
    indent,
  );
  return marker === undefined ? json : json.replace(new RegExp(`"${marker}:(\\d+)"`, 'g'), '$1');
}

function composedJson(value: object): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + (toJson(value[i]) ?? 'null');
    return `${out}]`;
  }
  if ('toJSON' in value && typeof value.toJSON === 'function') return JSON.stringify(value);
  let out = '{';
  let separator = '';
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const json = toJson((value as Record<string, unknown>)[key]);
    if (json === undefined) continue;
    out += separator + keyPrefix(key) + json;
    separator = ',';
  }
  return `${out}}`;
}
