// compressReply: RFC 1035 §4.1.4 name compression for the replies dns-packet encodes (it writes
// every name in full). Pure. Consul's replies are compressed (miekg/dns, Compress = true), which
// matters most for answers that repeat the question name on every record.
//
// Rules, chosen so that the answer cache (answer-cache.ts) may still reorder answer records:
//
//   - the question's name is the dictionary every section may point into;
//   - answer records point only into the question, so each stays a self-contained byte range
//     that can move; names written there are not added to the dictionary;
//   - authority and additional records (never reordered) may also point to names written
//     earlier in those two sections;
//   - names inside RDATA are compressed only for the RFC 1035 types (CNAME, NS, PTR, SOA); an SRV
//     target is written in full, as RFC 2782 asks.
//
// Input that does not walk as a well-formed uncompressed packet is returned unchanged.

const headerBytes = 12;
const pointerMax = 0x3fff;

/** Reads the labels of an uncompressed name at `at`: [labels, end offset], or undefined. */
function readName(packet: Buffer, at: number): [string[], number] | undefined {
  const labels: string[] = [];
  let offset = at;
  while (offset < packet.length) {
    const length = packet[offset] as number;
    if (length === 0) return [labels, offset + 1];
    if (length > 63 || offset + 1 + length > packet.length) return undefined;
    labels.push(packet.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  return undefined;
}

class Writer {
  readonly out: Buffer;
  length = 0;
  /** Lower-case suffix ("service.consul") → offset where it was written. */
  private readonly dictionary = new Map<string, number>();

  constructor(capacity: number) {
    this.out = Buffer.allocUnsafe(capacity);
  }

  bytes(source: Buffer, start: number, end: number): void {
    source.copy(this.out, this.length, start, end);
    this.length += end - start;
  }

  uint16(value: number): void {
    this.out.writeUInt16BE(value, this.length);
    this.length += 2;
  }

  /** Writes `labels`, pointing at the longest known suffix; records new suffixes when `learn`. */
  name(labels: readonly string[], learn: boolean): void {
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const known = this.dictionary.get(suffix);
      if (known !== undefined) {
        this.uint16(0xc000 | known);
        return;
      }
      if (learn && this.length <= pointerMax) this.dictionary.set(suffix, this.length);
      const label = labels[i] as string;
      this.out[this.length++] = label.length;
      this.length += this.out.write(label, this.length, 'latin1');
    }
    this.out[this.length++] = 0;
  }
}

const rdataNameTypes = new Set([2, 5, 12]); // NS, CNAME, PTR
const soaType = 6;

/** Copies one resource record from `packet` at `at` into the writer, compressed; the next offset or -1. */
function copyRecord(packet: Buffer, at: number, writer: Writer, learn: boolean): number {
  const owner = readName(packet, at);
  if (owner === undefined) return -1;
  const [labels, fixedAt] = owner;
  if (fixedAt + 10 > packet.length) return -1;
  const type = packet.readUInt16BE(fixedAt);
  const rdataLength = packet.readUInt16BE(fixedAt + 8);
  const rdataAt = fixedAt + 10;
  const end = rdataAt + rdataLength;
  if (end > packet.length) return -1;
  writer.name(labels, learn);
  writer.bytes(packet, fixedAt, fixedAt + 8);
  if (!rdataNameTypes.has(type) && type !== soaType) {
    writer.bytes(packet, fixedAt + 8, end);
    return end;
  }
  const lengthAt = writer.length;
  writer.uint16(0);
  let offset = rdataAt;
  for (let names = type === soaType ? 2 : 1; names > 0; names--) {
    const name = readName(packet, offset);
    if (name === undefined || name[1] > end) return -1;
    writer.name(name[0], learn);
    offset = name[1];
  }
  writer.bytes(packet, offset, end);
  writer.out.writeUInt16BE(writer.length - lengthAt - 2, lengthAt);
  return end;
}

/** The same reply with its names compressed; the input itself when it cannot be walked. */
export function compressReply(packet: Buffer): Buffer {
  if (packet.length < headerBytes || packet.readUInt16BE(4) !== 1) return packet;
  const writer = new Writer(packet.length);
  writer.bytes(packet, 0, headerBytes);
  const question = readName(packet, headerBytes);
  if (question === undefined || question[1] + 4 > packet.length) return packet;
  writer.name(question[0], true);
  writer.bytes(packet, question[1], question[1] + 4);
  let offset = question[1] + 4;
  const answers = packet.readUInt16BE(6);
  const rest = packet.readUInt16BE(8) + packet.readUInt16BE(10);
  for (let i = 0; i < answers + rest; i++) {
    // OPT's owner is the root: readName gives [] and the writer writes a single 0, as before.
    offset = copyRecord(packet, offset, writer, i >= answers);
    if (offset < 0) return packet;
  }
  if (offset !== packet.length) return packet;
  return writer.out.subarray(0, writer.length);
}
