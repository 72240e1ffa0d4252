// Check output is bounded where it is produced: a flooding script or a huge HTTP body costs at
// most a few KiB of memory per check, and what reaches the catalog is cut at OutputMaxSize
// (Consul's 4 KiB default) with a note of how much there was (TTL reports, as Consul trims them).

/** Consul's trim of check output, with its note of how much was kept. */
export function truncateOutput(output: string, maxBytes: number): string {
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= maxBytes) return output;
  return `${bytes.subarray(0, maxBytes).toString('utf8')} ... (captured ${maxBytes} of ${bytes.length} bytes)`;
}

/**
 * Keeps the last maxBytes of a stream of chunks (Consul's circbuf: the end of a script's output or
 * an HTTP body is where the verdict usually is) and counts everything written. Memory stays under
 * about twice maxBytes whatever arrives.
 */
export class TailOutput {
  private chunks: Buffer[] = [];
  private keptBytes = 0;
  totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    this.chunks.push(chunk);
    this.keptBytes += chunk.length;
    if (this.keptBytes > 2 * this.maxBytes) this.compact();
  }

  /** The last maxBytes as text. */
  tail(): string {
    this.compact();
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** True when more was written than kept. */
  truncated(): boolean {
    return this.totalBytes > this.maxBytes;
  }

  private compact(): void {
    const all = Buffer.concat(this.chunks);
    const kept = all.length > this.maxBytes ? all.subarray(all.length - this.maxBytes) : all;
    this.chunks = [kept];
    this.keptBytes = kept.length;
  }
}
