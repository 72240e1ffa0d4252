// Root certificates of the built-in CA, built with @peculiar/x509 over Node's WebCrypto: the
// self-signed root made when the CA starts or rotates, and the cross-signed copy of a new root
// that an old root vouches for during a rotation (so leaves of the new root verify against
// either). Consul's agent/connect/ca/provider_consul.go (GenerateRoot, CrossSignCA) is the model.

import 'reflect-metadata';
import { createHash, createPublicKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { formatSigningSpiffeId } from '../spiffe.js';
import { colonHex, importCaKey, keyIdOf, type KeySpec, webAlgorithmOf } from './keys.js';

x509.cryptoProvider.set(webcrypto as never);

export interface RootCertInput {
  readonly keys: webcrypto.CryptoKeyPair;
  readonly spec: KeySpec;
  /** Positive, below 2^53 (CARoot.SerialNumber is a JSON number). */
  readonly serial: number;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly trustDomain: string;
  readonly commonName: string;
}

const serialHex = (serial: number): string => {
  const hex = serial.toString(16);
  return hex.length % 2 === 0 ? hex : `0${hex}`;
};

function spkiOfPem(certPem: string): Buffer {
  return createPublicKey(certPem).export({ type: 'spki', format: 'der' });
}

/** The self-signed CA certificate: CA:true, certSign|cRLSign, SKI = SHA-256 of the key, SPIFFE signing URI. */
export async function createRootCert(input: RootCertInput): Promise<string> {
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', input.keys.publicKey));
  const keyIdHex = keyIdOf(spki).toString('hex');
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialHex(input.serial),
    name: `CN=${input.commonName}`,
    notBefore: new Date(input.notBeforeMs),
    notAfter: new Date(input.notAfterMs),
    keys: input.keys,
    signingAlgorithm: webAlgorithmOf(input.spec),
    extensions: rootExtensions(keyIdHex, keyIdHex, input.trustDomain),
  });
  return `${cert.toString('pem')}\n`;
}

function rootExtensions(subjectKeyIdHex: string, authorityKeyIdHex: string, trustDomain: string): x509.Extension[] {
  const usages = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature;
  return [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(usages, true),
    new x509.SubjectKeyIdentifierExtension(subjectKeyIdHex),
    new x509.AuthorityKeyIdentifierExtension(authorityKeyIdHex),
    new x509.SubjectAlternativeNameExtension([{ type: 'url', value: formatSigningSpiffeId(trustDomain) }]),
  ];
}

export interface CrossSignInput {
  /** The new root, as made by createRootCert. */
  readonly newRootPem: string;
  readonly oldRootPem: string;
  readonly oldSigningKeyPem: string;
  readonly oldSpec: KeySpec;
  readonly trustDomain: string;
}

/**
 * The new root re-issued by the old root: same subject, key and SKI, issuer and AKI of the old
 * root, validity capped by the old root's. A leaf of the new root then chains to the old root
 * through it, so peers that trust only the old root accept new leaves during the rotation.
 */
export async function crossSignRoot(input: CrossSignInput): Promise<string> {
  const newRoot = new x509.X509Certificate(input.newRootPem);
  const oldRoot = new x509.X509Certificate(input.oldRootPem);
  const oldKeys = await importCaKey(input.oldSigningKeyPem, input.oldSpec);
  const newKeyIdHex = keyIdOf(spkiOfPem(input.newRootPem)).toString('hex');
  const oldKeyIdHex = keyIdOf(spkiOfPem(input.oldRootPem)).toString('hex');
  const notAfter = newRoot.notAfter < oldRoot.notAfter ? newRoot.notAfter : oldRoot.notAfter;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newRoot.serialNumber,
    subject: newRoot.subjectName,
    issuer: oldRoot.subjectName,
    notBefore: newRoot.notBefore,
    notAfter,
    publicKey: newRoot.publicKey,
    signingKey: oldKeys.privateKey,
    signingAlgorithm: webAlgorithmOf(input.oldSpec),
    extensions: rootExtensions(newKeyIdHex, oldKeyIdHex, input.trustDomain),
  });
  return `${cert.toString('pem')}\n`;
}

/** CARoot.ID: colon-hex SHA-1 of the certificate's DER (Consul's CalculateCertFingerprint). */
export function certFingerprint(certPem: string): string {
  const der = Buffer.from(new x509.X509Certificate(certPem).rawData);
  return colonHex(createHash('sha1').update(der).digest());
}

/** CARoot.SigningKeyID: colon-hex of the certificate's key ID. */
export function signingKeyIdOf(certPem: string): string {
  return colonHex(keyIdOf(spkiOfPem(certPem)));
}
