// A minimal DER reader for the two structures read on the hot path: a CSR (its key, signature
// and SANs) and a signing certificate's subject. Any malformed input throws DerError; callers
// turn it into their own error. The library (@peculiar/x509) parses everything else.

export class DerError extends Error {
  override readonly name = 'DerError';
}

/** One element: its tag byte and where its header and content sit in the buffer. */
export interface DerNode {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

export function readNode(buffer: Buffer, offset: number, limit = buffer.length): DerNode {
  if (offset + 2 > limit) throw new DerError('truncated DER header');
  const tag = buffer[offset] as number;
  let length = buffer[offset + 1] as number;
  let header = 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || offset + 2 + count > limit) throw new DerError('bad DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (buffer[offset + 2 + i] as number);
    header += count;
  }
  const end = offset + header + length;
  if (end > limit) throw new DerError('DER element runs past its parent');
  return { tag, start: offset, contentStart: offset + header, end };
}

/** The elements inside a constructed node. */
export function childrenOf(buffer: Buffer, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = node.contentStart; offset < node.end; ) {
    const child = readNode(buffer, offset, node.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

export function expectTag(node: DerNode | undefined, tag: number, what: string): DerNode {
  if (node === undefined || node.tag !== tag) throw new DerError(`expected ${what}`);
  return node;
}

export const bytesOf = (buffer: Buffer, node: DerNode): Buffer => buffer.subarray(node.start, node.end);
export const contentOf = (buffer: Buffer, node: DerNode): Buffer => buffer.subarray(node.contentStart, node.end);

/** Decodes an OBJECT IDENTIFIER's content to dotted form. */
export function oidOf(buffer: Buffer, node: DerNode): string {
  const bytes = contentOf(buffer, node);
  const first = bytes[0] ?? 0;
  const parts = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
  let value = 0;
  for (const byte of bytes.subarray(1)) {
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** The subject Name of a DER certificate: the element after validity in its TBSCertificate. */
export function certificateSubjectOf(certDer: Buffer): Buffer {
  const certificate = readNode(certDer, 0);
  const tbs = expectTag(childrenOf(certDer, certificate)[0], 0x30, 'TBSCertificate');
  const fields = childrenOf(certDer, tbs);
  // [0] version (present in v3), serial, signature, issuer, validity, subject
  const subject = expectTag(fields[fields[0]?.tag === 0xa0 ? 5 : 4], 0x30, 'subject Name');
  return bytesOf(certDer, subject);
}
