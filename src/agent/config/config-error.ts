// The one error the configuration loader throws. Its message is a single line the CLI can print
// as is: `<source>: <key>: <what was expected, what was found>`, where source is a file path,
// "command line", "-hcl #1" or "configuration" (for a value nothing set), and key is the config
// key as the user spelled its source: `ports.http` in a file, `-http-port` on the command line.

export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    /** Where the bad value came from: a file path, "command line", "-hcl #1", "defaults". */
    readonly source: string,
    /** The key or flag holding it, e.g. "ports.http" or "-http-port". */
    readonly key: string,
    /** What was expected and what was found, e.g. `expected an integer, got "x"`. */
    readonly problem: string,
  ) {
    super(oneLine(`${source}: ${key}: ${problem}`));
  }
}

/** Collapses line breaks so that embedded parser messages keep the error on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** A value as an error message shows it: strings quoted, long ones cut, structures named. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value === 'object' ? 'an object' : typeof value;
}
