// The authorization hook. Every request's token (from X-Consul-Token, Authorization: Bearer or
// ?token=) is resolved to an Authorizer, and every endpoint asks it before reading or writing.
// Until the ACL system lands, the resolver returns an authorizer that allows everything, as
// Consul does with ACLs disabled; the call sites are already in place.

import { TaxiwayError } from '../lib/errors.js';

export type AclAccess = 'read' | 'write';

/** The kinds of resource Consul's ACL rules name. */
export type AclResource =
  | { readonly kind: 'service'; readonly name: string }
  | { readonly kind: 'node'; readonly name: string }
  | { readonly kind: 'agent'; readonly name: string }
  | { readonly kind: 'key'; readonly name: string }
  | { readonly kind: 'session'; readonly name: string }
  | { readonly kind: 'event'; readonly name: string }
  | { readonly kind: 'operator' };

export interface Authorizer {
  allows(resource: AclResource, access: AclAccess): boolean;
}

export interface AclResolver {
  /** Resolves a token ("" = anonymous) to what it may do; throws acl_not_found for an unknown token. */
  resolve(token: string): Authorizer;
  /** X-Consul-Default-ACL-Policy. */
  readonly defaultPolicy: 'allow' | 'deny';
}

const allowAll: Authorizer = { allows: () => true };

/** ACLs disabled: every token may do everything. */
export const aclDisabled: AclResolver = { resolve: () => allowAll, defaultPolicy: 'allow' };

function describe(resource: AclResource): string {
  return resource.kind === 'operator' ? 'operator' : `${resource.kind} "${resource.name}"`;
}

/** Throws Consul's permission-denied error unless the authorizer allows the access. */
export function enforce(authorizer: Authorizer, resource: AclResource, access: AclAccess): void {
  if (!authorizer.allows(resource, access)) {
    throw new TaxiwayError('permission_denied', `Permission denied: token lacks permission '${resource.kind}:${access}' on ${describe(resource)}`);
  }
}
