// Making a root: the leader's nondeterministic step before proposing (a key, a serial, a name,
// times). The result is a complete CaRoot row; applying it is then deterministic. Rotation keeps
// the old roots trusted (inactive) and gives the new active root the cross-signed copy of itself
// as its intermediate, so new leaves also chain to the old root (Consul's leader_connect_ca.go
// UpdateConfiguration).

import type { Random } from '../../lib/random.js';
import type { CaProviderConfig, CaRoot } from '../../structs/connect-ca.js';
import { trustDomainOf } from '../../structs/connect-ca.js';
import { generateCaKey, type KeySpec } from './keys.js';
import { ttlMsOf } from './provider-config.js';
import { certFingerprint, createRootCert, crossSignRoot, signingKeyIdOf } from './root-cert.js';

export interface NewRootInput {
  readonly config: CaProviderConfig;
  readonly clusterId: string;
  readonly nowMs: number;
  readonly random: Random;
}

/** Certificates start a minute in the past, as Consul's do, to absorb clock skew between hosts. */
const backdateMs = 60_000;

/** A positive serial below 2^53, so that CARoot.SerialNumber stays exact in JSON. */
function rootSerial(random: Random): number {
  return random.int(2 ** 26) * 2 ** 26 + random.int(2 ** 26) + 1;
}

const toIso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const keySpecOf = (config: CaProviderConfig): KeySpec => ({ type: config.PrivateKeyType, bits: config.PrivateKeyBits });

export async function generateRoot(input: NewRootInput): Promise<CaRoot> {
  const spec = keySpecOf(input.config);
  const key = await generateCaKey(spec);
  const notBeforeMs = input.nowMs - backdateMs;
  const notAfterMs = input.nowMs + ttlMsOf(input.config.RootCertTTL);
  const suffix = input.random.uuid().slice(0, 8);
  const serial = rootSerial(input.random);
  const pem = await createRootCert({
    keys: key.keys,
    spec,
    serial,
    notBeforeMs,
    notAfterMs,
    trustDomain: trustDomainOf(input.clusterId),
    commonName: `pri-${suffix}.consul.ca.${input.clusterId.slice(0, 8)}.consul`,
  });
  return {
    ID: certFingerprint(pem),
    Name: 'Consul CA Primary Cert',
    SerialNumber: serial,
    SigningKeyID: signingKeyIdOf(pem),
    ExternalTrustDomain: input.clusterId,
    NotBefore: toIso(notBeforeMs),
    NotAfter: toIso(notAfterMs),
    RootCert: pem,
    IntermediateCerts: null,
    SigningCert: pem,
    SigningKey: key.privateKeyPem,
    Active: true,
    RotatedOutAt: '',
    PrivateKeyType: spec.type,
    PrivateKeyBits: spec.bits,
    CreateIndex: 0,
    ModifyIndex: 0,
  };
}

/**
 * The root set after rotating to `next`: the old active root cross-signs it (unless the operator
 * asked for ForceWithoutCrossSigning: then new leaves chain only to the new root, and a peer that
 * has not yet seen it refuses them until its roots watch fires), every old root stays
 * trusted but inactive (leaves it signed remain valid until they expire), and roots that are
 * expired, or were rotated out more than two leaf lifetimes ago (no leaf of theirs can still be
 * valid; Consul's pruneCARoots), go.
 */
export async function rotatedRoots(current: readonly CaRoot[], next: CaRoot, clusterId: string, nowMs: number, leafTtlMs = Infinity, crossSign = true): Promise<CaRoot[]> {
  const active = current.find((root) => root.Active);
  let intermediates: string[] | null = null;
  if (active !== undefined && crossSign) {
    const crossSigned = await crossSignRoot({
      newRootPem: next.RootCert,
      oldRootPem: active.RootCert,
      oldSigningKeyPem: active.SigningKey,
      oldSpec: { type: active.PrivateKeyType, bits: active.PrivateKeyBits },
      trustDomain: trustDomainOf(clusterId),
    });
    intermediates = [crossSigned];
  }
  const kept = current
    .filter((root) => Date.parse(root.NotAfter) > nowMs && (root.RotatedOutAt === '' || Date.parse(root.RotatedOutAt) + 2 * leafTtlMs > nowMs))
    .map((root) => (root.Active ? { ...root, Active: false, RotatedOutAt: toIso(nowMs) } : root));
  return [...kept, { ...next, IntermediateCerts: intermediates }];
}
