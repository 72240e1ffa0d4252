// Leaf signing, the hot path of the CA: a leaf TBSCertificate written by der.ts and signed with
// Node's native crypto.sign, synchronously. A LeafSigner is built once per signing certificate
// (parsing its key and subject) and then signs any number of leaves.
//
// The leaf profile follows Consul's built-in provider (provider_consul.go Sign): CA:false,
// digitalSignature|keyEncipherment|dataEncipherment|keyAgreement, serverAuth+clientAuth, SKI of
// the leaf key, AKI of the signing key, SANs: the SPIFFE URI then the DNS names.

import { createPrivateKey, createPublicKey, type KeyObject, sign, X509Certificate } from 'node:crypto';
import * as der from './der.js';
import { certificateSubjectOf } from './der-read.js';
import { keyIdOf, nativeSignatureOf, type NativeSignature, pemOf } from './keys.js';

const oids = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** digitalSignature(0) keyEncipherment(2) dataEncipherment(3) keyAgreement(4): 1011 1000, 3 unused bits. */
const leafKeyUsage = der.bitString(Buffer.from([0xb8]), 3);

export interface LeafFields {
  /** Big-endian magnitude of the serial (positive, at most 20 bytes). */
  readonly serial: Buffer;
  readonly commonName: string;
  /** DER SubjectPublicKeyInfo of the leaf key (from the CSR). */
  readonly spki: Buffer;
  readonly uri: string;
  readonly dnsNames: readonly string[];
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

export class LeafSigner {
  private readonly key: KeyObject;
  private readonly signature: NativeSignature;
  private readonly issuer: Buffer;
  private readonly authorityKeyId: Buffer;
  private readonly algorithm: Buffer;
  /** When the signing certificate expires: no leaf may outlive it. */
  readonly notAfterMs: number;

  constructor(signingCertPem: string, signingKeyPem: string) {
    this.key = createPrivateKey(signingKeyPem);
    this.signature = nativeSignatureOf(this.key);
    const cert = new X509Certificate(signingCertPem);
    this.issuer = certificateSubjectOf(cert.raw);
    this.notAfterMs = Date.parse(cert.validTo);
    this.authorityKeyId = keyIdOf(createPublicKey(signingCertPem).export({ type: 'spki', format: 'der' }));
    this.algorithm = der.sequence(der.oid(this.signature.oid), ...(this.signature.nullParameters ? [der.derNull()] : []));
  }

  /** Signs one leaf; returns its PEM. */
  sign(fields: LeafFields): string {
    const tbs = this.tbsOf(fields);
    const signature = sign(this.signature.digest, tbs, this.key);
    return pemOf('CERTIFICATE', der.sequence(tbs, this.algorithm, der.bitString(signature)));
  }

  private tbsOf(fields: LeafFields): Buffer {
    const subject = der.sequence(der.set(der.sequence(der.oid(oids.commonName), der.utf8String(fields.commonName))));
    return der.sequence(
      der.explicit(0, der.smallInteger(2)),
      der.unsignedInteger(fields.serial),
      this.algorithm,
      this.issuer,
      der.sequence(der.time(fields.notBeforeMs), der.time(fields.notAfterMs)),
      subject,
      fields.spki,
      der.explicit(3, this.extensionsOf(fields)),
    );
  }

  private extensionsOf(fields: LeafFields): Buffer {
    const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
      der.sequence(der.oid(id), ...(critical ? [der.booleanTrue()] : []), der.octetString(value));
    const names = [
      der.implicitPrimitive(6, Buffer.from(fields.uri, 'ascii')),
      ...fields.dnsNames.map((name) => der.implicitPrimitive(2, Buffer.from(name, 'ascii'))),
    ];
    return der.sequence(
      extension(oids.basicConstraints, true, der.sequence()),
      extension(oids.keyUsage, true, leafKeyUsage),
      extension(oids.extKeyUsage, false, der.sequence(der.oid(oids.serverAuth), der.oid(oids.clientAuth))),
      extension(oids.subjectKeyId, false, der.octetString(keyIdOf(fields.spki))),
      extension(oids.authorityKeyId, false, der.sequence(der.implicitPrimitive(0, this.authorityKeyId))),
      extension(oids.subjectAltName, false, der.sequence(...names)),
    );
  }
}
