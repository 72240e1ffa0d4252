// Running `taxiway agent`: loads the configuration, starts an Agent, prints where it listens,
// writes the pid file, and runs until SIGINT or SIGTERM (SIGHUP reloads the configuration).

import { unlink, writeFile } from 'node:fs/promises';
import { Agent } from '../../src/agent/agent.js';
import { ConfigRegistrationError } from '../../src/agent/config-registrations.js';
import { ConfigError, flagsToConfigFragment, loadRuntimeConfig, reloadRuntimeConfig, type RuntimeConfig } from '../../src/agent/config/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { CryptoRandom } from '../../src/lib/random.js';
import { createLogger } from '../../src/telemetry/log.js';
import { consulVersion, taxiwayVersion } from '../../src/version.js';

export async function runAgent(options: Record<string, unknown>): Promise<number> {
  let config: RuntimeConfig;
  let warnings: readonly string[];
  const flags = (() => {
    try {
      return flagsToConfigFragment(options);
    } catch (error) {
      return error as Error;
    }
  })();
  try {
    if (flags instanceof Error) throw flags;
    ({ config, warnings } = await loadRuntimeConfig({ flags }));
  } catch (error) {
    if (error instanceof ConfigError) return fail(error.message);
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, json: config.logJson });
  for (const warning of warnings) logger.warn(warning);
  // Signals are caught from here on, so that one arriving while the agent starts still ends in a
  // clean shutdown instead of the default kill.
  const signals = catchSignals();
  const agent = await Agent.create(config, {
    clock: new SystemClock(),
    random: new CryptoRandom(),
    logger,
    reloadConfig: async () => (await reloadRuntimeConfig({ flags })).config,
    requestShutdown: () => signals.requestStop(),
  });
  signals.onReload(() => {
    agent.reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed; keeping the running configuration'));
  });
  try {
    await agent.start();
    if (config.pidFile !== '') await writeFile(config.pidFile, `${process.pid}`);
  } catch (error) {
    await agent.stop();
    signals.release();
    if (error instanceof ConfigRegistrationError) return fail(error.message);
    return fail(`Error starting agent: ${(error as Error).message}`);
  }
  printBanner(agent);
  const signal = await signals.stopRequested;
  logger.info({ signal }, 'caught signal, shutting down');
  // Consul's rule: SIGINT leaves gracefully unless skip_leave_on_interrupt, SIGTERM only with
  // leave_on_terminate; otherwise the others see this agent fail.
  const leave = signal === 'SIGINT' ? !config.skipLeaveOnInterrupt : signal === 'SIGTERM' ? config.leaveOnTerminate : false;
  if (leave) await agent.leave().catch((error: unknown) => logger.error({ err: error }, 'graceful leave failed'));
  await agent.stop().catch((error: unknown) => logger.error({ err: error }, 'shutdown failed'));
  signals.release();
  if (config.pidFile !== '') await unlink(config.pidFile).catch(() => undefined);
  return 0;
}

function fail(message: string): number {
  process.stderr.write(`${message}\n`);
  return 1;
}

function printBanner(agent: Agent): void {
  const { config } = agent;
  const port = (value: number): string => String(value);
  const lines = [
    '==> Starting taxiway agent...',
    `              Version: '${taxiwayVersion}' (Consul API ${consulVersion})`,
    `              Node ID: '${agent.nodeId}'`,
    `            Node name: '${config.nodeName}'`,
    `           Datacenter: '${config.datacenter}' (Segment: '<all>')`,
    `               Server: ${config.serverMode} (Bootstrap: ${config.bootstrap})`,
    `          Client Addr: [${config.clientAddrs.join(' ')}] (HTTP: ${port(config.ports.http)}, HTTPS: ${port(config.ports.https)}, gRPC: ${port(config.ports.grpc)}, DNS: ${port(config.ports.dns)})`,
    `         Cluster Addr: ${config.advertiseAddrLan} (LAN: ${port(config.ports.serfLan)}, WAN: ${port(config.ports.serfWan)})`,
    `    Gossip Encryption: ${config.encryptKey !== ''}`,
    '',
    '==> taxiway agent running!',
    ...agent.httpAddresses.map((address) => `    HTTP API: http://${address}`),
    ...agent.dnsAddresses.map((address) => `    DNS: ${address} (UDP and TCP)`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

interface CaughtSignals {
  /** Resolves with the first SIGINT or SIGTERM. */
  readonly stopRequested: Promise<NodeJS.Signals>;
  /** Resolves stopRequested without a signal (after `PUT /v1/agent/leave`, which has left already). */
  requestStop(): void;
  onReload(listener: () => void): void;
  /** Removes the handlers (after shutdown, so that a second signal is not swallowed by a dead agent). */
  release(): void;
}

/** SIGINT/SIGTERM request a clean stop; SIGHUP asks for a configuration reload. */
function catchSignals(): CaughtSignals {
  let reload = (): void => undefined;
  const onHangup = (): void => reload();
  let onStop: (signal: NodeJS.Signals) => void = () => undefined;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (onStop = resolve));
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', onHangup);
  return {
    stopRequested,
    requestStop: () => onStop('SIGUSR2'),
    onReload: (listener) => (reload = listener),
    release: () => {
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      process.off('SIGHUP', onHangup);
    },
  };
}
