// service-router validation (Consul's ServiceRouterConfigEntry Normalize/Validate): each route's
// HTTP match names at most one path kind, paths start with "/", header and query matches name a
// field and at most one way to match it, methods are upper-cased and unique, and PrefixRewrite
// needs a path match to rewrite.

import type { ConfigEntryBody } from '../../structs/config-entry.js';
import { validateMeta } from './validate-defaults.js';
import { boolField, type Fields, invalid, objectField, objectList, stringField, stringList } from './fields.js';
import { validateFaultInjection } from './validate-faults.js';

const httpMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE']);

function countSet(object: Fields, keys: readonly string[]): number {
  return keys.filter((key) => {
    const value = object[key];
    return value !== undefined && value !== '' && value !== false;
  }).length;
}

/** Header matches, shared with intentions' L7 permissions (same rules, other prefix). */
export function validateHeaderMatches(http: Fields, where: string): void {
  for (const [j, header] of objectList(http, 'Header', `${where}.Header`).entries()) {
    if (stringField(header, 'Name') === '') throw invalid(`${where} Header[${j}] missing required Name field`);
    boolField(header, 'Invert');
    if (countSet(header, ['Present', 'Exact', 'Prefix', 'Suffix', 'Regex']) > 1) {
      throw invalid(`${where} Header[${j}] should only contain one of Present, Exact, Prefix, Suffix, or Regex`);
    }
  }
}

/** Path matches, shared with intentions' L7 permissions. */
export function validatePathMatch(http: Fields, where: string): void {
  if (countSet(http, ['PathExact', 'PathPrefix', 'PathRegex']) > 1) throw invalid(`${where} should only contain at most one of PathExact, PathPrefix, or PathRegex`);
  for (const key of ['PathExact', 'PathPrefix']) {
    const path = stringField(http, key);
    if (path !== '' && !path.startsWith('/')) throw invalid(`${where} ${key} doesn't start with '/': "${path}"`);
  }
}

/** Methods upper-cased, each a known HTTP method, none twice. */
export function normalizeMethods(http: Fields, where: string): readonly string[] {
  const methods = stringList(http, 'Methods').map((method) => method.toUpperCase());
  const seen = new Set<string>();
  for (const method of methods) {
    if (!httpMethods.has(method)) throw invalid(`${where} Methods contains an invalid method "${method}"`);
    if (seen.has(method)) throw invalid(`${where} Methods contains "${method}" more than once`);
    seen.add(method);
  }
  return methods;
}

function validateRouteHttp(http: Fields, where: string): Fields {
  validatePathMatch(http, where);
  validateHeaderMatches(http, where);
  for (const [j, param] of objectList(http, 'QueryParam', `${where}.QueryParam`).entries()) {
    if (stringField(param, 'Name') === '') throw invalid(`${where} QueryParam[${j}] missing required Name field`);
    if (countSet(param, ['Present', 'Exact', 'Regex']) > 1) throw invalid(`${where} QueryParam[${j}] should only contain one of Present, Exact, or Regex`);
  }
  const methods = normalizeMethods(http, where);
  return methods.length === 0 ? http : { ...http, Methods: methods };
}

function validateRoute(route: Fields, i: number): Fields {
  const where = `Route[${i}]`;
  const match = objectField(route, 'Match', `Routes[${i}].Match`);
  const http = match === undefined ? undefined : objectField(match, 'HTTP', `Routes[${i}].Match.HTTP`);
  const normalizedHttp = http === undefined ? undefined : validateRouteHttp(http, where);
  const destination = objectField(route, 'Destination', `Routes[${i}].Destination`);
  if (destination !== undefined && stringField(destination, 'PrefixRewrite') !== '') {
    if (http === undefined || (stringField(http, 'PathExact') === '' && stringField(http, 'PathPrefix') === '')) {
      throw invalid(`${where} cannot make use of PrefixRewrite without configuring either PathExact or PathPrefix`);
    }
  }
  if (destination !== undefined) validateFaultInjection(destination, where);
  if (normalizedHttp === undefined || match === undefined) return route;
  return { ...route, Match: { ...match, HTTP: normalizedHttp } };
}

export function validateServiceRouter(entry: ConfigEntryBody): ConfigEntryBody {
  validateMeta(entry);
  const routes = objectList(entry, 'Routes').map(validateRoute);
  return (routes.length === 0 ? entry : { ...entry, Routes: routes });
}

export function validateServiceSplitter(entry: ConfigEntryBody): ConfigEntryBody {
  validateMeta(entry);
  const splits = objectList(entry, 'Splits');
  if (splits.length === 0) throw invalid('no splits configured');
  const seen = new Set<string>();
  let sumScaled = 0;
  for (const split of splits) {
    const service = stringField(split, 'Service') || entry.Name;
    const subset = stringField(split, 'ServiceSubset');
    const key = JSON.stringify([service, subset, stringField(split, 'Namespace'), stringField(split, 'Partition')]);
    if (seen.has(key)) {
      throw invalid(`split destination occurs more than once: service="${service}", subset="${subset}", namespace="${stringField(split, 'Namespace')}", partition="${stringField(split, 'Partition')}"`);
    }
    seen.add(key);
    // Weights are kept in hundredths of a percent, as Consul's scaleWeight does (float32 input).
    const weight = split.Weight;
    if (weight !== undefined && (typeof weight !== 'number' || !Number.isFinite(weight))) throw invalid('Request decode failed: Splits.Weight: expected a number');
    sumScaled += Math.round(Math.fround(weight ?? 0) * 100);
  }
  if (sumScaled !== 10_000) throw invalid(`the sum of all split weights must be 100, not ${(sumScaled / 100).toFixed(6)}`);
  return entry;
}
