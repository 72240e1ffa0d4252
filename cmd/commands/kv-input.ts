// Where `kv put` and `kv import` take their data from, as Consul's dataFromArgs: the argument
// itself, "@path" for a file's contents, or "-" for everything on stdin.

import { readFile } from 'node:fs/promises';

/** Reads all of stdin. */
export async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Go's wording for a failed file read ("open x: no such file or directory"), since scripts match it. */
function goFileError(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `open ${path}: no such file or directory`;
  if (code === 'EACCES') return `open ${path}: permission denied`;
  if (code === 'EISDIR') return `read ${path}: is a directory`;
  return error instanceof Error ? error.message : String(error);
}

/** The data an argument names: "@file", "-" (stdin) or the text itself. Errors are Consul's texts. */
export async function dataOfArgument(argument: string): Promise<{ data: Buffer } | { error: string }> {
  if (argument.startsWith('@')) {
    const path = argument.slice(1);
    try {
      return { data: await readFile(path) };
    } catch (error) {
      return { error: `Failed to read file: ${goFileError(path, error)}` };
    }
  }
  if (argument === '-') {
    try {
      return { data: await readStdin() };
    } catch (error) {
      return { error: `Failed to read stdin: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { data: Buffer.from(argument, 'utf8') };
}

/**
 * Go's flag.Uint64Var parsing: a number, a BigInt above 2^53 (the agent keeps full uint64 flags),
 * or undefined (after which the caller reports Go's flag error) when invalid.
 */
export function parseUint64Flag(text: string | undefined): number | bigint | undefined {
  if (text === undefined) return 0;
  // Go's ParseUint with base 0 accepts 0x, 0o, 0b prefixes and underscores between digits.
  const cleaned = text.replace(/_/g, '');
  let value: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(cleaned) || /^0[oO][0-7]+$/.test(cleaned) || /^0[bB][01]+$/.test(cleaned)) value = BigInt(cleaned);
  else if (/^0[0-7]+$/.test(cleaned)) value = BigInt(`0o${cleaned.slice(1)}`);
  else if (/^\d+$/.test(cleaned)) value = BigInt(cleaned);
  else return undefined;
  if (value > 0xffff_ffff_ffff_ffffn) return undefined;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Go's flag error for a bad numeric value, printed before exit status 1. */
export function badFlagValue(flag: string, text: string): string {
  return `invalid value ${JSON.stringify(text)} for flag -${flag}: parse error`;
}

/** Go's strict base64.StdEncoding.DecodeString: the bytes, or its error text. */
export function decodeStdBase64(text: string): { bytes: Buffer } | { error: string } {
  const invalid = text.search(/[^A-Za-z0-9+/=]/);
  if (invalid >= 0) return { error: `illegal base64 data at input byte ${invalid}` };
  const padding = text.indexOf('=');
  const bodyEnd = padding < 0 ? text.length : padding;
  if (text.length % 4 !== 0 || (padding >= 0 && (text.length - padding > 2 || /[^=]/.test(text.slice(padding))))) {
    return { error: `illegal base64 data at input byte ${Math.min(bodyEnd, Math.max(0, text.length - (text.length % 4 || 4)))}` };
  }
  return { bytes: Buffer.from(text, 'base64') };
}

/** A -modify-index: raft indexes stay below 2^53, so a larger one can match nothing. */
export function asModifyIndex(value: number | bigint): number {
  return typeof value === 'bigint' ? Number.MAX_SAFE_INTEGER : value;
}
