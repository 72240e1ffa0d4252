// What a server keeps about its Raft directory besides the log: whether it holds state from an
// earlier run, and the voters it was bootstrapped with. Raft keeps a configuration in snapshots
// and in the membership entries of the log, but not the first one it was opened with; without it
// a whole cluster restarted before its first snapshot would come back with no voters and never
// elect. So the bootstrap voters are written (and fsynced) before Raft first starts, and passed to
// it again at every start; a snapshot's configuration and later membership entries override them.

import { access, mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeId } from '../../raft/messages.js';
import { WalStorage } from '../../raft/driver/wal-storage.js';

const bootstrapFile = 'bootstrap-voters.json';

/** A hard state with a term, log entries or a snapshot: this server must restart, not bootstrap. */
export async function raftStateExists(dir: string): Promise<boolean> {
  const exists = await access(dir).then(
    () => true,
    () => false,
  );
  if (!exists) return false;
  const storage = await WalStorage.open(dir);
  try {
    const { hardState } = storage.initialState();
    return hardState.term > 0 || storage.lastIndex() > 0 || storage.snapshot().meta.index > 0;
  } finally {
    await storage.close();
  }
}

/** Writes the bootstrap voters durably (temp file, fsync, rename, fsync of the directory). */
export async function saveBootstrapVoters(dir: string, voters: readonly NodeId[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${bootstrapFile}.tmp`);
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(JSON.stringify(voters));
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, join(dir, bootstrapFile));
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

/** The voters saved by saveBootstrapVoters, or [] when there are none (a server that joined). */
export async function loadBootstrapVoters(dir: string): Promise<NodeId[]> {
  const text = await readFile(join(dir, bootstrapFile), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  const voters = JSON.parse(text) as unknown;
  if (!Array.isArray(voters) || !voters.every((voter) => Number.isSafeInteger(voter) && (voter as number) > 0)) {
    throw new Error(`${join(dir, bootstrapFile)} is damaged: expected an array of Raft ids`);
  }
  return voters as NodeId[];
}
