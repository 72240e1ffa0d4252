// CA and leaf key pairs: generation, PEM, and the signature algorithm each key type uses.
// Key generation is the nondeterministic step of making a root, so it runs on the leader before
// anything is proposed (style rule 6).

import { createPrivateKey, createPublicKey, createHash, type KeyObject, webcrypto } from 'node:crypto';
import { badRequest } from '../../lib/errors.js';
import type { CaKeyType } from '../../structs/connect-ca.js';

export interface KeySpec {
  readonly type: CaKeyType;
  readonly bits: number;
}

/** The WebCrypto algorithm of a key spec (the X.509 library signs through WebCrypto). */
export function webAlgorithmOf(spec: KeySpec): webcrypto.EcKeyGenParams & webcrypto.EcdsaParams | (webcrypto.RsaHashedKeyGenParams & { name: 'RSASSA-PKCS1-v1_5' }) {
  switch (spec.type) {
    case 'ec': {
      const curve = ecCurves[spec.bits];
      if (curve === undefined) throw badRequest('EC key length must be one of (256, 384) bits');
      return { name: 'ECDSA', namedCurve: curve.name, hash: curve.hash };
    }
    case 'rsa':
      if (spec.bits !== 2048 && spec.bits !== 4096) throw badRequest('RSA key length must be 2048 or 4096 bits');
      return { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  }
}

/** Curves we generate (Go's default hash pairing: P-256/SHA-256, P-384/SHA-384). */
const ecCurves: Readonly<Record<number, { name: string; hash: string; nodeHash: string; signatureOid: string }>> = {
  256: { name: 'P-256', hash: 'SHA-256', nodeHash: 'sha256', signatureOid: '1.2.840.10045.4.3.2' },
  384: { name: 'P-384', hash: 'SHA-384', nodeHash: 'sha384', signatureOid: '1.2.840.10045.4.3.3' },
};

export function validateKeySpec(spec: KeySpec): void {
  webAlgorithmOf(spec);
}

export interface CaKeyPair {
  readonly keys: webcrypto.CryptoKeyPair;
  /** PKCS#8 PEM of the private key (what replicated state keeps). */
  readonly privateKeyPem: string;
}

export async function generateCaKey(spec: KeySpec): Promise<CaKeyPair> {
  const keys = (await webcrypto.subtle.generateKey(webAlgorithmOf(spec), true, ['sign', 'verify']));
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { keys, privateKeyPem: pemOf('PRIVATE KEY', pkcs8) };
}

/** A CA key pair from its stored PEM, as WebCrypto keys (for the X.509 library). */
export async function importCaKey(privateKeyPem: string, spec: KeySpec): Promise<webcrypto.CryptoKeyPair> {
  const privateKeyObject = createPrivateKey(privateKeyPem);
  const algorithm = webAlgorithmOf(spec);
  const pkcs8 = privateKeyObject.export({ type: 'pkcs8', format: 'der' });
  const spki = createPublicKey(privateKeyObject).export({ type: 'spki', format: 'der' });
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spki, algorithm, true, ['verify']);
  return { privateKey, publicKey };
}

/** How a KeyObject signs certificates: node's digest name, the signature OID, and whether the AlgorithmIdentifier carries NULL. */
export interface NativeSignature {
  readonly digest: string;
  readonly oid: string;
  readonly nullParameters: boolean;
}

export function nativeSignatureOf(key: KeyObject): NativeSignature {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa') return { digest: 'sha256', oid: '1.2.840.113549.1.1.11', nullParameters: true };
  const curve = details?.namedCurve === 'secp384r1' ? ecCurves[384] : details?.namedCurve === 'prime256v1' ? ecCurves[256] : undefined;
  if (key.asymmetricKeyType !== 'ec' || curve === undefined) throw badRequest(`unsupported CA key: ${key.asymmetricKeyType ?? 'unknown'} ${details?.namedCurve ?? ''}`);
  return { digest: curve.nodeHash, oid: curve.signatureOid, nullParameters: false };
}

export function pemOf(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/** Consul's HexString: lowercase hex bytes joined by colons. */
export function colonHex(bytes: Buffer): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** Consul's KeyId: SHA-256 of the DER SubjectPublicKeyInfo, used as SubjectKeyId. */
export function keyIdOf(spkiDer: Buffer): Buffer {
  return createHash('sha256').update(spkiDer).digest();
}
