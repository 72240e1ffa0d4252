// Fault injection blocks in Consul's builtin/fault-injection shape, {Abort: {HttpStatus or
// GrpcStatus, Percentage}, Delay: {Duration (ms), Percentage}}: on a service-router route's
// Destination.FaultInjection (taxiway's field) and in a service-defaults EnvoyExtensions entry
// named builtin/fault-injection (Arguments.Config), checked as Envoy's fault filter would.

import { canonicalConfigFields } from '../../structs/config-entry.js';
import { type Fields, invalid, numberField, objectField, objectList, stringField } from './fields.js';

/**
 * Destination.FaultInjection {Abort: {HttpStatus, Percentage}, Delay: {Duration (ms), Percentage}},
 * the shape of Consul's builtin/fault-injection extension, checked as Envoy's fault filter would:
 * an abort status in [200, 600), percentages in [0, 100], a delay of at least 0 ms.
 */
export function validateFaultInjection(destination: Fields, where: string): void {
  const fault = objectField(destination, 'FaultInjection', `${where}.Destination.FaultInjection`);
  if (fault === undefined) return;
  const abort = objectField(fault, 'Abort', `${where}.Destination.FaultInjection.Abort`);
  const delay = objectField(fault, 'Delay', `${where}.Destination.FaultInjection.Delay`);
  if (abort === undefined && delay === undefined) throw invalid(`${where} FaultInjection must specify Abort or Delay`);
  for (const [name, block] of [['Abort', abort], ['Delay', delay]] as const) {
    if (block === undefined) continue;
    const percentage = numberField(block, 'Percentage', `${where}.Destination.FaultInjection.${name}.Percentage`);
    if (percentage < 0 || percentage > 100) throw invalid(`${where} FaultInjection.${name}.Percentage must be between 0 and 100, got ${percentage}`);
  }
  if (abort !== undefined) validateAbort(abort, where);
  if (delay !== undefined) {
    const durationMs = numberField(delay, 'Duration', `${where}.Destination.FaultInjection.Delay.Duration`);
    if (durationMs < 0) throw invalid(`${where} FaultInjection.Delay.Duration must be >= 0 (milliseconds), got ${durationMs}`);
  }
}

/** Abort answers either an HTTP status in [200, 600) or, for gRPC, a grpc-status in [0, 16]: one of the two. */
function validateAbort(abort: Fields, where: string): void {
  if (abort.GrpcStatus !== undefined) {
    const code = numberField(abort, 'GrpcStatus', `${where}.Destination.FaultInjection.Abort.GrpcStatus`);
    if (abort.HttpStatus !== undefined) throw invalid(`${where} FaultInjection.Abort must set HttpStatus or GrpcStatus, not both`);
    if (!Number.isInteger(code) || code < 0 || code > 16) throw invalid(`${where} FaultInjection.Abort.GrpcStatus must be a gRPC status code between 0 and 16, got ${code}`);
    return;
  }
  const status = numberField(abort, 'HttpStatus', `${where}.Destination.FaultInjection.Abort.HttpStatus`);
  if (!Number.isInteger(status) || status < 200 || status > 599) throw invalid(`${where} FaultInjection.Abort.HttpStatus must be an HTTP status between 200 and 599, got ${status}`);
}

/** service-defaults EnvoyExtensions: a builtin/fault-injection entry's Arguments.Config is a fault block. */
export function validateFaultExtensions(entry: Fields): void {
  for (const [i, extension] of objectList(entry, 'EnvoyExtensions').entries()) {
    if (stringField(extension, 'Name', `EnvoyExtensions[${i}].Name`) !== 'builtin/fault-injection') continue;
    const where = `EnvoyExtensions[${i}] (builtin/fault-injection)`;
    const args = objectField(extension, 'Arguments', `EnvoyExtensions[${i}].Arguments`) ?? {};
    const configKey = Object.keys(args).find((key) => key.toLowerCase() === 'config');
    if (configKey === undefined) throw invalid(`${where} Arguments.Config is required`);
    const config = canonicalConfigFields(args[configKey], `EnvoyExtensions[${i}].Arguments.Config`);
    validateFaultInjection({ FaultInjection: config }, where);
  }
}
