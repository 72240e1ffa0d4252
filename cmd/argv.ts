// Consul's CLI uses Go's flag package, where long flags take one dash (`-server`, `-http-port=8500`).
// commander only knows single-dash short options, so before parsing we rewrite `-name` and
// `-name=value` to `--name...` for names that are long options of the command. Nothing else is
// touched: negative numbers ("-1"), unknown words and everything after "--" pass through, so
// commander reports unknown flags itself.

import type { Command } from 'commander';
import { parseGoBool } from '../src/lib/go-bool.js';

/**
 * Rewrites single-dash long flags to double-dash ones.
 *
 * @param longOptionNames long option names without dashes ("http-port"), as longOptionNamesOf gives.
 * @param optionsTakingValue optional: names whose option requires a value; the argument after
 *   such a flag (when it has no "=value") is its value and is left as is, as Go's flag package
 *   reads `-node -dev` as node name "-dev".
 * @param booleanOptions optional: switches that take no value; `-x=true` becomes `--x` and
 *   `-x=false` is dropped, as Go's flag package reads them.
 */
export function normalizeSingleDashFlags(
  args: readonly string[],
  longOptionNames: ReadonlySet<string>,
  optionsTakingValue: ReadonlySet<string> = new Set(),
  booleanOptions: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  let valueExpected = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--') {
      out.push(...args.slice(index));
      break;
    }
    if (valueExpected) {
      valueExpected = false;
      out.push(arg);
      continue;
    }
    const name = longFlagName(arg);
    const known = name !== undefined && longOptionNames.has(name);
    if (known && booleanOptions.has(name) && arg.includes('=')) {
      const value = parseGoBool(arg.slice(arg.indexOf('=') + 1));
      if (value === true) out.push(`--${name}`);
      else if (value === undefined) out.push(arg);
      continue;
    }
    out.push(known && !arg.startsWith('--') ? `-${arg}` : arg);
    valueExpected = known && !arg.includes('=') && optionsTakingValue.has(name);
  }
  return out;
}

/** "-http-port=1" and "--http-port" → "http-port"; anything else (values, "-", "--") → undefined. */
function longFlagName(arg: string): string | undefined {
  const match = /^--?([A-Za-z][A-Za-z0-9_-]*)(=[\s\S]*)?$/.exec(arg);
  return match?.[1];
}

/**
 * The long option names of a command (without dashes), and those whose option requires a value.
 * Includes commander's built-in --help (listed by the help formatter), so Consul's `-help` works.
 */
export function longOptionNamesOf(command: Command): { names: Set<string>; takingValue: Set<string>; booleans: Set<string> } {
  const names = new Set<string>();
  const takingValue = new Set<string>();
  const booleans = new Set<string>();
  for (const option of [...command.options, ...command.createHelp().visibleOptions(command)]) {
    if (option.long === undefined) continue;
    const name = option.long.replace(/^--/, '');
    names.add(name);
    if (option.required) takingValue.add(name);
    else if (!option.optional) booleans.add(name);
  }
  return { names, takingValue, booleans };
}
