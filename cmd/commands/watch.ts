// `taxiway watch -type <type> [...] [handler...]`: Consul's command/watch. Without a handler it
// prints the first result as indented JSON and exits; with one it runs the handler ($SHELL -c)
// with the result as JSON on stdin (and CONSUL_INDEX in its environment) each time the result
// changes, until SIGINT/SIGTERM or until the handler fails (exit status 1).

import type { Command } from 'commander';
import { getAgentNodeName, goJsonIndent, goJsonLine, parseWatchParams, runWatch, type ApiClient, type ClientFlags, type WatchInput, type WatchParams } from '../../src/api/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { formatGoDuration } from '../../src/lib/duration.js';
import { parseGoBool } from '../../src/lib/go-bool.js';
import { addConnectionFlags, fail, messageOf, withApiClient } from './client-options.js';
import { argumentsAsTyped, onShutdownSignals, signalChild, startChild, type RunningChild } from './child-process.js';

/** The watch parameters as flags (WatchInput's fields, all optional), plus -shell. */
interface WatchFlags extends ClientFlags, Partial<Omit<WatchInput, 'stale'>> {
  readonly shell?: string | boolean;
}

export function registerWatchCommand(program: Command): void {
  program.enablePositionalOptions();
  addConnectionFlags(program.command('watch').description('Watch for changes in Consul').argument('[handler...]'), { server: true })
    .option('--type <type>', 'The watch type: key, keyprefix, services, nodes, service, checks or event')
    .option('--key <key>', "The key to watch ('key' type)")
    .option('--prefix <prefix>', "The key prefix to watch ('keyprefix' type)")
    .option('--service <name>', "The service to watch ('service' type; optional for 'checks')")
    .option('--tag <tag>', "Service tag to filter on ('service' and 'checks' types)")
    .option('--passingonly <bool>', "Only instances passing all checks ('service' type): true or false")
    .option('--state <state>', "The check state to watch ('checks' type)")
    .option('--name <name>', "The event name to watch ('event' type)")
    .option('--shell [bool]', 'Run the handler with $SHELL -c (default true)')
    .passThroughOptions()
    .allowExcessArguments(true)
    .action((_handler: unknown, flags: WatchFlags, command: Command) => runWatchCommand(flags, command));
}

/** Consul puts only the flags given (non-empty) into the watch parameters. */
function given(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function runWatchCommand(flags: WatchFlags, command: Command): Promise<void> {
  if ((flags.type ?? '') === '') return fail(`Watch type must be specified\n\n${command.helpInformation()}`);
  const shell = typeof flags.shell === 'string' ? parseGoBool(flags.shell) : true;
  if (shell === undefined) return fail(`invalid boolean value ${JSON.stringify(flags.shell)} for -shell: parse error`);
  const parsed = parseWatchParams({
    type: flags.type ?? '',
    ...optional('key', given(flags.key)),
    ...optional('prefix', given(flags.prefix)),
    ...optional('service', given(flags.service)),
    ...optional('tag', given(flags.tag)),
    ...optional('passingonly', given(flags.passingonly)),
    ...optional('state', given(flags.state)),
    ...optional('name', given(flags.name)),
    stale: flags.stale === true,
  });
  if ('error' in parsed) return fail(parsed.error);
  await withApiClient(flags, async (client) => {
    try {
      await getAgentNodeName(client);
    } catch (error) {
      return fail(`Error querying Consul agent: ${messageOf(error)}`);
    }
    await watchUntilStopped(client, parsed.params, argumentsAsTyped(command.args), shell);
  });
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}

async function watchUntilStopped(client: ApiClient, params: WatchParams, handler: readonly string[], shell: boolean): Promise<void> {
  const stop = new AbortController();
  let running: RunningChild | undefined;
  const stopListening = onShutdownSignals((signal) => {
    // Consul forwards the signal to a running handler and exits 0.
    if (running !== undefined) signalChild(running.process, signal);
    stop.abort();
  });
  const onResult = async (index: number, value: unknown): Promise<boolean> => {
    if (handler.length === 0) {
      process.stdout.write(`${goJsonIndent(value, '    ')}\n`);
      return false;
    }
    try {
      running = await startChild({ args: handler, shell, env: { CONSUL_INDEX: String(index) }, stdin: 'pipe' });
    } catch (error) {
      fail(`Error starting handler: ${messageOf(error)}`);
      return false;
    }
    running.process.stdin?.on('error', () => undefined); // a handler that ignores stdin may close it early
    running.process.stdin?.end(goJsonLine(value));
    const error = await running.exited;
    running = undefined;
    if (error === undefined) return true;
    fail(`Error executing handler: ${error}`);
    return false;
  };
  const onError = (error: unknown, retryMs: number): void => {
    process.stderr.write(`[ERR] consul.watch: Watch (type: ${params.type}) errored: ${messageOf(error)}, retry in ${formatGoDuration(retryMs)}\n`);
  };
  try {
    await runWatch({ client, clock: new SystemClock() }, params, { onResult, onError }, stop.signal);
  } finally {
    stopListening();
  }
  if (stop.signal.aborted && process.exitCode !== 1) process.exitCode = 0;
}
