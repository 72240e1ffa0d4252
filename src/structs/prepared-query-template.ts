// Prepared query templates (Consul's agent/consul/prepared_query/template.go). A query whose
// Template.Type is "name_prefix_match" answers every name that starts with its Name; before it
// runs, each string of its Service part is rendered for the name asked:
//
//   ${name.full}    the whole name ("geo-db-west")
//   ${name.prefix}  the query's Name ("geo-db-")
//   ${name.suffix}  the rest ("west")
//   ${match(N)}     group N of Template.Regexp matched against the full name ("" when absent)
//   ${agent.segment} always "" (network segments are an Enterprise feature)
//
// Consul evaluates these with HIL; only the forms above are meaningful in a query, so this is a
// small interpreter of exactly them. Template.Regexp is RE2 (Go) syntax: it is checked with the
// RE2 parser of src/filter, and matched first by the linear-time RE2 automaton; only a name that
// does match is then run through a JS RegExp for its groups, so a name chosen by a DNS client
// cannot make a non-matching pattern backtrack.

import { badRequest } from '../lib/errors.js';
import { compileRegex, regexSearch, type RegexProgram } from '../filter/index.js';
import { type PreparedQuery, type ServiceQuery, templateTypeNamePrefixMatch } from './prepared-query.js';

type Piece = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'variable'; readonly name: string } | { readonly kind: 'match'; readonly group: number };

export interface CompiledTemplate {
  readonly query: PreparedQuery;
  readonly regexp: { readonly program: RegexProgram; readonly groups: RegExp } | undefined;
}

const variables = new Set(['name.full', 'name.prefix', 'name.suffix', 'agent.segment']);

/** "${name.suffix}-db" → pieces; throws Consul's "Bad format" error on anything else inside ${}. */
function parsePieces(text: string, path: string): Piece[] {
  const pieces: Piece[] = [];
  let rest = text;
  const bad = (reason: string): never => {
    throw badRequest(`Bad format '${text}' in Service${path}: ${reason}`);
  };
  while (rest !== '') {
    const start = rest.indexOf('${');
    if (start < 0) break;
    // "$${" is HIL's escape for a literal "${".
    if (start > 0 && rest[start - 1] === '$') {
      pieces.push({ kind: 'text', text: `${rest.slice(0, start - 1)}\${` });
      rest = rest.slice(start + 2);
      continue;
    }
    if (start > 0) pieces.push({ kind: 'text', text: rest.slice(0, start) });
    const end = rest.indexOf('}', start);
    if (end < 0) bad('unterminated interpolation');
    const inner = rest.slice(start + 2, end).trim();
    const match = /^match\(\s*(\d+)\s*\)$/.exec(inner);
    if (match !== null) pieces.push({ kind: 'match', group: Number(match[1]) });
    else if (variables.has(inner)) pieces.push({ kind: 'variable', name: inner });
    else bad(`unknown variable or function "${inner}"`);
    rest = rest.slice(end + 1);
  }
  if (rest !== '') pieces.push({ kind: 'text', text: rest });
  return pieces;
}

/** Go's RE2 spellings JS does not take: (?P<name>...) groups and leading (?flags). */
function jsRegExp(pattern: string): RegExp {
  let source = pattern.replace(/\(\?P</g, '(?<');
  let flags = 'u';
  const leading = /^\(\?([ims]+)\)/.exec(source);
  if (leading !== null) {
    source = source.slice(leading[0].length);
    for (const flag of leading[1] as string) if (!flags.includes(flag)) flags += flag;
  }
  return new RegExp(source, flags);
}

function compileTemplateRegexp(pattern: string): CompiledTemplate['regexp'] {
  if (pattern === '') return undefined;
  const compiled = compileRegex(pattern);
  if (!compiled.ok) throw badRequest(`Bad Regexp: ${compiled.reason}`);
  try {
    return { program: compiled.program, groups: jsRegExp(pattern) };
  } catch (error) {
    throw badRequest(`Bad Regexp: ${(error as Error).message}`);
  }
}

/** Visits every string of a service query that templates render, in a fixed order. */
function mapStrings(service: ServiceQuery, render: (text: string, path: string) => string): ServiceQuery {
  const list = (items: readonly string[] | null, path: string): string[] | null => (items === null ? null : items.map((item, i) => render(item, `${path}[${i}]`)));
  const map = (items: Readonly<Record<string, string>> | null, path: string): Record<string, string> | null =>
    items === null ? null : Object.fromEntries(Object.entries(items).map(([key, value]) => [key, render(value, `${path}[${key}]`)]));
  return {
    ...service,
    Service: render(service.Service, '.Service'),
    Failover: { ...service.Failover, Datacenters: list(service.Failover.Datacenters, '.Failover.Datacenters') },
    IgnoreCheckIDs: list(service.IgnoreCheckIDs, '.IgnoreCheckIDs'),
    Near: render(service.Near, '.Near'),
    Tags: list(service.Tags, '.Tags'),
    NodeMeta: map(service.NodeMeta, '.NodeMeta'),
    ServiceMeta: map(service.ServiceMeta, '.ServiceMeta'),
    Peer: render(service.Peer, '.Peer'),
  };
}

/**
 * Checks a template query and prepares it for rendering; throws a bad_request with Consul's text
 * (a bad type, a bad ${...}, a bad Regexp). Deterministic: the state store calls it on apply.
 */
export function compileTemplate(query: PreparedQuery): CompiledTemplate {
  if (query.Template.Type !== templateTypeNamePrefixMatch) throw badRequest(`Bad Template.Type '${query.Template.Type}'`);
  mapStrings(query.Service, (text, path) => {
    parsePieces(text, path);
    return text;
  });
  const compiled = { query, regexp: compileTemplateRegexp(query.Template.Regexp) };
  renderTemplate(compiled, query.Name);
  return compiled;
}

/** The query as it runs for `name`: every Service string rendered, empty tags dropped if asked. */
export function renderTemplate(compiled: CompiledTemplate, name: string): PreparedQuery {
  const { query, regexp } = compiled;
  let groups: readonly (string | undefined)[] = [];
  if (regexp !== undefined && regexSearch(regexp.program, name)) groups = regexp.groups.exec(name) ?? [];
  const values: Readonly<Record<string, string>> = {
    'name.full': name,
    'name.prefix': query.Name,
    'name.suffix': name.startsWith(query.Name) ? name.slice(query.Name.length) : name,
    'agent.segment': '',
  };
  const render = (text: string, path: string): string => {
    if (!text.includes('${')) return text;
    return parsePieces(text, path)
      .map((piece) => (piece.kind === 'text' ? piece.text : piece.kind === 'variable' ? (values[piece.name] ?? '') : (groups[piece.group] ?? '')))
      .join('');
  };
  let service = mapStrings(query.Service, render);
  if (query.Template.RemoveEmptyTags && service.Tags !== null) service = { ...service, Tags: service.Tags.filter((tag) => tag !== '') };
  return { ...query, Service: service };
}
