// A gRPC echo service for proxy tests, defined by hand (no .proto): JSON messages, a unary call
// that answers with the caller's metadata, a call that fails on request, and a bidirectional
// streaming echo. The same definition builds the server and the client.

import * as grpc from '@grpc/grpc-js';
import type { ExecutionContext } from 'ava';

type Json = Record<string, unknown>;
const serialize = (value: Json): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): Json => JSON.parse(bytes.toString('utf8')) as Json;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: serialize,
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: deserialize,
});

export const echoService = { Unary: method('Unary', false, false), Secret: method('Secret', false, false), Chat: method('Chat', true, true) } satisfies grpc.ServiceDefinition;

export function metadataOf(entries: Record<string, string>): grpc.Metadata {
  const meta = new grpc.Metadata();
  for (const [key, value] of Object.entries(entries)) meta.set(key, value);
  return meta;
}

export interface EchoClient extends grpc.Client {
  Unary(request: Json, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response?: Json) => void): grpc.ClientUnaryCall;
  Secret(request: Json, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response?: Json) => void): grpc.ClientUnaryCall;
  Chat(metadata?: grpc.Metadata): grpc.ClientDuplexStream<Json, Json>;
}

export function echoClient(t: ExecutionContext, address: string): EchoClient {
  const Client = grpc.makeGenericClientConstructor(echoService, 'Echo') as unknown as new (address: string, credentials: grpc.ChannelCredentials) => EchoClient;
  const client = new Client(address, grpc.credentials.createInsecure());
  t.teardown(() => client.close());
  return client;
}

/** Starts the echo server named `name` on `host`; resolves with its port. */
export async function startGrpcEcho(t: ExecutionContext, host: string, name: string): Promise<number> {
  const server = new grpc.Server();
  const handlers: grpc.UntypedServiceImplementation = {
    Unary: (call: grpc.ServerUnaryCall<Json, Json>, callback: grpc.sendUnaryData<Json>) => {
      if (call.request.fail === true) return callback({ code: grpc.status.NOT_FOUND, details: `${name}: nothing here` });
      const answer = () => callback(null, { name, got: call.request, metadata: call.metadata.getMap() });
      // A slow answer, for deadline tests; a cancelled call no longer answers.
      if (typeof call.request.delayMs === 'number') {
        const timer = setTimeout(answer, call.request.delayMs);
        call.on('cancelled', () => clearTimeout(timer));
        return;
      }
      answer();
    },
    Secret: (_call: grpc.ServerUnaryCall<Json, Json>, callback: grpc.sendUnaryData<Json>) => callback(null, { name, secret: true }),
    Chat: (call: grpc.ServerDuplexStream<Json, Json>) => {
      call.on('data', (message: Json) => call.write({ name, echo: message }));
      call.on('end', () => call.end());
    },
  };
  server.addService(echoService, handlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error === null ? resolve(bound) : reject(error))));
  t.teardown(() => new Promise<void>((resolve) => server.tryShutdown(() => resolve())));
  return port;
}

export function unary(client: EchoClient, call: 'Unary' | 'Secret', request: Json, metadata: Record<string, string> = {}): Promise<Json> {
  return new Promise((resolve, reject) => client[call](request, metadataOf(metadata), (error, response) => (error === null ? resolve(response ?? {}) : reject(error))));
}
