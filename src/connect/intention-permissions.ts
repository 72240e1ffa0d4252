// L7 permissions of an intention source (Consul's IntentionPermission): an HTTP request matches
// a permission when its path (exact, prefix or regex over the whole path), its method (any of
// Methods, none listed = any) and every header rule match. The first matching permission's
// Action decides, as Envoy's RBAC filter built from them does; no match = undecided here (the
// proxy then falls back to the next intention or the default).

import type { IntentionAction, IntentionPermission } from './intentions.js';

export interface HttpRequestFacts {
  readonly path: string;
  readonly method: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
}

type Rule = Readonly<Record<string, unknown>>;

const str = (value: unknown): string => (typeof value === 'string' ? value : '');

function wholeMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u').test(text);
  } catch {
    return false;
  }
}

function headerMatches(rule: Rule, headers: Readonly<Record<string, string>>): boolean {
  const value = headers[str(rule.Name).toLowerCase()];
  let matched: boolean;
  if (rule.Present === true) matched = value !== undefined;
  else if (str(rule.Exact) !== '') matched = value === str(rule.Exact);
  else if (str(rule.Prefix) !== '') matched = value?.startsWith(str(rule.Prefix)) === true;
  else if (str(rule.Suffix) !== '') matched = value?.endsWith(str(rule.Suffix)) === true;
  else if (str(rule.Regex) !== '') matched = value !== undefined && wholeMatch(str(rule.Regex), value);
  else matched = value !== undefined;
  return rule.Invert === true ? !matched : matched;
}

/** Whether one permission's HTTP rules match the request. */
export function permissionMatches(permission: IntentionPermission, request: HttpRequestFacts): boolean {
  const http = permission.HTTP ?? {};
  if (str(http.PathExact) !== '' && request.path !== str(http.PathExact)) return false;
  if (str(http.PathPrefix) !== '' && !request.path.startsWith(str(http.PathPrefix))) return false;
  if (str(http.PathRegex) !== '' && !wholeMatch(str(http.PathRegex), request.path)) return false;
  const methods = Array.isArray(http.Methods) ? (http.Methods as string[]) : [];
  if (methods.length > 0 && !methods.includes(request.method.toUpperCase())) return false;
  const headers = Array.isArray(http.Header) ? (http.Header as Rule[]) : [];
  return headers.every((rule) => headerMatches(rule, request.headers));
}

/** The first matching permission's action, or undefined when none matches. */
export function permissionDecision(permissions: readonly IntentionPermission[], request: HttpRequestFacts): IntentionAction | undefined {
  return permissions.find((permission) => permissionMatches(permission, request))?.Action;
}
