// PUT /v1/txn: decodes Consul's API form of a transaction (agent/txn_endpoint.go): base64 values,
// verbs, the operation limit and the value size limit, each refused with Consul's status and
// words. A transaction of reads only takes the read path (no log entry); one with a write goes
// through the log. Any failed operation rolls everything back: 409 with the failures by position.

import { TaxiwayError, badRequest } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import { healthCheckContent, nodeServiceContent } from '../../structs/registration.js';
import { DecodeError, decode, s } from '../../structs/schema.js';
import {
  catalogTxnVerbs,
  isKvWriteVerb,
  kvTxnVerbs,
  type TxnError,
  type TxnOp,
  type TxnOpInput,
  txnOpSchema,
  type TxnOutcome,
  verbOf,
} from '../../structs/txn.js';
import type { HttpResult } from '../result.js';
import { type ApiRequest, queryOptionsOf, type Route, writeOptionsOf } from '../route.js';

const strictBase64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Go's base64.StdEncoding: padding required, no stray characters; the error names the byte. */
export function decodeBase64Value(text: string): Buffer {
  const invalidAt = text.search(/[^A-Za-z0-9+/=]/);
  if (invalidAt !== -1 || !strictBase64.test(text) || text.length % 4 !== 0) {
    const at = invalidAt !== -1 ? invalidAt : text.length - (text.length % 4 || 4);
    throw badRequest(`Failed to parse body: failed to decode value: illegal base64 data at input byte ${Math.max(0, at)}`);
  }
  return Buffer.from(text, 'base64');
}

function parseOps(body: Buffer | undefined): TxnOpInput[] {
  let value: unknown;
  try {
    value = JSON.parse((body ?? Buffer.alloc(0)).toString('utf8'));
  } catch (error) {
    throw badRequest(`Failed to parse body: ${(error as Error).message}`);
  }
  try {
    return decode(s.list(txnOpSchema), value);
  } catch (error) {
    if (error instanceof DecodeError) throw badRequest(`Failed to parse body: ${error.message}`);
    throw error;
  }
}

type Converted = { readonly op: TxnOp; readonly writes: boolean } | { readonly error: string } | undefined;

function convertKv(kv: NonNullable<TxnOpInput['KV']>): Converted {
  const verb = verbOf(kvTxnVerbs, kv.Verb);
  if (verb === undefined) return { error: `unknown KV verb ${JSON.stringify(kv.Verb)}` };
  if (kv.Value !== undefined && kv.Value !== null && typeof kv.Value !== 'string') throw badRequest(`Failed to parse body: unexpected value type: ${typeof kv.Value}`);
  const value = typeof kv.Value === 'string' ? decodeBase64Value(kv.Value) : null;
  if (value !== null && value.length > limits.kvValueBytesMax) {
    throw new TaxiwayError('payload_too_large', `Value for key ${JSON.stringify(kv.Key)} is too large (${value.length} > ${limits.kvValueBytesMax} bytes)`);
  }
  const op: TxnOp = { kind: 'kv', verb, key: kv.Key, value: value?.length === 0 ? null : value, flags: kv.Flags, index: kv.Index, session: kv.Session };
  return { op, writes: isKvWriteVerb(verb) };
}

function convert(input: TxnOpInput, datacenter: string): Converted {
  if (input.KV !== undefined) return convertKv(input.KV);
  if (input.Node !== undefined) {
    const { Verb, Node: node } = input.Node;
    const verb = verbOf(catalogTxnVerbs, Verb);
    if (verb === undefined) return { error: `unknown Node verb ${JSON.stringify(Verb)}` };
    const content = { ID: node.ID.toLowerCase(), Node: node.Node, Address: node.Address, Datacenter: node.Datacenter || datacenter, TaggedAddresses: node.TaggedAddresses, Meta: node.Meta };
    return { op: { kind: 'node', verb, node: content, index: node.ModifyIndex }, writes: verb !== 'get' };
  }
  if (input.Service !== undefined) {
    const verb = verbOf(catalogTxnVerbs, input.Service.Verb);
    if (verb === undefined) return { error: `unknown Service verb ${JSON.stringify(input.Service.Verb)}` };
    const service = nodeServiceContent(input.Service.Service);
    return { op: { kind: 'service', verb, node: input.Service.Node, service, index: input.Service.Service.ModifyIndex }, writes: verb !== 'get' };
  }
  if (input.Check !== undefined) {
    const verb = verbOf(catalogTxnVerbs, input.Check.Verb);
    if (verb === undefined) return { error: `unknown Check verb ${JSON.stringify(input.Check.Verb)}` };
    const check = healthCheckContent(input.Check.Check, input.Check.Check.Node);
    return { op: { kind: 'check', verb, check, index: input.Check.Check.ModifyIndex }, writes: verb !== 'get' };
  }
  if (input.Session !== undefined) {
    if (input.Session.Verb !== 'delete') return { error: `unknown Session verb ${JSON.stringify(input.Session.Verb)}` };
    return { op: { kind: 'session', verb: 'delete', id: input.Session.Session.ID }, writes: true };
  }
  // An element with no operation in it is skipped, as Consul's conversion skips it.
  return undefined;
}

function answer(outcome: TxnOutcome, headers: Readonly<Record<string, string>> = {}): HttpResult {
  const value = { Results: outcome.results, Errors: outcome.errors };
  return { kind: 'json', value, status: outcome.errors === null ? 200 : 409, headers };
}

async function txn(request: ApiRequest): Promise<HttpResult> {
  const inputs = parseOps(request.body);
  if (inputs.length > limits.txnOpsMax) {
    throw new TaxiwayError('payload_too_large', `Transaction contains too many operations (${inputs.length} > ${limits.txnOpsMax})`);
  }
  const ops: TxnOp[] = [];
  const errors: TxnError[] = [];
  let writes = false;
  for (const input of inputs) {
    const converted = convert(input, request.agent.config.datacenter);
    if (converted === undefined) continue;
    if ('error' in converted) errors.push({ OpIndex: ops.length + errors.length, What: converted.error });
    else {
      ops.push(converted.op);
      writes ||= converted.writes;
    }
  }
  if (errors.length > 0) return answer({ results: null, errors });
  if (!writes) {
    const reply = await request.agent.rpc.call('Txn.Read', { ...queryOptionsOf(request), ops }, request.signal);
    const headers = { 'X-Consul-KnownLeader': String(reply.meta.knownLeader), 'X-Consul-LastContact': String(Math.round(reply.meta.lastContactMs)) };
    return answer(reply.value, headers);
  }
  return answer(await request.agent.rpc.call('Txn.Apply', { ...writeOptionsOf(request), ops }));
}

export const txnRoutes: readonly Route[] = [{ method: 'PUT', path: '/v1/txn', handler: txn }];
