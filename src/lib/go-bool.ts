// Go's strconv.ParseBool: the spellings Consul accepts wherever a boolean is text (flags such as
// `-server=false`, query parameters such as `?passing=1`, environment variables).

const trueSpellings = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falseSpellings = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** true or false for Go's spellings, undefined for anything else. */
export function parseGoBool(text: string): boolean | undefined {
  if (trueSpellings.has(text)) return true;
  if (falseSpellings.has(text)) return false;
  return undefined;
}
