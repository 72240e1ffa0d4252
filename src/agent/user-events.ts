// User events: named messages with an optional payload, fired at a datacenter and delivered to
// every agent whose node and services match the event's filters (Consul's agent/user_event.go).
// A fired event is gossiped (transport) and comes back to every agent, this one included, through
// ingest(), which applies the filters. Each agent keeps the most recent events in a ring for /v1/event/list; the
// list's blocking index is derived from the newest event's ID, not from the Raft index.

import { Packr } from 'msgpackr';
import { compileRegex, type RegexProgram, regexSearch } from '../filter/index.js';
import { badRequest } from '../lib/errors.js';
import { limits } from '../lib/limits.js';
import type { Random } from '../lib/random.js';
import type { UserEvent } from '../structs/event.js';

export type { UserEvent };


export interface FireRequest {
  readonly name: string;
  readonly payload: Buffer | null;
  readonly nodeFilter: string;
  readonly serviceFilter: string;
  readonly tagFilter: string;
}

export interface UserEventsDeps {
  readonly random: Random;
  readonly nodeName: () => string;
  /** This agent's services, for the service and tag filters. */
  readonly services: () => readonly { readonly Service: string; readonly Tags: readonly string[] }[];
}

const packr = new Packr({ useRecords: false });

function compileFilter(what: string, pattern: string): RegexProgram | undefined {
  if (pattern === '') return undefined;
  const compiled = compileRegex(pattern);
  if (!compiled.ok) throw badRequest(`Invalid ${what} filter: ${compiled.reason}`);
  return compiled.program;
}

/** Consul's uuidToUint64, folded to 53 bits so the index stays a safe JSON number; never 0. */
export function eventIndexOf(id: string): number {
  const hex = id.replace(/-/g, '');
  const low = BigInt(`0x${hex.slice(0, 16)}`);
  const high = BigInt(`0x${hex.slice(16, 32)}`);
  const folded = Number((low ^ high) & 0x1f_ffff_ffff_ffffn);
  return folded === 0 ? 1 : folded;
}

export class UserEvents {
  /**
   * Carries a fired event to every agent (the gossip pool), which hands it back to ingest() here
   * as to everyone. Unset (no pool yet): the event is ingested locally only.
   */
  transport: ((event: UserEvent, payload: Buffer | null) => void) | undefined;
  private readonly ring: UserEvent[] = [];
  private lamportTime = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly deps: UserEventsDeps) {}

  /** Validates and fires an event; returns it as Consul's fire endpoint does (LTime 0). */
  fire(request: FireRequest): UserEvent {
    if (request.name === '') throw badRequest('User event missing name');
    if (request.tagFilter !== '' && request.serviceFilter === '') throw badRequest('Cannot provide tag filter without service filter');
    compileFilter('node', request.nodeFilter);
    compileFilter('service', request.serviceFilter);
    compileFilter('tag', request.tagFilter);
    const event: UserEvent = {
      ID: this.deps.random.uuid(),
      Name: request.name,
      Payload: request.payload === null || request.payload.length === 0 ? null : request.payload.toString('base64'),
      NodeFilter: request.nodeFilter,
      ServiceFilter: request.serviceFilter,
      TagFilter: request.tagFilter,
      Version: 1,
      LTime: 0,
    };
    // Serf's limit is on the name plus the encoded event, before encryption and framing.
    const encodedBytes = Buffer.byteLength(event.Name) + packr.pack({ ...event, Payload: request.payload }).length;
    if (encodedBytes > limits.userEventBytesMax) throw badRequest(`user event exceeds configured limit of ${limits.userEventBytesMax} bytes before encoding`);
    if (this.transport !== undefined) this.transport(event, request.payload);
    else this.ingest({ ...event, LTime: ++this.lamportTime });
    return event;
  }

  /** Takes an event delivered to this agent; keeps it if the filters select this agent. */
  ingest(event: UserEvent): void {
    if (!this.selectsThisAgent(event)) return;
    this.lamportTime = Math.max(this.lamportTime, event.LTime);
    this.ring.push(Object.freeze(event));
    if (this.ring.length > limits.userEventsKept) this.ring.shift();
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Events kept, oldest first, optionally only those with one name. */
  list(name: string): readonly UserEvent[] {
    return name === '' ? [...this.ring] : this.ring.filter((event) => event.Name === name);
  }

  /** The blocking index of /v1/event/list: from the newest event's ID (1 when there is none). */
  get index(): number {
    const last = this.ring[this.ring.length - 1];
    return last === undefined ? 1 : eventIndexOf(last.ID);
  }

  /** Calls `wake` once, at the next event kept; returns a function that cancels the wait. */
  onNext(wake: () => void): () => void {
    const once = (): void => wake();
    this.waiters.add(once);
    return () => this.waiters.delete(once);
  }

  private selectsThisAgent(event: UserEvent): boolean {
    const node = compileFilter('node', event.NodeFilter);
    if (node !== undefined && !regexSearch(node, this.deps.nodeName())) return false;
    const service = compileFilter('service', event.ServiceFilter);
    if (service === undefined) return true;
    const tag = compileFilter('tag', event.TagFilter);
    return this.deps.services().some((candidate) => regexSearch(service, candidate.Service) && (tag === undefined || candidate.Tags.some((item) => regexSearch(tag, item))));
  }
}
