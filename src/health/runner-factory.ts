// Which way a check is kept up to date, from its definition: run on an interval by a runner,
// reported by the application within a TTL, mirrored from other checks (alias), or not at all
// (checks taxiway sets itself, and types this agent cannot run).

import { limits } from '../lib/limits.js';
import { unreachable } from '../lib/assert.js';
import { formatGoDuration } from '../lib/duration.js';
import type { CheckDefinition } from '../structs/check.js';
import type { AliasTarget } from './runners/alias.js';
import { grpcRunner } from './runners/grpc.js';
import { h2pingRunner } from './runners/h2ping.js';
import { httpRunner } from './runners/http.js';
import type { CheckRunner } from './runners/runner.js';
import { scriptRunner } from './runners/script.js';
import { tcpRunner } from './runners/tcp.js';
import { udpRunner } from './runners/udp.js';
import type { Semaphore } from './semaphore.js';

export type IntervalCheckType = 'http' | 'tcp' | 'udp' | 'grpc' | 'h2ping' | 'script';

export type CheckPlan =
  | { readonly type: 'interval'; readonly checkType: IntervalCheckType; readonly intervalMs: number; readonly timeoutMs: number }
  | { readonly type: 'ttl'; readonly ttlMs: number }
  | { readonly type: 'alias'; readonly target: AliasTarget }
  /** Nothing to run: docker and os_service need what this agent does not have. */
  | { readonly type: 'none'; readonly reason: string };

function intervalType(definition: CheckDefinition): IntervalCheckType | undefined {
  if (definition.HTTP !== '') return 'http';
  if (definition.TCP !== '') return 'tcp';
  if (definition.UDP !== '') return 'udp';
  if (definition.GRPC !== '') return 'grpc';
  if (definition.H2PING !== '') return 'h2ping';
  if (definition.ScriptArgs.length > 0 && definition.DockerContainerID === '') return 'script';
  return undefined;
}

/**
 * Consul's timeouts: a script gets its Timeout or 30 s. The others get their Timeout when it is
 * shorter than the interval, else the shorter of the interval and 10 s, so that a run ends
 * before the next one is due.
 */
function timeoutMsOf(checkType: IntervalCheckType, definition: CheckDefinition, intervalMs: number): number {
  if (checkType === 'script') return definition.Timeout > 0 ? definition.Timeout : limits.scriptCheckTimeoutMsDefault;
  if (definition.Timeout > 0 && definition.Timeout < intervalMs) return definition.Timeout;
  return Math.min(intervalMs, limits.checkTimeoutMsDefault);
}

export function planOf(definition: CheckDefinition): CheckPlan {
  if (definition.TTL > 0) return { type: 'ttl', ttlMs: definition.TTL };
  if (definition.AliasNode !== '' || definition.AliasService !== '') return { type: 'alias', target: { node: definition.AliasNode, serviceId: definition.AliasService } };
  const checkType = intervalType(definition);
  if (checkType === undefined) return { type: 'none', reason: definition.DockerContainerID !== '' ? 'docker checks are not run by taxiway' : 'os_service checks are not run by taxiway' };
  const intervalMs = Math.max(definition.Interval, limits.checkIntervalMsMin);
  return { type: 'interval', checkType, intervalMs, timeoutMs: timeoutMsOf(checkType, definition, intervalMs) };
}

export function runnerOf(checkType: IntervalCheckType, definition: CheckDefinition, timeoutMs: number, scriptSlots: Semaphore): CheckRunner {
  const outputBytesMax = definition.OutputMaxSize > 0 ? definition.OutputMaxSize : limits.checkOutputBytesMax;
  switch (checkType) {
    case 'http':
      return httpRunner(definition, outputBytesMax, timeoutMs);
    case 'tcp':
      return tcpRunner(definition);
    case 'udp':
      return udpRunner(definition);
    case 'grpc':
      return grpcRunner(definition);
    case 'h2ping':
      return h2pingRunner(definition);
    case 'script':
      return scriptRunner(definition, scriptSlots, `Timed out (${formatGoDuration(timeoutMs)}) running check`);
    default:
      return unreachable(checkType);
  }
}
