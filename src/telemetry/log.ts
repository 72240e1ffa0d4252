// Logging: pino, either as JSON lines (-log-json) or as Consul-style text lines
//   2026-11-24T17:21:00.123Z [INFO]  agent: Synced node info: node=n1 address=127.0.0.1
// written synchronously to stderr so that nothing is lost when the process exits.

import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const levelLabels: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'ERROR' };
const skippedKeys = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

function formatValue(value: unknown): string {
  if (value instanceof Object && 'message' in value && typeof value.message === 'string') return JSON.stringify(value.message);
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

/** One JSON log line → one Consul-style text line. */
export function formatTextLine(line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  const level = (levelLabels[record.level as number] ?? 'INFO').padEnd(6);
  const time = new Date(record.time as number).toISOString();
  const fields = Object.entries(record)
    .filter(([key]) => !skippedKeys.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const name = typeof record.name === 'string' ? `${record.name}: ` : '';
  return `${time} [${level.trimEnd()}]${' '.repeat(6 - level.trimEnd().length)}${name}${typeof record.msg === 'string' ? record.msg : ''}${fields.length > 0 ? `: ${fields.join(' ')}` : ''}\n`;
}

export function createLogger(options: { level: LogLevelName; json: boolean; destination?: NodeJS.WritableStream }): Logger {
  const destination = options.destination ?? process.stderr;
  if (options.json) return pino({ level: options.level, base: undefined, name: 'agent' }, pino.destination({ fd: destination === process.stdout ? 1 : 2, sync: true }));
  const text = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') destination.write(formatTextLine(line));
      done();
    },
  });
  return pino({ level: options.level, base: undefined, name: 'agent' }, text);
}
