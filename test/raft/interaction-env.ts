// The environment behind the interaction scripts (testdata/*.txt): a handful of RaftCores with
// MemoryStorage, a message queue the script delivers by hand, partitions, crashes and restarts.
// Every command returns the text it printed; the runner compares it with the script.
// Randomness is fixed (int() → 0) so every randomized election timeout equals electionTicks.

import {
  MemoryStorage,
  RaftCore,
  type ConfigChange,
  type Entry,
  type Message,
  type NodeId,
} from '../../src/raft/index.js';
import { describeEntry, describeMessage, describeReady } from './describe.js';
import { FIXED_RANDOM } from './harness.js';

interface EnvNode {
  id: NodeId;
  voters: NodeId[];
  core: RaftCore | undefined;
  storage: MemoryStorage;
  /** The state machine: applied normal entries' data, as text. */
  applied: string[];
  appliedIndex: number;
}

export interface Command {
  name: string;
  args: string[];
  options: Map<string, string>;
}

export class InteractionEnv {
  private readonly nodes = new Map<NodeId, EnvNode>();
  private queue: Message[] = [];
  private groups = new Map<NodeId, number>();
  private settings = { electionTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: true, maxInflightMessages: 256, maxEntriesPerMessage: 64, snapshotChunkBytes: 1024 };

  run(command: Command): string[] {
    const ids = command.args.map(Number);
    switch (command.name) {
      case 'add-nodes':
        return this.addNodes(Number(command.args[0]), command.options);
      case 'campaign':
        return this.onNode(ids[0], (core) => core.campaign());
      case 'tick-election':
        return this.onNode(ids[0], (core) => this.ticks(core, this.settings.electionTicks));
      case 'tick-heartbeat':
        return this.onNode(ids[0], (core) => this.ticks(core, this.settings.heartbeatTicks));
      case 'propose':
        return this.onNode(ids[0], (core) => this.printResult(core.propose(new TextEncoder().encode(command.args[1] ?? ''))));
      case 'propose-conf-change':
        return this.onNode(ids[0], (core) => this.printResult(core.proposeConfigChange({ type: command.args[1], node: Number(command.args[2]) } as ConfigChange)));
      case 'read-index':
        return this.onNode(ids[0], (core) => this.printResult(core.readIndex(Number(command.args[1]))));
      case 'transfer-leadership':
        return this.onNode(ids[0], (core) => this.printResult(core.transferLeadership(Number(command.args[1]))));
      case 'process-ready':
        return this.targets(ids).flatMap((id) => this.processReady(id));
      case 'deliver-msgs':
        return this.deliver(this.targets(ids));
      case 'stabilize':
        return this.stabilize(this.targets(ids));
      case 'status':
        return this.targets(ids).flatMap((id) => this.status(id));
      case 'raft-log':
        return this.targets(ids).flatMap((id) => this.raftLog(id));
      case 'partition':
        return this.partition(command.args);
      case 'heal':
        this.groups.clear();
        return [];
      case 'crash':
        return this.crash(ids);
      case 'restart':
        return this.targets(ids).flatMap((id) => this.restart(id));
      case 'compact':
        return this.compact(Number(command.args[0]), Number(command.args[1]));
      default:
        throw new Error(`unknown command ${command.name}`);
    }
  }

  private addNodes(count: number, options: Map<string, string>): string[] {
    const numeric = (name: string, fallback: number): number => Number(options.get(name) ?? fallback);
    const flag = (name: string, fallback: boolean): boolean => (options.get(name) ?? String(fallback)) === 'true';
    this.settings = {
      electionTicks: numeric('election', this.settings.electionTicks),
      heartbeatTicks: numeric('heartbeat', this.settings.heartbeatTicks),
      preVote: flag('prevote', this.settings.preVote),
      checkQuorum: flag('checkquorum', this.settings.checkQuorum),
      maxInflightMessages: numeric('inflight', this.settings.maxInflightMessages),
      maxEntriesPerMessage: numeric('max-entries', this.settings.maxEntriesPerMessage),
      snapshotChunkBytes: numeric('snapshot-chunk', this.settings.snapshotChunkBytes),
    };
    const first = this.nodes.size + 1;
    const newIds = Array.from({ length: count }, (_, i) => first + i);
    const votersOption = options.get('voters');
    const voters = votersOption === undefined ? newIds : votersOption === '' ? [] : votersOption.split(',').map(Number);
    for (const id of newIds) {
      const node: EnvNode = { id, voters, core: undefined, storage: new MemoryStorage(), applied: [], appliedIndex: 0 };
      this.nodes.set(id, node);
      this.start(node);
    }
    return [];
  }

  private start(node: EnvNode): void {
    node.core = new RaftCore({ id: node.id, voters: node.voters, ...this.settings, maxBytesPerMessage: 1024 * 1024, random: FIXED_RANDOM, storage: node.storage });
    this.restoreMachine(node);
  }

  /** The state machine restarts from the stored snapshot (its data: applied values, spaced). */
  private restoreMachine(node: EnvNode): void {
    const snapshot = node.storage.snapshot();
    const text = new TextDecoder().decode(snapshot.data);
    node.applied = text === '' ? [] : text.split(' ');
    node.appliedIndex = snapshot.meta.index;
  }

  private ticks(core: RaftCore, count: number): void {
    for (let i = 0; i < count; i++) core.tick();
  }

  private onNode(id: NodeId | undefined, action: (core: RaftCore) => string[] | void): string[] {
    const core = this.nodes.get(id ?? 0)?.core;
    if (core === undefined) return [`node ${id} is down`];
    return action(core) ?? [];
  }

  private printResult(result: { type: string; reason?: string; leader?: NodeId; index?: number }): string[] {
    if (result.type === 'ok') return result.index === undefined ? [] : [`ok index=${result.index}`];
    return [`dropped: ${result.reason} (leader ${result.leader})`];
  }

  private targets(ids: number[]): NodeId[] {
    return ids.length > 0 ? ids : [...this.nodes.keys()];
  }

  private processReady(id: NodeId): string[] {
    const node = this.nodes.get(id);
    const core = node?.core;
    if (node === undefined || core === undefined || !core.hasReady()) return [];
    const ready = core.ready();
    if (ready.snapshot !== undefined) {
      node.storage.applySnapshot(ready.snapshot);
      this.restoreMachine(node);
    }
    node.storage.append(ready.entries);
    if (ready.hardState !== undefined) node.storage.setHardState(ready.hardState);
    this.queue.push(...ready.messages);
    for (const entry of ready.committedEntries) this.apply(node, entry);
    core.advance(ready);
    return [`> ${id} handling Ready`, ...describeReady(ready).map((line) => `  ${line}`)];
  }

  private apply(node: EnvNode, entry: Entry): void {
    if (entry.type === 'normal' && entry.data.length > 0) node.applied.push(new TextDecoder().decode(entry.data));
    node.appliedIndex = entry.index;
  }

  private deliver(ids: NodeId[]): string[] {
    const lines: string[] = [];
    const keep: Message[] = [];
    const due = this.queue;
    this.queue = [];
    for (const message of due) {
      if (!ids.includes(message.to)) {
        keep.push(message);
        continue;
      }
      const core = this.nodes.get(message.to)?.core;
      if (core === undefined || !this.connected(message.from, message.to)) {
        lines.push(`dropped: ${describeMessage(message)}`);
        continue;
      }
      lines.push(describeMessage(message));
      core.step(message);
    }
    this.queue = [...keep, ...this.queue];
    return lines;
  }

  private stabilize(ids: NodeId[]): string[] {
    const lines: string[] = [];
    for (let round = 0; round < 100; round++) {
      const readies = ids.flatMap((id) => this.processReady(id));
      const delivered = this.deliver(ids);
      if (readies.length === 0 && delivered.length === 0) return lines;
      lines.push(...readies, ...delivered);
    }
    throw new Error('stabilize did not converge in 100 rounds');
  }

  private status(id: NodeId): string[] {
    const node = this.nodes.get(id);
    const core = node?.core;
    if (node === undefined || core === undefined) return [`${id}: down`];
    const s = core.status();
    const lines = [`${id}: term=${s.term} vote=${s.vote} role=${s.role} leader=${s.leader} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} voters=[${s.config.voters.join(',')}] learners=[${s.config.learners.join(',')}]`];
    for (const [peer, p] of s.progress) {
      lines.push(`  ${peer}: ${p.state} match=${p.match} next=${p.next}${p.inflight > 0 ? ` inflight=${p.inflight}` : ''}${p.isLearner ? ' learner' : ''}`);
    }
    if (node.applied.length > 0) lines.push(`  applied data: ${node.applied.join(' ')}`);
    return lines;
  }

  private raftLog(id: NodeId): string[] {
    const storage = this.nodes.get(id)?.storage;
    if (storage === undefined) return [`${id}: no such node`];
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    const lines = [`${id}: snapshot=${storage.snapshot().meta.term}/${storage.snapshot().meta.index} entries ${first}..${last}`];
    if (last >= first) lines.push(...storage.entries(first, last + 1, Infinity).map((entry) => `  ${describeEntry(entry)}`));
    return lines;
  }

  /** "partition 1 / 2 3": nodes on different sides of a slash cannot exchange messages. */
  private partition(args: string[]): string[] {
    this.groups.clear();
    let group = 0;
    for (const arg of args) {
      if (arg === '/') group++;
      else this.groups.set(Number(arg), group);
    }
    return [];
  }

  private connected(a: NodeId, b: NodeId): boolean {
    return (this.groups.get(a) ?? 0) === (this.groups.get(b) ?? 0);
  }

  private crash(ids: NodeId[]): string[] {
    for (const id of ids) {
      const node = this.nodes.get(id);
      if (node !== undefined) node.core = undefined;
    }
    return [];
  }

  private restart(id: NodeId): string[] {
    const node = this.nodes.get(id);
    if (node === undefined || node.core !== undefined) return [];
    this.start(node);
    return [];
  }

  /** "compact <id> <index>": the state machine snapshots at index; storage drops the log before it. */
  private compact(id: NodeId, index: number): string[] {
    const node = this.nodes.get(id);
    const core = node?.core;
    if (node === undefined || core === undefined) return [`node ${id} is down`];
    const data = new TextEncoder().encode(node.applied.join(' '));
    node.storage.createSnapshot(index, core.status().config, data);
    node.storage.compact(index);
    return [`${id}: snapshot at ${index} (${data.length} bytes), log now ${node.storage.firstIndex()}..${node.storage.lastIndex()}`];
  }
}
