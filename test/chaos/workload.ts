// Chaos clients: each loops until told to stop, sending one KV operation at a time to a random
// server over the HTTP API (PUT, CAS with ?cas=<ModifyIndex of a ?consistent read>, GET default
// and ?consistent) and recording it in the History. Outcomes: an answer is ok; a 4xx or a refused
// connection (nothing was sent) failed; a timeout, a 5xx (no_leader, outcome_unknown) or a
// dropped connection is unknown for writes (it may have been applied) and ignored for reads.

import type { Random } from '../../src/lib/random.js';
import type { History, ReadMode, Recorded } from './history.js';

export interface WorkloadOptions {
  readonly clients: number;
  readonly keys: number;
  /** Per-request deadline; past it the outcome is unknown. */
  readonly requestTimeoutMs: number;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

type Attempt = { type: 'answer'; answer: Answer } | { type: 'refused'; detail: string } | { type: 'lost'; detail: string };

async function send(url: string, init: RequestInit, timeoutMs: number): Promise<Attempt> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { type: 'answer', answer: { status: response.status, body: await response.text() } };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code === 'ECONNREFUSED') return { type: 'refused', detail: 'ECONNREFUSED' };
    const name = (error as Error).name;
    return { type: 'lost', detail: name === 'TimeoutError' ? `timeout ${timeoutMs} ms` : (cause?.code ?? (error as Error).message) };
  }
}

interface KvEntry {
  readonly value: string;
  readonly modifyIndex: number;
}

function parseEntry(body: string): KvEntry {
  const entries = JSON.parse(body) as { Value: string | null; ModifyIndex: number }[];
  const entry = entries[0];
  if (entry === undefined) return { value: '', modifyIndex: 0 };
  return { value: entry.Value === null ? '' : Buffer.from(entry.Value, 'base64').toString('utf8'), modifyIndex: entry.ModifyIndex };
}

export class ChaosClient {
  private sequence = 0;

  constructor(
    private readonly id: number,
    private readonly history: History,
    private readonly random: Random,
    private readonly servers: () => readonly string[],
    private readonly options: WorkloadOptions,
  ) {}

  async run(stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      const key = `chaos/k${this.random.int(this.options.keys)}`;
      const server = this.pickServer();
      const dice = this.random.int(100);
      if (dice < 35) await this.put(server, key);
      else if (dice < 60) await this.cas(server, key);
      else await this.get(server, key, dice < 80 ? 'default' : 'consistent');
    }
  }

  /** A ?consistent read of `key` through `server`, recorded; used by the final check too. */
  async get(server: string, key: string, mode: ReadMode): Promise<KvEntry | undefined> {
    const op = this.history.invoke({ client: this.id, kind: 'get', key, value: '', mode, server });
    const query = mode === 'consistent' ? '?consistent' : '';
    const attempt = await send(`http://${server}:8500/v1/kv/${key}${query}`, {}, this.options.requestTimeoutMs);
    if (attempt.type !== 'answer') {
      this.history.complete(op, 'failed', attempt.detail);
      return undefined;
    }
    const { status, body } = attempt.answer;
    if (status === 404) {
      this.history.complete(op, 'ok');
      return { value: '', modifyIndex: 0 };
    }
    if (status !== 200) {
      this.history.complete(op, 'failed', `${status} ${body.slice(0, 120)}`);
      return undefined;
    }
    const entry = parseEntry(body);
    op.value = entry.value;
    this.history.complete(op, 'ok');
    return entry;
  }

  private async put(server: string, key: string): Promise<void> {
    const value = this.nextValue();
    const op = this.history.invoke({ client: this.id, kind: 'put', key, value, server });
    const attempt = await send(`http://${server}:8500/v1/kv/${key}`, { method: 'PUT', body: value }, this.options.requestTimeoutMs);
    this.completeWrite(op, attempt);
  }

  private async cas(server: string, key: string): Promise<void> {
    const read = await this.get(server, key, 'consistent');
    if (read === undefined) return;
    const value = this.nextValue();
    const op = this.history.invoke({ client: this.id, kind: 'cas', key, value, expected: read.value, server });
    const url = `http://${server}:8500/v1/kv/${key}?cas=${read.modifyIndex}`;
    const attempt = await send(url, { method: 'PUT', body: value }, this.options.requestTimeoutMs);
    this.completeWrite(op, attempt);
  }

  private completeWrite(op: Recorded, attempt: Attempt): void {
    if (attempt.type === 'refused') return this.history.complete(op, 'failed', attempt.detail);
    if (attempt.type === 'lost') return this.history.complete(op, 'unknown', attempt.detail);
    const { status, body } = attempt.answer;
    if (status >= 400 && status < 500) return this.history.complete(op, 'failed', `${status} ${body.slice(0, 120)}`);
    if (status !== 200) return this.history.complete(op, 'unknown', `${status} ${body.slice(0, 120)}`);
    const answer = body.trim();
    if (op.kind === 'cas') op.swapped = answer === 'true';
    else if (answer !== 'true') return this.history.complete(op, 'unknown', `PUT answered ${answer}`);
    this.history.complete(op, 'ok');
  }

  private pickServer(): string {
    const servers = this.servers();
    return servers[this.random.int(servers.length)] ?? '127.0.0.1';
  }

  private nextValue(): string {
    this.sequence += 1;
    return `c${this.id}-${this.sequence}`;
  }
}
