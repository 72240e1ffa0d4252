// The 32-bit hash the balancers share: FNV-1a over the UTF-8 bytes, then murmur3's finalizer so
// that neighbouring inputs ("10.0.0.1:80_1", "_2", ...) spread over the whole ring. Deterministic
// across processes and restarts: two proxies hash one key to the same ring position. (Envoy uses
// xxHash64; any stable, well-mixed hash gives the same consistency properties.)

const encoder = new TextEncoder();

export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** Envoy's combination of several hash policies' hashes: rotate the running hash left by one, xor. */
export function combineHashes(running: number, next: number): number {
  return (((running << 1) | (running >>> 31)) ^ next) >>> 0;
}
