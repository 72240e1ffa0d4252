// A fragment is one source of configuration: the defaults, one config file, one -hcl argument or
// the command-line flags. Each is decoded on its own, so type errors and unknown keys name the
// source they are in; the merger then lays the decoded fragments over each other in order.

import { checkDefinitionSchema, type CheckDefinition } from '../../structs/check.js';
import { decode, DecodeError, type DecodeOptions } from '../../structs/schema.js';
import { serviceDefinitionSchema, type ServiceDefinition } from '../../structs/service.js';
import { ConfigError } from './config-error.js';
import { checkDefinitionProblem, serviceDefinitionProblem } from './definitions.js';
import { fileConfigSchema, type FileConfig } from './file-schema.js';

/** Values from one source, keyed as in a Consul config file, not yet decoded. */
export interface ConfigFragment {
  /** Where the values came from, as errors name it: a file path, "command line", "-hcl #1". */
  readonly source: string;
  /** Parsed JSON (or HCL turned into JSON) in config-file keys: `{ ports: { http: 8500 } }`. */
  readonly values: Readonly<Record<string, unknown>>;
  /**
   * How errors name a key of this source when it is not the config key itself: the flags map
   * "ports.http" → "-http-port". A path without an entry is shown as the dotted key.
   */
  readonly keyLabels?: Readonly<Record<string, string>>;
}

/** A fragment after decoding: typed values, `service`/`check` folded into the lists. */
export interface DecodedFragment {
  readonly source: string;
  readonly config: FileConfig;
  readonly keyLabels: Readonly<Record<string, string>>;
}

/**
 * Decodes one fragment with Consul's weak typing ("8500" → 8500, an HCL block → its object).
 * Unknown keys are appended to `warnings`; a wrong type or an invalid service or check
 * definition throws a ConfigError naming the source and the key.
 */
export function decodeFragment(fragment: ConfigFragment, warnings: string[]): DecodedFragment {
  const keyLabels = fragment.keyLabels ?? {};
  const options: DecodeOptions = {
    weak: true,
    onUnknownKey: (path) => warnings.push(`${fragment.source}: unknown key "${path}" (ignored)`),
  };
  try {
    const config = decode(fileConfigSchema, fragment.values, options);
    // Consul appends the single `service` after the `services` list (agent/config/builder.go).
    const services = [...config.services, ...decodeSingular<ServiceDefinition>(serviceDefinitionSchema, 'service', config.service, options)];
    const checks = [...config.checks, ...decodeSingular<CheckDefinition>(checkDefinitionSchema, 'check', config.check, options)];
    checkDefinitions(fragment.source, config, services, checks);
    return { source: fragment.source, config: { ...config, services, checks, service: undefined, check: undefined }, keyLabels };
  } catch (error) {
    if (error instanceof DecodeError) {
      throw new ConfigError(fragment.source, labelOf(keyLabels, error.path), `expected ${error.expected}, got ${shortGot(error.got)}`);
    }
    throw error;
  }
}

/** `service` holds one definition; repeated HCL `service {}` blocks make it a list of several. */
function decodeSingular<T>(
  schema: typeof serviceDefinitionSchema | typeof checkDefinitionSchema,
  key: string,
  value: unknown,
  options: DecodeOptions,
): T[] {
  if (value === undefined) return [];
  if (Array.isArray(value) && value.length !== 1) {
    return value.map((item, index) => decode(schema, item, options, `${key}[${index}]`) as T);
  }
  return [decode(schema, Array.isArray(value) ? value[0] : value, options, key) as T];
}

function checkDefinitions(source: string, config: FileConfig, services: ServiceDefinition[], checks: CheckDefinition[]): void {
  // Paths count `services` first and then the singular `service`, in the order they were folded.
  const servicePath = (index: number) =>
    index < config.services.length ? `services[${index}]` : services.length - config.services.length > 1 ? `service[${index - config.services.length}]` : 'service';
  const checkPath = (index: number) =>
    index < config.checks.length ? `checks[${index}]` : checks.length - config.checks.length > 1 ? `check[${index - config.checks.length}]` : 'check';
  services.forEach((service, index) => {
    const problem = serviceDefinitionProblem(service);
    if (problem !== undefined) throw new ConfigError(source, `${servicePath(index)}${problem.key}`, problem.problem);
  });
  checks.forEach((check, index) => {
    const problem = checkDefinitionProblem(check);
    if (problem !== undefined) throw new ConfigError(source, `${checkPath(index)}${problem.key}`, problem.problem);
  });
}

/** The name errors give a path: the closest labelled ancestor (flags), else the path itself. */
export function labelOf(keyLabels: Readonly<Record<string, string>>, path: string): string {
  for (let prefix = path; prefix !== ''; prefix = parentPath(prefix)) {
    const label = keyLabels[prefix];
    if (label !== undefined) return label;
  }
  return path === '' ? '(top level)' : path;
}

function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

/** DecodeError says `string "x"` or `number 5`; the one-line message only needs `"x"` or `5`. */
function shortGot(got: string): string {
  return got.replace(/^(string|number) /, '');
}
