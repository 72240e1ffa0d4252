// gRPC checks, as Consul's GrpcHealthProbe: one grpc.health.v1.Health/Check call per run on a
// channel kept for the check's life. The target is "host:port" or "host:port/service"; the
// suffix is the service name asked about. SERVING is passing; any other serving status, an
// error status or no answer before the timeout is critical.

import { Client, credentials, Metadata, type ServiceError, status as grpcStatus } from '@grpc/grpc-js';
import type { CheckDefinition } from '../../structs/check.js';
import type { CheckResult } from '../status.js';
import { decodeHealthCheckResponse, encodeHealthCheckRequest, servingStatusNames } from './grpc-health-codec.js';
import { type CheckRunner, critical, passing } from './runner.js';

const checkMethod = '/grpc.health.v1.Health/Check';

/** "host:port/service" → address and service ("" = the server as a whole). */
export function parseGrpcTarget(target: string): { address: string; service: string } {
  const slash = target.indexOf('/');
  return slash < 0 ? { address: target, service: '' } : { address: target.slice(0, slash), service: target.slice(slash + 1) };
}

function channelCredentials(definition: CheckDefinition): ReturnType<typeof credentials.createInsecure> {
  if (!definition.GRPCUseTLS) return credentials.createInsecure();
  // TLSSkipVerify turns off both the chain and the name check, as Go's InsecureSkipVerify does.
  return credentials.createSsl(null, null, null, definition.TLSSkipVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {});
}

export function grpcRunner(definition: CheckDefinition): CheckRunner {
  const target = definition.GRPC;
  const { address, service } = parseGrpcTarget(target);
  const options: Record<string, string | number> = { 'grpc.enable_retries': 0 };
  if (definition.TLSServerName !== '') options['grpc.ssl_target_name_override'] = definition.TLSServerName;
  const client = new Client(address, channelCredentials(definition), options);
  const request = encodeHealthCheckRequest(service);
  return {
    run(signal: AbortSignal): Promise<CheckResult> {
      return new Promise((resolve) => {
        const onDone = (error: ServiceError | null, servingStatus?: number): void => {
          signal.removeEventListener('abort', onAbort);
          if (error !== null) {
            resolve(critical(`gRPC ${target}: ${error.code === grpcStatus.CANCELLED ? 'timed out' : error.details || error.message}`));
            return;
          }
          const name = servingStatusNames[servingStatus ?? 0] ?? String(servingStatus);
          resolve(servingStatus === 1 ? passing(`gRPC check ${target}: success`) : critical(`gRPC ${target} serving status: ${name}`));
        };
        const call = client.makeUnaryRequest(checkMethod, (value: Buffer) => value, decodeHealthCheckResponse, request, new Metadata(), {}, onDone);
        const onAbort = (): void => call.cancel();
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    close: () => {
      client.close();
      return Promise.resolve();
    },
  };
}
