// Mesh TLS for the proxy: the leaf and the CA roots followed from the agent become one immutable
// MeshTls value; every change builds a new one (and a new SecureContext), so handshakes started
// before a rotation finish with the old context and established connections are untouched.
//
// Peer identity: Node's default checkServerIdentity knows DNS and IP SANs only, so the outbound
// side checks the URI SAN itself (expected SPIFFE service ID, trust domain case-insensitive), and
// the inbound side reads the client's URI SAN after the handshake proved the chain.

import { createSecureContext, type PeerCertificate, type SecureContext } from 'node:tls';
import { parseServiceSpiffeId, type ServiceSpiffeId } from '../connect/spiffe.js';

/** /v1/agent/connect/ca/leaf/:service, the fields the proxy uses. */
export interface LeafAnswer {
  readonly CertPEM: string;
  readonly PrivateKeyPEM: string;
  readonly SerialNumber: string;
  readonly ServiceURI: string;
  readonly ValidBefore: string;
}

/** /v1/agent/connect/ca/roots, the fields the proxy uses. */
export interface RootsAnswer {
  readonly TrustDomain: string;
  readonly Roots: readonly { readonly RootCert: string; readonly Active: boolean }[];
}

/** Everything a handshake needs, frozen; replaced whole on a leaf or roots change. */
export interface MeshTls {
  readonly trustDomain: string;
  readonly leaf: LeafAnswer;
  readonly caPems: readonly string[];
  /** For tls.connect (outbound). */
  readonly context: SecureContext;
  /** For tls.Server#setSecureContext (inbound): the same material as options. */
  readonly serverOptions: { key: string; cert: string; ca: string[]; minVersion: 'TLSv1.2'; ALPNProtocols?: string[] };
}

export function meshTls(leaf: LeafAnswer, roots: RootsAnswer): MeshTls {
  const caPems = roots.Roots.map((root) => root.RootCert);
  const serverOptions = { key: leaf.PrivateKeyPEM, cert: leaf.CertPEM, ca: [...caPems], minVersion: 'TLSv1.2' as const };
  return Object.freeze({ trustDomain: roots.TrustDomain.toLowerCase(), leaf, caPems, context: createSecureContext(serverOptions), serverOptions });
}

/**
 * ALPN the public listener offers, by the service's L7 mode: h2 (and http/1.1 for clients that
 * cannot) for http2/grpc, http/1.1 for http; none for tcp, so L4 clients negotiate nothing.
 */
export function withServerAlpn(tls: MeshTls, alpn: readonly string[] | undefined): MeshTls {
  return alpn === undefined ? tls : { ...tls, serverOptions: { ...tls.serverOptions, ALPNProtocols: [...alpn] } };
}

/** The URI SANs of a peer certificate ("URI:spiffe://..., DNS:..." in Node's text form). */
export function uriSans(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): string[] {
  const text = cert?.subjectaltname ?? '';
  const out: string[] = [];
  for (const part of text.split(/,\s*/)) if (part.startsWith('URI:')) out.push(part.slice(4));
  return out;
}

/** The one service identity a mesh certificate carries, or undefined (none, several, or not a service). */
export function peerServiceId(cert: Pick<PeerCertificate, 'subjectaltname'> | undefined): { uri: string; id: ServiceSpiffeId } | undefined {
  const uris = uriSans(cert);
  if (uris.length !== 1) return undefined;
  const uri = uris[0] as string;
  const id = parseServiceSpiffeId(uri);
  return id === undefined ? undefined : { uri, id };
}

/**
 * checkServerIdentity for dialing `service`: the server must present exactly one service SPIFFE ID
 * in our trust domain naming that service (any datacenter: the instance's own DC is in its ID).
 */
export function expectServiceIdentity(trustDomain: string, service: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (_host, cert) => {
    const peer = peerServiceId(cert);
    if (peer === undefined) return new Error(`peer certificate carries no service identity (SANs: ${cert.subjectaltname ?? 'none'})`);
    if (peer.id.trustDomain !== trustDomain || peer.id.service !== service || peer.id.namespace !== 'default') {
      return new Error(`peer identity ${peer.uri} is not service "${service}" of trust domain ${trustDomain}`);
    }
    return undefined;
  };
}
