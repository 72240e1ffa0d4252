// A minimal DER writer for the one structure on the hot path: the leaf certificate's TBS.
//
// Why not the X.509 library here: building a leaf through @peculiar/x509 (or its asn1-schema
// layer plus native signing) measured 290-550 leaves/s on this machine, under the 1,000/s target,
// while native P-256 signing runs at ~50k/s; the schema-driven ASN.1 encoding is the cost. The
// leaf TBS is a fixed shape, so it is written here with plain length-prefixed concatenation, and
// its output is checked against the library's parser and openssl in test/connect/. Everything
// else (roots, cross-signing, CSRs) goes through the library.

const tag = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Tag-length-value with an arbitrary tag byte. */
export function tlv(tagByte: number, ...content: readonly Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tagByte]), lengthBytes(body.length), body]);
}

export const sequence = (...items: readonly Buffer[]): Buffer => tlv(tag.sequence, ...items);
export const set = (...items: readonly Buffer[]): Buffer => tlv(tag.set, ...items);
export const octetString = (bytes: Buffer): Buffer => tlv(tag.octetString, bytes);
export const utf8String = (text: string): Buffer => tlv(tag.utf8String, Buffer.from(text, 'utf8'));
export const derNull = (): Buffer => Buffer.from([tag.null, 0]);
/** [n] EXPLICIT, constructed. */
export const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 | n, content);
/** [n] IMPLICIT over a primitive (IA5String in GeneralName). */
export const implicitPrimitive = (n: number, bytes: Buffer): Buffer => tlv(0x80 | n, bytes);
export const booleanTrue = (): Buffer => Buffer.from([0x01, 0x01, 0xff]);

/** A non-negative INTEGER from big-endian magnitude bytes (adds the sign byte when needed). */
export function unsignedInteger(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  const needsPad = ((trimmed[0] ?? 0) & 0x80) !== 0;
  return tlv(tag.integer, needsPad ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function smallInteger(value: number): Buffer {
  return unsignedInteger(Buffer.from([value]));
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes: number[] = [40 * (parts[0] ?? 0) + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift(0x80 | (rest & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(tag.oid, Buffer.from(bytes));
}

/** A BIT STRING holding whole bytes (signatures, key identifiers). */
export const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(tag.bitString, Buffer.from([unusedBits]), bytes);

/** RFC 5280 Time: UTCTime through 2049, GeneralizedTime from 2050. */
export function time(epochMs: number): Buffer {
  const iso = new Date(epochMs).toISOString(); // 2026-11-24T19:31:41.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = Number(iso.slice(0, 4));
  return year < 2050 ? tlv(tag.utcTime, Buffer.from(`${digits.slice(2)}Z`)) : tlv(tag.generalizedTime, Buffer.from(`${digits}Z`));
}
