// What routes and L7 intentions match a request on (path, method, headers, query parameters),
// worked out only when a route or a permission asks. Most chains have no router and most
// intentions no permissions, while parsing the URL and flattening the headers on every request
// was a measurable share of the L7 path's time; the getters parse once, on first use.

import type { RequestFacts } from './router.js';

type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

function flatten(headers: RequestHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return flat;
}

/** The facts of a request whose request-target (path and query) is `target`. */
export function requestFacts(method: string, target: string, headers: RequestHeaders): RequestFacts {
  let url: URL | undefined;
  let flat: Record<string, string> | undefined;
  let query: Record<string, string> | undefined;
  // The WHATWG parser normalizes the path (dot segments, percent-encoding) as Envoy's
  // normalize_path does before matching.
  const parsed = (): URL => (url ??= new URL(target, 'http://request'));
  return {
    method,
    get path() {
      return parsed().pathname;
    },
    get headers() {
      return (flat ??= flatten(headers));
    },
    get query() {
      return (query ??= Object.fromEntries(parsed().searchParams));
    },
  };
}
