// The Connect CA's shapes, with Consul's JSON field names (agent/structs/connect_ca.go).
//
// A CaRoot row is replicated state. Like Consul's built-in provider, the signing key lives in
// replicated state too (SigningKey), so any server can sign after a leader change; the HTTP layer
// strips it (and SigningCert) before answering.

import { s } from './schema.js';

/** One trusted root (IndexedCARoots.Roots[i]). */
export interface CaRoot {
  /** Colon-hex SHA-1 of the root certificate's DER (Consul's CalculateCertFingerprint). */
  readonly ID: string;
  readonly Name: string;
  /** The root certificate's serial; below 2^53 so that JSON keeps it exact. */
  readonly SerialNumber: number;
  /** Colon-hex of the signing certificate's SubjectKeyId (SHA-256 of its public key). */
  readonly SigningKeyID: string;
  readonly ExternalTrustDomain: string;
  /** RFC 3339. */
  readonly NotBefore: string;
  readonly NotAfter: string;
  readonly RootCert: string;
  /** PEMs to send after a leaf: the new root cross-signed by the old one during a rotation. */
  readonly IntermediateCerts: readonly string[] | null;
  /** The certificate leaves are signed with (the root itself for the built-in CA). */
  readonly SigningCert: string;
  /** PKCS#8 PEM of the signing key: replicated, never rendered over HTTP. */
  readonly SigningKey: string;
  readonly Active: boolean;
  /** RFC 3339 time it stopped being active; "" while active. Not rendered (json:"-" in Consul). */
  readonly RotatedOutAt: string;
  readonly PrivateKeyType: CaKeyType;
  readonly PrivateKeyBits: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export type CaKeyType = 'ec' | 'rsa';

/** The built-in provider's settings, with Consul's names and its duration strings. */
export interface CaProviderConfig {
  readonly LeafCertTTL: string;
  readonly IntermediateCertTTL: string;
  readonly RootCertTTL: string;
  readonly PrivateKeyType: CaKeyType;
  readonly PrivateKeyBits: number;
  readonly CSRMaxPerSecond: number;
  readonly CSRMaxConcurrent: number;
}

/** /v1/connect/ca/configuration (CAConfiguration). ClusterID is json:"-" in Consul. */
export interface CaConfiguration {
  readonly ClusterID: string;
  readonly Provider: 'consul';
  readonly Config: CaProviderConfig;
  readonly State: Readonly<Record<string, string>> | null;
  readonly ForceWithoutCrossSigning: boolean;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A signed leaf (IssuedCert); PrivateKeyPEM is filled in by the agent, which made the key. */
export interface IssuedCert {
  /** Colon-hex. */
  readonly SerialNumber: string;
  /** The leaf followed by the active root's IntermediateCerts. */
  readonly CertPEM: string;
  readonly PrivateKeyPEM: string;
  readonly Service: string;
  readonly ServiceURI: string;
  /** RFC 3339. */
  readonly ValidAfter: string;
  readonly ValidBefore: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** The JSON of /v1/connect/ca/roots. */
export interface IndexedCaRoots {
  readonly ActiveRootID: string;
  readonly TrustDomain: string;
  readonly Roots: readonly Record<string, unknown>[];
}

/** A root as the HTTP API shows it: no key, no signing cert, no rotation time. */
export function renderCaRoot(root: CaRoot): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { SigningKey, SigningCert, RotatedOutAt, ...shown } = root;
  return shown;
}

/** Consul's trust domain for a cluster ID. */
export const trustDomainOf = (clusterId: string): string => `${clusterId}.consul`;

/** The body of PUT /v1/connect/ca/configuration (snake_case accepted, as Consul's UnmarshalJSON). */
export const caConfigurationRequestSchema = s.struct(
  'CAConfiguration',
  { Provider: s.string(), Config: s.map(s.any()), ForceWithoutCrossSigning: s.bool() },
  { aliases: { force_without_cross_signing: 'ForceWithoutCrossSigning' } },
);
