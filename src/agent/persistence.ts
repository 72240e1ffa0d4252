// Services and checks registered through the API survive a restart when the agent has a data dir,
// as in Consul (agent.persistService/persistCheck, loadServices/loadChecks): one JSON file per entry
// under <data_dir>/services/ and <data_dir>/checks/, named by the MD5 of its ID (IDs may hold any
// character; file names may not). Config-file entries are not written: the files are their record.
//
// Writes are atomic — temporary file, fsync, rename, fsync of the directory — so a crash leaves the
// old file or the new one, never half of either. Writes of one entry run in order. A check's
// status changes are not written with it (it restarts at its initial status, as in Consul),
// except for TTL checks: their last report goes to <data_dir>/checks/state/ with its expiry, and
// a restart within the TTL brings the status back (Consul's persistCheckState/loadCheckState).

import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import type { Clock } from '../lib/clock.js';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { CheckDefinition } from '../structs/check.js';
import type { HealthCheckContent, NodeServiceContent } from '../structs/registration.js';
import type { LocalChange, LocalCheck, LocalService, LocalState } from './local-state.js';

interface PersistedService {
  readonly Service: NodeServiceContent;
  readonly Token: string;
}

interface PersistedCheck {
  readonly Check: HealthCheckContent;
  readonly Definition: CheckDefinition | null;
  readonly Token: string;
}

/** The last report of a TTL check, kept until it would have expired. */
interface PersistedCheckState {
  readonly CheckID: string;
  readonly Status: HealthCheckContent['Status'];
  readonly Output: string;
  /** Wall-clock ms after which the report no longer holds. */
  readonly ExpiresMs: number;
}

const fileNameOf = (id: string): string => createHash('md5').update(id).digest('hex');

async function writeAtomic(dir: string, name: string, text: string): Promise<void> {
  const path = join(dir, name);
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  const directory = await open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

async function readJsonFiles(dir: string, logger: Logger): Promise<unknown[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: unknown[] = [];
  for (const name of names.filter((entry) => !entry.endsWith('.tmp')).sort()) {
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')));
    } catch (error) {
      logger.error({ err: error, file: join(dir, name) }, 'skipping an unreadable persisted registration');
    }
  }
  return out;
}

export class Persistence {
  private readonly servicesDir: string;
  private readonly checksDir: string;
  private readonly checkStateDir: string;
  /** What each file holds now, to skip rewrites that change nothing (status updates). */
  private readonly written = new Map<string, string>();
  /** Per-file write chains: the writes of one entry land in the order they were made. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    dataDir: string,
    private readonly local: LocalState,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {
    this.servicesDir = join(dataDir, 'services');
    this.checksDir = join(dataDir, 'checks');
    this.checkStateDir = join(dataDir, 'checks', 'state');
  }

  /** Reads back what earlier runs persisted into local state (as API registrations). */
  async restore(): Promise<{ services: number; checks: number }> {
    await mkdir(this.servicesDir, { recursive: true, mode: 0o700 });
    await mkdir(this.checkStateDir, { recursive: true, mode: 0o700 });
    // Files are ours, but a disk or an editor may have damaged them: only well-shaped entries load.
    const services = (await readJsonFiles(this.servicesDir, this.logger)).filter((entry): entry is PersistedService => typeof (entry as Partial<PersistedService> | null)?.Service?.ID === 'string');
    const checks = (await readJsonFiles(this.checksDir, this.logger)).filter((entry): entry is PersistedCheck => typeof (entry as Partial<PersistedCheck> | null)?.Check?.CheckID === 'string');
    for (const entry of services) {
      this.local.addService({ service: entry.Service, token: entry.Token, source: 'api' }, [], false);
      this.written.set(`s:${entry.Service.ID}`, JSON.stringify(entry));
    }
    const states = new Map(
      (await readJsonFiles(this.checkStateDir, this.logger))
        .filter((state): state is PersistedCheckState => typeof (state as Partial<PersistedCheckState> | null)?.CheckID === 'string')
        .filter((state) => state.ExpiresMs > this.clock.nowMs())
        .map((state) => [state.CheckID, state]),
    );
    let restoredChecks = 0;
    for (const entry of checks) {
      if (entry.Check.ServiceID !== '' && this.local.service(entry.Check.ServiceID) === undefined) continue;
      const state = states.get(entry.Check.CheckID);
      const check = state === undefined ? entry.Check : { ...entry.Check, Status: state.Status, Output: state.Output };
      this.local.addCheck({ check, definition: entry.Definition ?? undefined, token: entry.Token, source: 'api' });
      this.written.set(`c:${entry.Check.CheckID}`, JSON.stringify(entry));
      restoredChecks++;
    }
    return { services: services.length, checks: restoredChecks };
  }

  /** Starts writing every API registration change; returns the unsubscribe function. */
  watch(): () => void {
    return this.local.onChange((change) => this.onChange(change));
  }

  /** Resolves once every write started so far has landed. */
  async flush(): Promise<void> {
    await Promise.all(this.chains.values());
  }

  private onChange(change: LocalChange): void {
    if (change.kind === 'service') this.persistService(change.id, this.local.service(change.id));
    else if (change.kind === 'check') {
      const entry = this.local.check(change.id);
      if (change.outputOnly !== true) this.persistCheck(change.id, entry);
      this.persistCheckState(change.id, entry);
    }
  }

  /** A TTL check's last report, with when it runs out; removed with the check. */
  private persistCheckState(id: string, entry: LocalCheck | undefined): void {
    const ttlMs = entry?.definition?.TTL ?? 0;
    if (entry !== undefined && (entry.source !== 'api' || ttlMs <= 0)) return;
    const content =
      entry === undefined ? undefined : JSON.stringify({ CheckID: id, Status: entry.check.Status, Output: entry.check.Output, ExpiresMs: this.clock.nowMs() + ttlMs } satisfies PersistedCheckState);
    this.enqueue(`t:${id}`, this.checkStateDir, fileNameOf(id), content);
  }

  private persistService(id: string, entry: LocalService | undefined): void {
    const content = entry === undefined || entry.source !== 'api' ? undefined : JSON.stringify({ Service: entry.service, Token: entry.token } satisfies PersistedService);
    this.enqueue(`s:${id}`, this.servicesDir, fileNameOf(id), content);
  }

  private persistCheck(id: string, entry: LocalCheck | undefined): void {
    let content: string | undefined;
    if (entry !== undefined && entry.source === 'api') {
      // Written at its initial status: a restart begins the check afresh, as Consul's does.
      const initialStatus = entry.definition === undefined ? entry.check.Status : ((entry.definition.Status || 'critical') as HealthCheckContent['Status']);
      const check = { ...entry.check, Status: initialStatus, Output: '' };
      content = JSON.stringify({ Check: check, Definition: entry.definition ?? null, Token: entry.token } satisfies PersistedCheck);
    }
    this.enqueue(`c:${id}`, this.checksDir, fileNameOf(id), content);
  }

  /** content undefined: the file is removed. */
  private enqueue(key: string, dir: string, name: string, content: string | undefined): void {
    if (this.written.get(key) === content) return;
    if (content === undefined) this.written.delete(key);
    else this.written.set(key, content);
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => (content === undefined ? rm(join(dir, name), { force: true }) : writeAtomic(dir, name, content)))
      .catch((error: unknown) => this.logger.error({ err: error, entry: key }, 'persisting a registration failed'));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }
}
