// Typed reads of a config entry's fields, which are plain JSON (see src/structs/config-entry.ts).
// A field of the wrong JSON type is the caller's error, answered as Consul's decoder would: a 400
// naming the field.

import { badRequest } from '../../lib/errors.js';

export type Fields = Readonly<Record<string, unknown>>;

function wrongType(path: string, expected: string): Error {
  return badRequest(`Request decode failed: ${path}: expected ${expected}`);
}

export function stringField(object: Fields, key: string, path = key): string {
  const value = object[key];
  if (value === undefined) return '';
  if (typeof value !== 'string') throw wrongType(path, 'a string');
  return value;
}

export function numberField(object: Fields, key: string, path = key): number {
  const value = object[key];
  if (value === undefined) return 0;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType(path, 'a number');
  return value;
}

export function boolField(object: Fields, key: string, path = key): boolean {
  const value = object[key];
  if (value === undefined) return false;
  if (value === 'true' || value === 'false') return value === 'true';
  if (typeof value !== 'boolean') throw wrongType(path, 'a boolean');
  return value;
}

export function objectField(object: Fields, key: string, path = key): Fields | undefined {
  const value = object[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrongType(path, 'an object');
  return value as Fields;
}

export function listField(object: Fields, key: string, path = key): readonly unknown[] {
  const value = object[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw wrongType(path, 'a list');
  return value;
}

export function objectList(object: Fields, key: string, path = key): readonly Fields[] {
  return listField(object, key, path).map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw wrongType(`${path}[${i}]`, 'an object');
    return item as Fields;
  });
}

export function stringList(object: Fields, key: string, path = key): readonly string[] {
  return listField(object, key, path).map((item, i) => {
    if (typeof item !== 'string') throw wrongType(`${path}[${i}]`, 'a string');
    return item;
  });
}

/** A string map (Meta): every value a string. */
export function stringMap(object: Fields, key: string, path = key): Readonly<Record<string, string>> {
  const map = objectField(object, key, path) ?? {};
  for (const [name, value] of Object.entries(map)) if (typeof value !== 'string') throw wrongType(`${path}[${name}]`, 'a string');
  return map as Readonly<Record<string, string>>;
}

/** A Go duration field given as "5s" or as nanoseconds; answers milliseconds (0 when absent). */
export function durationMs(object: Fields, key: string, parse: (text: string) => number | undefined, path = key): number {
  const value = object[key];
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value / 1e6;
  if (typeof value === 'string') {
    const ms = parse(value);
    if (ms !== undefined) return ms;
  }
  throw badRequest(`Request decode failed: ${path}: expected a duration such as "5s"`);
}

export function invalid(message: string): Error {
  return badRequest(message);
}
