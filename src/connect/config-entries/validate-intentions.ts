// service-intentions validation (Consul's ServiceIntentionsConfigEntry normalize/validate): the
// destination and each source are a full name or "*", no source twice, each source either an
// Action or L7 Permissions (each with an Action and a non-empty HTTP match), descriptions and
// meta within Consul's bounds. Normalising lower-cases actions, upper-cases methods and fills
// Type "consul".

import { limits } from '../../lib/limits.js';
import type { ConfigEntryBody } from '../../structs/config-entry.js';
import { intentionWildcard } from '../intentions.js';
import { type Fields, invalid, objectField, objectList, stringField } from './fields.js';
import { validateMeta } from './validate-defaults.js';
import { normalizeMethods, validateHeaderMatches, validatePathMatch } from './validate-router.js';

function checkWildcard(name: string, where: string): void {
  if (name !== intentionWildcard && name.includes(intentionWildcard)) throw invalid(`${where}: wildcard character '*' cannot be used with partial values`);
}

function validatePermission(permission: Fields, where: string): Fields {
  const action = stringField(permission, 'Action').toLowerCase();
  if (action !== 'allow' && action !== 'deny') throw invalid(`${where}.Action must be set to 'allow' or 'deny'`);
  const http = objectField(permission, 'HTTP', `${where}.HTTP`);
  if (http === undefined) throw invalid(`${where}.HTTP is required`);
  const keys = ['PathExact', 'PathPrefix', 'PathRegex', 'Header', 'Methods'];
  if (keys.every((key) => http[key] === undefined || http[key] === '' || (Array.isArray(http[key]) && http[key].length === 0))) {
    throw invalid(`${where}.HTTP should not be empty`);
  }
  validatePathMatch(http, `${where}.HTTP`);
  validateHeaderMatches(http, `${where}.HTTP`);
  const methods = normalizeMethods(http, `${where}.HTTP`);
  return { ...permission, Action: action, HTTP: methods.length === 0 ? http : { ...http, Methods: methods } };
}

function validateSource(source: Fields, i: number, seen: Set<string>): Fields {
  const where = `Sources[${i}]`;
  const name = stringField(source, 'Name', `${where}.Name`);
  if (name === '') throw invalid(`${where}.Name is required`);
  checkWildcard(name, `${where}.Name`);
  const key = `${stringField(source, 'Peer')}/${stringField(source, 'Namespace') || 'default'}/${name}`;
  if (seen.has(key)) throw invalid(`${where} defines "${name}" more than once`);
  seen.add(key);
  const description = stringField(source, 'Description');
  if (description.length > limits.metaValueBytesMax) throw invalid(`${where}.Description exceeds maximum length ${limits.metaValueBytesMax}`);
  const type = stringField(source, 'Type') || 'consul';
  if (type !== 'consul') throw invalid(`${where}.Type must be set to 'consul'`);
  validateMeta(source, 'LegacyMeta');
  const action = stringField(source, 'Action').toLowerCase();
  const permissions = objectList(source, 'Permissions', `${where}.Permissions`);
  if (permissions.length > 0) {
    if (action !== '') throw invalid(`${where}.Action must be omitted if Permissions are specified`);
    return { ...source, Type: type, Permissions: permissions.map((permission, j) => validatePermission(permission, `${where}.Permissions[${j}]`)) };
  }
  if (action !== 'allow' && action !== 'deny') throw invalid(`${where}.Action must be set to 'allow' or 'deny'`);
  return { ...source, Type: type, Action: action };
}

export function validateServiceIntentions(entry: ConfigEntryBody): ConfigEntryBody {
  checkWildcard(entry.Name, 'Name');
  validateMeta(entry);
  const seen = new Set<string>();
  const sources = objectList(entry, 'Sources').map((source, i) => validateSource(source, i, seen));
  return { ...entry, Sources: sources };
}
