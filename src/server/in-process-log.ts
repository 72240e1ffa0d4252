// The single-node log of a dev server: each proposal takes the next index, is encoded exactly as it
// would be for Raft, and is applied at once. Nothing is written to disk: a dev server is in-memory.
// Encoding and decoding every command keeps dev honest: a command that does not survive the trip
// through the wire format fails here, not first in a cluster. Its server is always the leader.

import { type Command, encodeCommand } from '../catalog/commands.js';
import type { Fsm } from '../catalog/fsm.js';
import type { CommandLog } from './command-log.js';
import type { Leadership } from './leadership.js';

export class InProcessLog implements CommandLog, Leadership {
  private lastIndex = 0;

  constructor(
    private readonly fsm: Fsm,
    /** This server's RPC address, its own leader's. */
    private readonly selfAddress: string,
  ) {}

  get appliedIndex(): number {
    return this.lastIndex;
  }

  propose(command: Command): Promise<unknown> {
    const index = ++this.lastIndex;
    const result = this.fsm.apply(index, encodeCommand(command));
    return result.ok ? Promise.resolve(result.value) : Promise.reject(result.error);
  }

  isLeader(): boolean {
    return true;
  }

  leaderAddress(): string {
    return this.selfAddress;
  }

  lastContactMs(): number {
    return 0;
  }

  barrier(): Promise<void> {
    return Promise.resolve();
  }

  waitForLeader(): Promise<string> {
    return Promise.resolve(this.selfAddress);
  }

  peers(): string[] {
    return [this.selfAddress];
  }
}
