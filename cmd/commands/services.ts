// `taxiway services register|deregister`: register services with the local agent from flags or
// from config files, and remove them again (Consul's command/services/{register,deregister}).

import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../../src/agent/config/config-error.js';
import { deregisterService, registerService, type ClientFlags, type ServiceRegistration } from '../../src/api/index.js';
import { addConnectionFlags, collect, fail, messageOf, output, parseKeyValueFlags, withApiClient } from './client-options.js';
import { servicesFromFiles } from './services-file.js';

interface RegisterFlags extends ClientFlags {
  readonly id?: string;
  readonly name?: string;
  readonly address?: string;
  readonly port?: number;
  readonly socket?: string;
  readonly kind?: string;
  readonly tag?: string[];
  readonly meta?: string[];
  readonly taggedAddress?: string[];
}

interface DeregisterFlags extends ClientFlags {
  readonly id?: string;
}

export function registerServicesCommands(program: Command): void {
  const services = program.command('services').description('Register and deregister services with the local agent');

  addConnectionFlags(services.command('register').description('Register services with the local agent').argument('[files...]', 'Config files (JSON or HCL) with service or services blocks'), { server: true })
    .option('--id <id>', 'ID of the service (default: the -name value)')
    .option('--name <name>', 'Name of the service to register')
    .option('--address <address>', 'Address of the service')
    .option('--port <port>', 'Port of the service', parsePort)
    .option('--socket <path>', 'Unix socket of the service (instead of address and port)')
    .option('--kind <kind>', "The service's kind (e.g. connect-proxy)")
    .option('--tag <tag>', 'Tag to add to the service; may be repeated', collect)
    .option('--meta <key=value>', 'Metadata to set on the service; may be repeated', collect)
    .option('--tagged-address <key=address[:port]>', 'Tagged address of the service; may be repeated', collect)
    .action((files: string[], flags: RegisterFlags) => runRegister(files, flags));

  addConnectionFlags(services.command('deregister').description('Deregister services from the local agent').argument('[files...]', 'Config files naming the services'), { server: true })
    .option('--id <id>', 'ID of the service to deregister (not with files)')
    .action((files: string[], flags: DeregisterFlags) => runDeregister(files, flags));
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535.');
  return port;
}

async function runRegister(files: string[], flags: RegisterFlags): Promise<void> {
  const name = flags.name ?? '';
  if (files.length === 0 && name === '') return fail('Service registration requires at least one argument or flags.');
  if (files.length > 0 && name !== '') return fail('Service registration requires arguments or -id, not both.');
  const fromFlags = registrationFromFlags(flags);
  if ('error' in fromFlags) return fail(fromFlags.error);
  const registrations = files.length > 0 ? await loadFiles(files) : [fromFlags.registration];
  if (registrations === undefined) return;
  await withApiClient(flags, async (client) => {
    for (const registration of files.length > 0 ? registrations.map((service) => withFlagValues(service, fromFlags.registration)) : registrations) {
      try {
        await registerService(client, registration);
      } catch (error) {
        return fail(`Error registering service ${JSON.stringify(registration.Name)}: ${messageOf(error)}`);
      }
      output(`Registered service: ${registration.Name}`);
    }
  });
}

async function runDeregister(files: string[], flags: DeregisterFlags): Promise<void> {
  const id = flags.id ?? '';
  if (files.length === 0 && id === '') return fail('Service deregistration requires at least one argument or -id.');
  if (files.length > 0 && id !== '') return fail('Service deregistration requires arguments or -id, not both.');
  const services = files.length > 0 ? await loadFiles(files) : [{ ID: id, Name: '' }];
  if (services === undefined) return;
  await withApiClient(flags, async (client) => {
    for (const service of services) {
      // A file's service is known by its ID, or by its name when it has none (the agent's default ID).
      const serviceId = service.ID !== undefined && service.ID !== '' ? service.ID : service.Name;
      if (serviceId === '') continue;
      try {
        await deregisterService(client, serviceId);
      } catch (error) {
        return fail(`Error deregistering service ${JSON.stringify(service.Name)}: ${messageOf(error)}`);
      }
      output(`Deregistered service: ${serviceId}`);
    }
  });
}

/** The services of the files, or undefined after reporting the load error as Consul does (`Error: ...`). */
async function loadFiles(files: readonly string[]): Promise<ServiceRegistration[] | undefined> {
  try {
    const { services, warnings } = await servicesFromFiles(files);
    for (const warning of warnings) process.stderr.write(`Warning: ${warning}\n`);
    return services;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(`Error: ${error.message}`);
    return undefined;
  }
}

function registrationFromFlags(flags: RegisterFlags): { registration: ServiceRegistration } | { error: string } {
  const meta = parseKeyValueFlags('meta', flags.meta ?? []);
  if ('error' in meta) return meta;
  const tagged = parseKeyValueFlags('tagged-address', flags.taggedAddress ?? []);
  if ('error' in tagged) return tagged;
  const taggedAddresses: Record<string, { Address: string; Port: number }> = {};
  for (const [key, text] of Object.entries(tagged.map)) {
    const address = parseServiceAddress(text);
    if (address === undefined) return { error: `Invalid Tagged Address: invalid port in ${JSON.stringify(text)}` };
    taggedAddresses[key] = address;
  }
  const registration: ServiceRegistration = {
    Name: flags.name ?? '',
    ...(flags.id === undefined ? {} : { ID: flags.id }),
    ...(flags.kind === undefined ? {} : { Kind: flags.kind }),
    ...(flags.address === undefined ? {} : { Address: flags.address }),
    ...(flags.port === undefined ? {} : { Port: flags.port }),
    ...(flags.socket === undefined ? {} : { SocketPath: flags.socket }),
    ...(flags.tag === undefined ? {} : { Tags: flags.tag }),
    ...(Object.keys(meta.map).length === 0 ? {} : { Meta: meta.map }),
    ...(Object.keys(taggedAddresses).length === 0 ? {} : { TaggedAddresses: taggedAddresses }),
  };
  return { registration };
}

/** "10.0.0.1:8080", "[::1]:80" or a bare address (port 0); undefined for a bad port. */
function parseServiceAddress(text: string): { Address: string; Port: number } | undefined {
  const match = /^(\[[^\]]*\]|[^:]*):([^:]*)$/.exec(text);
  if (match === null) return { Address: text, Port: 0 };
  const port = match[2] as string;
  if (!/^\d+$/.test(port) || Number(port) > 65535) return undefined;
  return { Address: (match[1] as string).replace(/^\[(.*)\]$/, '$1'), Port: Number(port) };
}

/**
 * Fills what a file's service leaves empty from the flags (Consul's CombineArgs): scalar fields
 * only when unset in the file, meta merged with the flags winning, tags appended.
 */
function withFlagValues(fromFile: ServiceRegistration, fromFlags: ServiceRegistration): ServiceRegistration {
  const combined: Record<string, unknown> = { ...fromFile };
  for (const key of ['ID', 'Name', 'Address', 'Port', 'Kind', 'SocketPath'] as const) {
    const empty = combined[key] === undefined || combined[key] === '' || combined[key] === 0;
    if (empty && fromFlags[key] !== undefined) combined[key] = fromFlags[key];
  }
  if (fromFlags.Meta !== undefined) combined.Meta = { ...fromFile.Meta, ...fromFlags.Meta };
  if (fromFlags.TaggedAddresses !== undefined) combined.TaggedAddresses = { ...fromFile.TaggedAddresses, ...fromFlags.TaggedAddresses };
  if (fromFlags.Tags !== undefined) combined.Tags = [...(fromFile.Tags ?? []), ...fromFlags.Tags];
  return combined as ServiceRegistration;
}
