// Signing a service's CSR (Consul's leader_connect_ca.go SignCertificate): the CSR must name
// exactly a service SPIFFE ID of this cluster's trust domain and this datacenter; the leaf lives
// LeafCertTTL, starts a minute in the past, never outlives its signing certificate, and comes back
// with the active root's intermediates appended.

import { badRequest } from '../../lib/errors.js';
import type { Random } from '../../lib/random.js';
import type { CaRoot, IssuedCert } from '../../structs/connect-ca.js';
import { parseServiceSpiffeId, type ServiceSpiffeId } from '../spiffe.js';
import type { ParsedCsr } from './csr-parse.js';
import { colonHex } from './keys.js';
import type { LeafSigner } from './leaf-signer.js';

export interface SignInput {
  readonly csr: ParsedCsr;
  readonly trustDomain: string;
  readonly datacenter: string;
  readonly leafTtlMs: number;
  readonly nowMs: number;
  readonly random: Random;
  readonly root: CaRoot;
  readonly signer: LeafSigner;
  /** The roots table index, reported as the cert's Create/ModifyIndex. */
  readonly index: number;
}

const backdateMs = 60_000;
const toIso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A random 128-bit serial with its top bit clear (positive, as RFC 5280 wants). */
function leafSerial(random: Random): Buffer {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) bytes[i] = random.int(256);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes;
}

/** The service SPIFFE ID a CSR asks for, checked against the trust domain and datacenter. */
export function checkCsrIdentity(uris: readonly string[], trustDomain: string, datacenter: string): ServiceSpiffeId {
  if (uris.length !== 1) throw badRequest(uris.length === 0 ? 'CSR SAN does not contain a SPIFFE ID' : 'CSR SAN contains more than one URI');
  const id = parseServiceSpiffeId(uris[0] as string);
  if (id === undefined) throw badRequest(`SPIFFE ID in CSR must be a service ID: ${uris[0] as string}`);
  if (id.trustDomain !== trustDomain.toLowerCase()) throw badRequest(`SPIFFE ID in CSR from a different trust domain: ${uris[0] as string}, trust domain: ${trustDomain}`);
  if (id.datacenter !== datacenter) throw badRequest(`SPIFFE ID in CSR from a different datacenter: ${id.datacenter}, DC: ${datacenter}`);
  if (id.namespace !== 'default') throw badRequest(`SPIFFE ID in CSR names namespace ${JSON.stringify(id.namespace)}: only "default" exists`);
  return id;
}

export function signCsr(input: SignInput): IssuedCert {
  const { csr } = input;
  const id = checkCsrIdentity(csr.uris, input.trustDomain, input.datacenter);
  const serial = leafSerial(input.random);
  const notBeforeMs = input.nowMs - backdateMs;
  const notAfterMs = Math.min(input.nowMs + input.leafTtlMs, input.signer.notAfterMs);
  const pem = input.signer.sign({ serial, commonName: id.service, spki: csr.spki, uri: csr.uris[0] as string, dnsNames: csr.dnsNames, notBeforeMs, notAfterMs });
  const chain = [pem, ...(input.root.IntermediateCerts ?? []).map((cert) => (cert.endsWith('\n') ? cert : `${cert}\n`))];
  return {
    SerialNumber: colonHex(serial),
    CertPEM: chain.join(''),
    PrivateKeyPEM: '',
    Service: id.service,
    ServiceURI: csr.uris[0] as string,
    ValidAfter: toIso(notBeforeMs),
    ValidBefore: toIso(Math.floor(notAfterMs / 1000) * 1000),
    CreateIndex: input.index,
    ModifyIndex: input.index,
  };
}
