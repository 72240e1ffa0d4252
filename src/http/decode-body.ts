// Request bodies → typed values. Consul decodes JSON case-insensitively and accepts snake_case in
// registrations; schema.ts does both. Every failure is one 400 line: "Request decode failed: ...".

import { badRequest } from '../lib/errors.js';
import { DecodeError, decode, type Infer, type Schema } from '../structs/schema.js';

export function decodeBody<S extends Schema>(body: Buffer | undefined, schema: S): Infer<S> {
  if (body === undefined || body.length === 0) throw badRequest('Request decode failed: EOF');
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw badRequest(`Request decode failed: ${(error as Error).message}`);
  }
  try {
    return decode(schema, value);
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`Request decode failed: ${error.message}`);
    throw error;
  }
}
