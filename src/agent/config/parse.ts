// Text → plain JSON values for the two config formats. HCL goes through js-hcl-parser, HashiCorp's
// own HCL v1 (the version Consul uses) compiled to JavaScript; it is large, so it is required only
// when an .hcl file or an -hcl argument is actually given. HCL blocks come out as lists of
// objects (`ports { http = 1 }` → `{"ports": [{"http": 1}]}`); the schema decoder's weak mode
// unwraps them, as Consul's decoder does.

import { createRequire } from 'node:module';
import { ConfigError } from './config-error.js';

export type ConfigFormat = 'json' | 'hcl';

interface HclParser {
  /** Returns JSON text, or (this build never throws) an "unable to parse JSON: At 2:10: ..." message. */
  parse(text: string): string;
}

function loadHclParser(): HclParser {
  // createRequire keeps the load lazy; require() caches the module after the first call.
  const require = createRequire(import.meta.url);
  return require('js-hcl-parser') as HclParser;
}

/**
 * Parses a config text. Empty text is no configuration (Consul skips empty sources). Syntax
 * errors become ConfigErrors naming the source and, when the parser says, the line and column.
 */
export function parseConfigText(text: string, format: ConfigFormat, source: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const value = format === 'json' ? parseJson(text, source) : parseHcl(text, source);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(source, '(top level)', `expected an object of config keys, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  }
  return value as Record<string, unknown>;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const where = position === null ? '(syntax)' : lineAndColumn(text, Number(position[1]));
    throw new ConfigError(source, where, `expected valid JSON, got a syntax error: ${message.length > 120 ? `${message.slice(0, 120)}…` : message}`);
  }
}

function parseHcl(text: string, source: string): unknown {
  let output: string;
  try {
    output = loadHclParser().parse(text);
  } catch (error) {
    throw new ConfigError(source, '(syntax)', `expected valid HCL, got a syntax error: ${(error as Error).message}`);
  }
  const failure = /^unable to (?:parse|print) JSON: (.*)$/s.exec(output);
  if (failure !== null) {
    const detail = failure[1] as string;
    const at = /^At (\d+):(\d+): (.*)$/s.exec(detail);
    const where = at === null ? '(syntax)' : `line ${at[1]}, column ${at[2]}`;
    throw new ConfigError(source, where, `expected valid HCL, got a syntax error: ${at === null ? detail : (at[3] as string)}`);
  }
  return JSON.parse(output) as unknown;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
