// The two messages of grpc.health.v1.Health/Check, encoded by hand. Each has one field, so a
// dozen lines of protobuf wire format replace a .proto file, a loader and its parse at start-up:
//
//   message HealthCheckRequest  { string service = 1; }                 → tag 0x0a, length, UTF-8
//   message HealthCheckResponse { ServingStatus status = 1; }           → tag 0x08, varint
//
// The decoder skips fields it does not know, as protobuf requires, so a newer server's extra
// fields are harmless.

export const servingStatusNames = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'] as const;

function writeVarint(value: number, out: number[]): void {
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
}

export function encodeHealthCheckRequest(service: string): Buffer {
  if (service === '') return Buffer.alloc(0);
  const text = Buffer.from(service, 'utf8');
  const head: number[] = [0x0a];
  writeVarint(text.length, head);
  return Buffer.concat([Buffer.from(head), text]);
}

/** Reads a varint at `offset`; undefined when the buffer ends inside it or it is over 2^53. */
function readVarint(bytes: Buffer, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = offset; i < bytes.length && i < offset + 8; i++) {
    const byte = bytes[i] ?? 0;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
    scale *= 128;
  }
  return undefined;
}

/** The status field of a HealthCheckResponse (0 when absent, as proto3 defaults); throws on malformed bytes. */
export function decodeHealthCheckResponse(bytes: Buffer): number {
  let status = 0;
  let offset = 0;
  while (offset < bytes.length) {
    const key = readVarint(bytes, offset);
    if (key === undefined) throw new Error('malformed HealthCheckResponse');
    const field = Math.floor(key.value / 8);
    const wireType = key.value % 8;
    offset = key.next;
    if (wireType === 0) {
      const value = readVarint(bytes, offset);
      if (value === undefined) throw new Error('malformed HealthCheckResponse');
      if (field === 1) status = value.value;
      offset = value.next;
    } else if (wireType === 2) {
      const length = readVarint(bytes, offset);
      if (length === undefined || length.next + length.value > bytes.length) throw new Error('malformed HealthCheckResponse');
      offset = length.next + length.value;
    } else if (wireType === 5 || wireType === 1) {
      offset += wireType === 5 ? 4 : 8;
    } else {
      throw new Error(`malformed HealthCheckResponse (wire type ${wireType})`);
    }
  }
  if (offset > bytes.length) throw new Error('malformed HealthCheckResponse');
  return status;
}
