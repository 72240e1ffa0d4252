// The node ID: from config when given; otherwise read from <data-dir>/node-id, or generated and
// written there so that it survives restarts (Consul's behaviour). A dev agent without a data dir
// gets a fresh random ID each start.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Random } from '../lib/random.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function resolveNodeId(configured: string, dataDir: string, random: Random): Promise<string> {
  if (configured !== '') return configured;
  if (dataDir === '') return random.uuid();
  const file = join(dataDir, 'node-id');
  try {
    const stored = (await readFile(file, 'utf8')).trim().toLowerCase();
    if (uuidPattern.test(stored)) return stored;
    throw new Error(`${file}: expected a UUID, found ${JSON.stringify(stored.slice(0, 40))}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const generated = random.uuid();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, generated, { mode: 0o600 });
  return generated;
}
