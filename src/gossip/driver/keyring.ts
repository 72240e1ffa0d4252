// Keyring: the gossip encryption keys of one member (memberlist's keyring.go and security.go).
//
//   sealed = version(1 byte) nonce(12 bytes) ciphertext tag(16 bytes)       AES-GCM, no AAD
//
// The first key is the primary: every packet and stream is sealed with it. Opening tries every
// key, primary first, so a rotation works without downtime: install the new key everywhere (all
// members can read it), make it primary everywhere (all now write it), remove the old one. A
// sealed message that no key opens is refused: the caller drops it and counts it.
//
// The nonce comes from the OS CSPRNG directly, not from the injected Random: a nonce must never
// repeat under one key, which is a cryptographic property a seeded test stream would break.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';

export const sealVersion = 1;
const nonceBytes = 12;
const tagBytes = 16;
/** Bytes sealing adds to a message. */
export const sealOverheadBytes = 1 + nonceBytes + tagBytes;
const keyLengths = [16, 24, 32];

/** Decodes a base64 gossip key (16, 24 or 32 bytes: AES-128/192/256) or throws a 400. */
export function decodeGossipKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (!keyLengths.includes(key.length) || key.toString('base64') !== base64.trim()) {
    throw badRequest(`expected a base64-encoded key of 16, 24 or 32 bytes`);
  }
  return key;
}

function algorithm(key: Buffer): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  if (key.length === 16) return 'aes-128-gcm';
  return key.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}

export function seal(key: Buffer, plain: Uint8Array): Buffer {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv(algorithm(key), key, nonce);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([sealVersion]), nonce, body, cipher.getAuthTag()]);
}

/** Opens `sealed` with `key`; undefined when the key is wrong or the bytes were tampered with. */
export function open(key: Buffer, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < sealOverheadBytes || sealed[0] !== sealVersion) return undefined;
  const nonce = sealed.subarray(1, 1 + nonceBytes);
  const tag = sealed.subarray(sealed.length - tagBytes);
  const body = sealed.subarray(1 + nonceBytes, sealed.length - tagBytes);
  try {
    const decipher = createDecipheriv(algorithm(key), key, nonce);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

export class Keyring {
  /** keys[0] is the primary. Never empty. */
  private keys: Buffer[];

  /** `primary` first, then the others (duplicates dropped). */
  constructor(primary: Buffer, others: readonly Buffer[] = []) {
    this.keys = [primary];
    for (const key of others) this.install(key);
  }

  static fromBase64(primary: string, others: readonly string[] = []): Keyring {
    return new Keyring(decodeGossipKey(primary), others.map(decodeGossipKey));
  }

  get primary(): Buffer {
    return this.keys[0] as Buffer;
  }

  /** Base64 keys, primary first. */
  list(): string[] {
    return this.keys.map((key) => key.toString('base64'));
  }

  /** Adds a key others may seal with; a key already there is a no-op. */
  install(key: Buffer): void {
    if (this.keys.some((known) => known.equals(key))) return;
    if (this.keys.length >= limits.gossipKeysMax) throw badRequest(`keyring already holds ${limits.gossipKeysMax} keys`);
    this.keys.push(key);
  }

  /** Makes an installed key the primary. */
  use(key: Buffer): void {
    const index = this.keys.findIndex((known) => known.equals(key));
    if (index < 0) throw badRequest('Requested key is not in the keyring.');
    this.keys = [key, ...this.keys.filter((_, i) => i !== index)];
  }

  /** Removes a secondary key; the primary cannot be removed (use another one first). */
  remove(key: Buffer): void {
    if (this.primary.equals(key)) throw badRequest('Removing the primary key is not allowed');
    this.keys = this.keys.filter((known) => !known.equals(key));
  }

  seal(plain: Uint8Array): Buffer {
    return seal(this.primary, plain);
  }

  /** Tries every key, primary first. */
  open(sealed: Uint8Array): Buffer | undefined {
    for (const key of this.keys) {
      const plain = open(key, sealed);
      if (plain !== undefined) return plain;
    }
    return undefined;
  }
}

/** How a member treats encryption (Consul's encrypt, encrypt_verify_incoming/outgoing). */
export interface Encryption {
  readonly keyring: Keyring | undefined;
  /** Refuse plaintext from others (false during a rolling enablement). */
  readonly verifyIncoming: boolean;
  /** Seal what we send (false during the first step of a rolling enablement). */
  readonly verifyOutgoing: boolean;
}

export type Unsealed = { type: 'ok'; plain: Uint8Array } | { type: 'refused' };

/** Opens an incoming packet or stream frame per the encryption settings. */
export function unsealIncoming(encryption: Encryption, bytes: Uint8Array): Unsealed {
  const { keyring } = encryption;
  if (keyring === undefined) return { type: 'ok', plain: bytes };
  const plain = keyring.open(bytes);
  if (plain !== undefined) return { type: 'ok', plain };
  return encryption.verifyIncoming ? { type: 'refused' } : { type: 'ok', plain: bytes };
}

export function sealOutgoing(encryption: Encryption, plain: Uint8Array): Uint8Array {
  return encryption.keyring !== undefined && encryption.verifyOutgoing ? encryption.keyring.seal(plain) : plain;
}
