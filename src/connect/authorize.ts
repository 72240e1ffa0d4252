// /v1/agent/connect/authorize (Consul's agent/connect_auth.go): may the holder of a client
// certificate whose URI is `clientCertUri` connect to `target`? The request is checked here,
// purely: a target is named, the URI is a SPIFFE ID, and it names a service. The caller then
// compares the URI's trust domain with the CA's (a foreign domain is refused without looking at
// intentions) and asks for the intention decision between the URI's service and the target.

import { badRequest } from '../lib/errors.js';
import { parseServiceSpiffeId, type ServiceSpiffeId } from './spiffe.js';

export interface AuthorizeRequest {
  readonly Target: string;
  readonly ClientCertURI: string;
  readonly ClientCertSerial: string;
}

export interface AuthorizeResult {
  readonly Authorized: boolean;
  readonly Reason: string;
}

/** The client's service identity, or Consul's 400 for a request that names none. */
export function clientIdentity(request: AuthorizeRequest): ServiceSpiffeId {
  if (request.Target === '') throw badRequest('Target service must be specified');
  if (request.ClientCertURI === '') throw badRequest('ClientCertURI must be given');
  if (!/^spiffe:\/\/[^/]+/i.test(request.ClientCertURI)) throw badRequest('ClientCertURI not a valid Connect identifier');
  const id = parseServiceSpiffeId(request.ClientCertURI);
  if (id === undefined) throw badRequest('ClientCertURI not a valid Service identifier');
  return id;
}

/** A refusal when the client's trust domain is not this cluster's (compared case-insensitively). */
export function foreignTrustDomain(id: ServiceSpiffeId, trustDomain: string): AuthorizeResult | undefined {
  if (id.trustDomain === trustDomain.toLowerCase()) return undefined;
  return { Authorized: false, Reason: `Identity from an external trust domain: ${id.trustDomain}` };
}
