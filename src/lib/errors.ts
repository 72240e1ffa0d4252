// The error catalogue. Every failure that reaches a user is a TaxiwayError with a stable code; the
// HTTP status for each code is decided here, once, and src/http/respond.ts is the only place that
// turns errors into responses. Codes cross process boundaries (RPC) as a field, never as message
// text, so callers test `error.code`, not `error.message`. docs/errors.md lists the same table and
// a unit test keeps the two in step.

export const errorCatalogue = {
  bad_request: { httpStatus: 400, meaning: 'The request is malformed: bad JSON, a wrong type, a missing field or a bad query parameter.' },
  invalid_filter: { httpStatus: 400, meaning: 'The ?filter= expression does not parse or names a field the endpoint does not have.' },
  acl_disabled: { httpStatus: 401, meaning: 'An ACL endpoint was called while ACLs are disabled.' },
  permission_denied: { httpStatus: 403, meaning: 'The token lacks the permission the request needs.' },
  acl_not_found: { httpStatus: 403, meaning: 'The token given is not known.' },
  not_found: { httpStatus: 404, meaning: 'The named service, check, node or route does not exist.' },
  method_not_allowed: { httpStatus: 405, meaning: 'The route exists but not for this HTTP method; the Allow header lists the methods it has.' },
  payload_too_large: { httpStatus: 413, meaning: 'The request body is over the limit for the endpoint.' },
  rate_limited: { httpStatus: 429, meaning: 'Too many requests or connections from this client.' },
  no_path_to_datacenter: { httpStatus: 500, meaning: 'The ?dc= names a datacenter this cluster cannot reach.' },
  no_leader: { httpStatus: 500, meaning: 'The cluster has no leader to serve a consistent read or a write.' },
  outcome_unknown: { httpStatus: 500, meaning: 'The write may or may not have been applied: leadership moved or the leader went away before it answered.' },
  no_servers: { httpStatus: 500, meaning: 'This agent knows no server to send the request to.' },
  conflict: { httpStatus: 500, meaning: 'The write conflicts with existing state (for example a node ID owned by another node).' },
  internal: { httpStatus: 500, meaning: 'An unexpected failure inside taxiway; the log has the details.' },
} as const satisfies Record<string, { httpStatus: number; meaning: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export class TaxiwayError extends Error {
  override readonly name = 'TaxiwayError';
  readonly httpStatus: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers the error carries (e.g. Allow on 405). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.httpStatus = errorCatalogue[code].httpStatus;
  }
}

export function isTaxiwayError(error: unknown): error is TaxiwayError {
  return error instanceof TaxiwayError;
}

export const badRequest = (message: string): TaxiwayError => new TaxiwayError('bad_request', message);
export const notFound = (message: string): TaxiwayError => new TaxiwayError('not_found', message);
export const payloadTooLarge = (message: string): TaxiwayError => new TaxiwayError('payload_too_large', message);
export const conflict = (message: string): TaxiwayError => new TaxiwayError('conflict', message);

/** Consul's exact text for an unknown ?dc=, which clients match on (hashicorp/consul#908). */
export const noPathToDatacenter = (): TaxiwayError => new TaxiwayError('no_path_to_datacenter', 'No path to datacenter');
