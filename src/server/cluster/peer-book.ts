// PeerBook: the servers of this datacenter by Raft id, with their RPC addresses. The transport
// sends Raft messages to these addresses and the router forwards calls to the leader's. Entries
// come from hellos (bootstrap and joins) and from the catalog's `consul` service, which the leader
// keeps for every server, so a restarted server or one added later is reachable by all. The book
// is saved to <data_dir>/raft/peers.json so a restarted server can reach its peers before the
// catalog replays (a cache: losing it only delays reconnection until a hello).

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { serviceInstances } from '../../catalog/reads/catalog.js';
import type { StateStore } from '../../catalog/store.js';
import { type Unwatch, WatchSet } from '../../catalog/watch.js';
import { limits } from '../../lib/limits.js';
import type { NodeId } from '../../raft/messages.js';
import { raftIdOf, type ServerInfo } from './server-info.js';

export class PeerBook {
  private readonly byId = new Map<NodeId, ServerInfo>();
  private readonly listeners: ((id: NodeId, info: ServerInfo) => void)[] = [];
  private saving: Promise<void> = Promise.resolve();
  private unwatch: Unwatch | undefined;

  constructor(private readonly file: string | undefined) {}

  /** Reads the book saved by an earlier run, if any. */
  async restore(): Promise<void> {
    if (this.file === undefined) return;
    const text = await readFile(this.file, 'utf8').catch(() => '[]');
    try {
      const saved = JSON.parse(text) as unknown;
      if (Array.isArray(saved)) for (const info of saved as unknown[]) if (isServerInfo(info)) this.add(info);
    } catch {
      // A damaged cache is rebuilt from hellos and the catalog.
    }
  }

  /** Calls `listener` for every server added or whose address changed. */
  onChange(listener: (id: NodeId, info: ServerInfo) => void): void {
    this.listeners.push(listener);
    for (const [id, info] of this.byId) listener(id, info);
  }

  add(info: ServerInfo): void {
    const id = raftIdOf(info.id);
    const known = this.byId.get(id);
    if (known !== undefined && known.address === info.address && known.name === info.name) return;
    if (known === undefined && this.byId.size >= limits.clusterServersMax) return;
    this.byId.set(id, info);
    for (const listener of this.listeners) listener(id, info);
    this.save();
  }

  get(id: NodeId): ServerInfo | undefined {
    return this.byId.get(id);
  }

  all(): ServerInfo[] {
    return [...this.byId.values()];
  }

  /** Follows the catalog's `consul` service: every server the leader registered becomes known. */
  followCatalog(store: StateStore, datacenter: string): void {
    const watch = new WatchSet();
    for (const { node, service } of serviceInstances(store, watch, 'consul', false).value) {
      if (node.ID !== '' && service.Port > 0) this.add({ id: node.ID, name: node.Node, address: `${service.Address || node.Address}:${service.Port}`, datacenter });
    }
    const unwatch = store.watch(watch.keys, () => {
      unwatch();
      this.followCatalog(store, datacenter);
    });
    this.unwatch = unwatch;
  }

  stop(): Promise<void> {
    this.unwatch?.();
    return this.saving;
  }

  private save(): void {
    const file = this.file;
    if (file === undefined) return;
    const text = JSON.stringify(this.all());
    this.saving = this.saving.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const temporary = join(dirname(file), '.peers.json.tmp');
      await writeFile(temporary, text);
      await rename(temporary, file);
    }).catch(() => undefined);
  }
}

function isServerInfo(value: unknown): value is ServerInfo {
  if (typeof value !== 'object' || value === null) return false;
  const { id, name, address, datacenter } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof name === 'string' && typeof address === 'string' && typeof datacenter === 'string';
}
