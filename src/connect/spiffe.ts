// SPIFFE IDs of the mesh: the URIs in certificate SANs that name who holds a certificate.
// Only the two forms the built-in CA issues are understood (Consul's agent/connect/uri*.go):
//   spiffe://<trust-domain>                                      the CA's signing ID
//   spiffe://<trust-domain>/ns/<ns>/dc/<dc>/svc/<service>        a service (CE: ns is "default")

export interface ServiceSpiffeId {
  readonly trustDomain: string;
  readonly namespace: string;
  readonly datacenter: string;
  readonly service: string;
}

export function formatServiceSpiffeId(id: ServiceSpiffeId): string {
  const path = [id.namespace, id.datacenter, id.service].map(encodeURIComponent);
  return `spiffe://${id.trustDomain}/ns/${path[0]}/dc/${path[1]}/svc/${path[2]}`;
}

export function formatSigningSpiffeId(trustDomain: string): string {
  return `spiffe://${trustDomain}`;
}

const servicePattern = /^spiffe:\/\/([^/]+)\/ns\/([^/]+)\/dc\/([^/]+)\/svc\/([^/]+)$/;

/** The service a URI names, or undefined when it is not a service SPIFFE ID. */
export function parseServiceSpiffeId(uri: string): ServiceSpiffeId | undefined {
  const match = servicePattern.exec(uri);
  if (match === null) return undefined;
  try {
    return {
      trustDomain: (match[1] as string).toLowerCase(),
      namespace: decodeURIComponent(match[2] as string),
      datacenter: decodeURIComponent(match[3] as string),
      service: decodeURIComponent(match[4] as string),
    };
  } catch {
    return undefined;
  }
}
