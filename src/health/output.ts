// Check output is bounded where it is produced: a flooding script or a huge HTTP body costs at
// most a few KiB of memory per check, and what reaches the catalog is cut at OutputMaxSize
// (Consul's 4 KiB default) with a note of how much there was.

/** Consul's trim of check output, with its note of how much was kept. */
export function truncateOutput(output: string, maxBytes: number): string {
  const bytes = Buffer.from(output, 'utf8');
  if (bytes.length <= maxBytes) return output;
  return `${bytes.subarray(0, maxBytes).toString('utf8')} ... (captured ${maxBytes} of ${bytes.length} bytes)`;
}

/** Keeps the first maxBytes of a stream of chunks and counts the rest without keeping it. */
export class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private keptBytes = 0;
  totalBytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** False once the bound is reached (the caller may stop reading). */
  push(chunk: Buffer): boolean {
    this.totalBytes += chunk.length;
    const room = this.maxBytes - this.keptBytes;
    if (room > 0) {
      const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(kept);
      this.keptBytes += kept.length;
    }
    return this.keptBytes < this.maxBytes;
  }

  full(): boolean {
    return this.keptBytes >= this.maxBytes;
  }

  /** The kept text, with Consul's note when some was dropped. */
  text(): string {
    const kept = Buffer.concat(this.chunks).toString('utf8');
    return this.totalBytes > this.keptBytes ? `${kept} ... (captured ${this.keptBytes} of ${this.totalBytes} bytes)` : kept;
  }
}
