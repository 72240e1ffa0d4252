// `taxiway connect proxy`: the built-in sidecar proxy (src/proxy/). Either for a registered proxy
// (`-sidecar-for <service-id>` or `-proxy-id <id>`), or ad hoc (`-service <name>` with `-listen`
// + `-service-addr` for a public listener and `-upstream name:port`, repeatable). Runs until
// SIGINT/SIGTERM; `-metrics-addr host:port` serves Prometheus metrics.

import type { Command } from 'commander';
import type { ApiClient, ClientFlags } from '../../src/api/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { CryptoRandom } from '../../src/lib/random.js';
import { AccessLog } from '../../src/proxy/access-log.js';
import { configFromRegistration, parseHostPort, parseUpstreamFlag, type ProxyConfig, proxyIdForSidecar } from '../../src/proxy/config.js';
import { createProxyMetrics, serveMetrics } from '../../src/proxy/metrics.js';
import { startProxy } from '../../src/proxy/proxy.js';
import { createLogger, type LogLevelName } from '../../src/telemetry/log.js';
import { onShutdownSignals } from './child-process.js';
import { addConnectionFlags, collect, expectNoArguments, fail, messageOf, withApiClient } from './client-options.js';

interface ProxyFlags extends ClientFlags {
  sidecarFor?: string;
  proxyId?: string;
  service?: string;
  serviceAddr?: string;
  listen?: string;
  upstream?: string[];
  metricsAddr?: string;
  logLevel?: string;
  logJson?: boolean;
}

async function resolveConfig(client: ApiClient, flags: ProxyFlags): Promise<ProxyConfig> {
  if (flags.sidecarFor !== undefined && flags.sidecarFor !== '') return configFromRegistration(client, await proxyIdForSidecar(client, flags.sidecarFor));
  if (flags.proxyId !== undefined && flags.proxyId !== '') return configFromRegistration(client, flags.proxyId);
  if (flags.service === undefined || flags.service === '') throw new Error('-service, -proxy-id or -sidecar-for is required');
  let publicListener: ProxyConfig['publicListener'];
  if (flags.listen !== undefined) {
    if (flags.serviceAddr === undefined) throw new Error('-service-addr is required with -listen');
    const bind = parseHostPort(flags.listen, '-listen');
    const app = parseHostPort(flags.serviceAddr, '-service-addr');
    publicListener = { bindAddress: bind.host, bindPort: bind.port, localAddress: app.host, localPort: app.port };
  }
  return { proxyId: '', service: flags.service, publicListener, upstreams: (flags.upstream ?? []).map(parseUpstreamFlag) };
}

async function run(client: ApiClient, flags: ProxyFlags): Promise<void> {
  const logger = createLogger({ level: (flags.logLevel ?? 'info') as LogLevelName, json: flags.logJson === true }).child({ name: 'proxy' });
  let config: ProxyConfig;
  try {
    config = await resolveConfig(client, flags);
  } catch (error) {
    return fail(`Failed to configure the proxy: ${messageOf(error)}`);
  }
  const metrics = createProxyMetrics();
  const stopping = new Promise<void>((resolve) => {
    const release = onShutdownSignals(() => {
      release();
      resolve();
    });
  });
  const clock = new SystemClock();
  const accessLog = new AccessLog(clock, (text) => process.stdout.write(text));
  const proxy = await startProxy({ client, clock, random: new CryptoRandom(), logger, metrics, accessLog: accessLog.write }, config);
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  if (flags.metricsAddr !== undefined) {
    const address = parseHostPort(flags.metricsAddr, '-metrics-addr');
    metricsServer = await serveMetrics(metrics, address.host, address.port);
    logger.info({ address: `${address.host}:${metricsServer.port}` }, 'metrics listener started');
  }
  process.stdout.write(`${JSON.stringify({ proxy: config.proxyId || config.service, public: proxy.publicPort, upstreams: Object.fromEntries(proxy.upstreamPorts), metrics: metricsServer?.port ?? 0 })}\n`);
  await stopping;
  logger.info('stopping');
  metricsServer?.server.close();
  await proxy.stop();
  accessLog.flush();
}

export function registerConnectProxyCommand(connect: Command): void {
  addConnectionFlags(connect.command('proxy').description('Runs the built-in mTLS sidecar proxy'), { server: false })
    .option('--sidecar-for <service-id>', 'Run as the sidecar registered for this service instance')
    .option('--proxy-id <id>', 'Run as this registered connect-proxy')
    .option('--service <name>', 'Ad hoc: the service identity this proxy speaks for')
    .option('--service-addr <host:port>', 'Ad hoc: the local application behind the public listener')
    .option('--listen <host:port>', 'Ad hoc: the public mTLS listener')
    .option('--upstream <name:port>', 'Ad hoc: an upstream listener on 127.0.0.1:port (repeatable)', collect)
    .option('--metrics-addr <host:port>', 'Serve Prometheus metrics on this address')
    .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
    .option('--log-json', 'Log JSON lines')
    .allowExcessArguments(true)
    .action(async (flags: ProxyFlags, command: Command) => {
      if (!expectNoArguments(command)) return;
      await withApiClient(flags, (client) => run(client, flags));
    });
}
