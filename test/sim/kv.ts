// The simulator's state machine: a tiny key-value register map. Commands are JSON, so the
// snapshot (the whole map) is JSON too; both are opaque bytes to Raft.

export interface PutCommand {
  key: string;
  value: string;
}

export function encodePut(command: PutCommand): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(command));
}

export function decodePut(data: Uint8Array): PutCommand {
  return JSON.parse(new TextDecoder().decode(data)) as PutCommand;
}

export class KvStateMachine {
  private values = new Map<string, string>();

  apply(data: Uint8Array): void {
    if (data.length === 0) return; // a leader's no-op
    const { key, value } = decodePut(data);
    this.values.set(key, value);
  }

  get(key: string): string {
    return this.values.get(key) ?? '';
  }

  snapshot(): Uint8Array {
    return new TextEncoder().encode(JSON.stringify([...this.values].sort()));
  }

  static restore(data: Uint8Array): KvStateMachine {
    const machine = new KvStateMachine();
    if (data.length > 0) machine.values = new Map(JSON.parse(new TextDecoder().decode(data)) as [string, string][]);
    return machine;
  }
}
