// Random: every random choice in src/ goes through this interface so that tests can seed it.

import { randomBytes, randomUUID } from 'node:crypto';

export interface Random {
  /** A float in [0, 1). */
  float(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** A random (version 4) UUID in the canonical lowercase 8-4-4-4-12 form. */
  uuid(): string;
}

function formatUuid(bytes: Uint8Array): string {
  // RFC 9562 version 4: set the version nibble and the variant bits.
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Production randomness from the OS CSPRNG, read in blocks to keep the per-call cost low. */
export class CryptoRandom implements Random {
  private pool = Buffer.alloc(0);
  private offset = 0;

  float(): number {
    // 53 random bits → the full precision of a double in [0, 1).
    const high = this.take(4).readUInt32BE(0) >>> 5;
    const low = this.take(4).readUInt32BE(0) >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.float() * maxExclusive);
  }

  uuid(): string {
    // Node's own (also from the CSPRNG, batched): one string built in C++, where formatting ours
    // cost the L7 proxy a visible share of its per-request allocation (an x-request-id each).
    return randomUUID();
  }

  private take(bytes: number): Buffer {
    if (this.offset + bytes > this.pool.length) {
      this.pool = randomBytes(4096);
      this.offset = 0;
    }
    const slice = this.pool.subarray(this.offset, this.offset + bytes);
    this.offset += bytes;
    return slice;
  }
}

/**
 * Deterministic randomness for tests and simulations: sfc32 seeded through splitmix32, so any
 * 32-bit seed gives a well-mixed stream and the same seed always replays the same choices.
 */
export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  float(): number {
    return this.next32() / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.float() * maxExclusive);
  }

  uuid(): string {
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i += 4) {
      const word = this.next32();
      bytes[i] = word >>> 24;
      bytes[i + 1] = (word >>> 16) & 0xff;
      bytes[i + 2] = (word >>> 8) & 0xff;
      bytes[i + 3] = word & 0xff;
    }
    return formatUuid(bytes);
  }

  private next32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
}

/** Fisher-Yates in place; returns `items`. */
export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const item = items[i] as T;
    items[i] = items[j] as T;
    items[j] = item;
  }
  return items;
}
