// `taxiway snapshot save|restore|inspect`: the servers' whole state to a file and back, and what a
// file holds, as Consul's command/snapshot/*. The file format is src/snapshot/file.ts; save
// verifies the file it wrote before reporting success, restore sends it as it is (the server
// checks it before anything changes), inspect reads it locally without an agent.

import { writeFile, readFile, rename, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { restoreSnapshot, saveSnapshot, type ClientFlags } from '../../src/api/index.js';
import { decodeStateSnapshot } from '../../src/catalog/snapshot.js';
import { StateStore } from '../../src/catalog/store.js';
import { decodeSnapshotFile, type SnapshotMeta } from '../../src/snapshot/file.js';
import { addConnectionFlags, fail, messageOf, output, withApiClient } from './client-options.js';

export function registerSnapshotCommands(program: Command): void {
  const snapshot = program.command('snapshot').description('Saves, restores and inspects snapshots of the servers\' state');
  addConnectionFlags(snapshot.command('save').description('Saves a snapshot of the servers\' state to a file').argument('[file]'), { server: true })
    .allowExcessArguments(true)
    .action((_file: string | undefined, flags: ClientFlags, command: Command) => runSave(flags, command.args));
  addConnectionFlags(snapshot.command('restore').description('Restores the servers\' state from a snapshot file').argument('[file]'), { server: false })
    .allowExcessArguments(true)
    .action((_file: string | undefined, flags: ClientFlags, command: Command) => runRestore(flags, command.args));
  snapshot
    .command('inspect')
    .description('Displays information about a snapshot file')
    .argument('[file]')
    .option('--format <format>', 'Output format {pretty|json}', 'pretty')
    .allowExcessArguments(true)
    .action((_file: string | undefined, flags: { format: string }, command: Command) => runInspect(flags.format, command.args));
}

/** The one FILE argument, or undefined after reporting Consul's error. */
function fileArgument(args: readonly string[]): string | undefined {
  if (args.length === 0) return void fail('Missing FILE argument');
  if (args.length > 1) return void fail(`Too many arguments (expected 1, got ${args.length})`);
  return args[0];
}

async function runSave(flags: ClientFlags, args: readonly string[]): Promise<void> {
  const file = fileArgument(args);
  if (file === undefined) return;
  await withApiClient(flags, async (client) => {
    let bytes: Buffer;
    try {
      bytes = (await saveSnapshot(client)).file;
    } catch (error) {
      return fail(`Error saving snapshot: ${messageOf(error)}`);
    }
    // Written beside the target and renamed once complete, so a failed save leaves no half file.
    const partial = `${file}.part`;
    try {
      await writeFile(partial, bytes);
      const { meta } = await decodeSnapshotFile(await readFile(partial));
      await rename(partial, file);
      output(`Saved and verified snapshot to index ${meta.Index}`);
    } catch (error) {
      await rm(partial, { force: true });
      fail(`Error verifying snapshot file: ${messageOf(error)}`);
    }
  });
}

async function runRestore(flags: ClientFlags, args: readonly string[]): Promise<void> {
  const file = fileArgument(args);
  if (file === undefined) return;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return fail(`Error opening snapshot file: ${messageOf(error)}`);
  }
  await withApiClient(flags, async (client) => {
    try {
      await restoreSnapshot(client, bytes);
      output('Restored snapshot');
    } catch (error) {
      fail(`Error restoring snapshot: ${messageOf(error)}`);
    }
  });
}

interface TypeStats {
  readonly Name: string;
  readonly Sum: number;
  readonly Count: number;
}

async function runInspect(format: string, args: readonly string[]): Promise<void> {
  const file = fileArgument(args);
  if (file === undefined) return;
  if (format !== 'pretty' && format !== 'json') return fail(`Error outputting enhanced snapshot data: Unknown format: ${format}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    return fail(`Error opening snapshot file: ${messageOf(error)}`);
  }
  let meta: SnapshotMeta;
  let stats: TypeStats[];
  try {
    const decoded = await decodeSnapshotFile(bytes);
    meta = decoded.meta;
    const state = decodeStateSnapshot(new StateStore(), decoded.state);
    stats = state.summary.filter((table) => table.rows > 0).map((table) => ({ Name: table.table, Sum: table.bytes, Count: table.rows }));
    stats.push({ Name: 'index', Sum: state.headerBytes, Count: state.indexes.keyIndexes.length });
    stats.sort((a, b) => (a.Sum !== b.Sum ? b.Sum - a.Sum : a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  } catch (error) {
    return fail(`Error reading snapshot: ${messageOf(error)}`);
  }
  const info = { ID: meta.ID, Size: meta.StateBytes, Index: meta.Index, Term: meta.Term, Version: meta.Version };
  if (format === 'json') return output(JSON.stringify({ Meta: info, Stats: stats, TotalSize: meta.StateBytes }, null, 3));
  output(prettyInspect(info, stats, meta.StateBytes));
}

/**
 * Consul's pretty formatter: a text/tabwriter (min width 8, padding 6) of the metadata, a blank
 * line, then the Type/Count/Size table. As in tabwriter, the last cell of the Total line is not
 * part of a column (nothing follows its tab), so it is not padded.
 */
export function prettyInspect(meta: { ID: string; Size: number; Index: number; Term: number; Version: number }, stats: readonly TypeStats[], totalBytes: number): string {
  const block = (rows: readonly (readonly string[])[]): string[] => {
    const widths: number[] = [];
    for (const row of rows) row.slice(0, -1).forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 8, cell.length + 6)));
    return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join(''));
  };
  const head = block([
    [' ID', meta.ID],
    [' Size', String(meta.Size)],
    [' Index', String(meta.Index)],
    [' Term', String(meta.Term)],
    [' Version', String(meta.Version)],
  ]);
  const dashes = [' ----', '----', '----', ''];
  const table = block([[' Type', 'Count', 'Size', ''], dashes, ...stats.map((s) => [` ${s.Name}`, String(s.Count), byteSize(s.Sum), '']), dashes, [' Total', '', byteSize(totalBytes)]]);
  return [...head, '', ...table].join('\n');
}

/** Consul's ByteSize: binary units, one decimal, ".0" dropped, "0" for nothing. */
export function byteSize(bytes: number): string {
  const units: [number, string][] = [
    [2 ** 40, 'TB'],
    [2 ** 30, 'GB'],
    [2 ** 20, 'MB'],
    [2 ** 10, 'KB'],
    [1, 'B'],
  ];
  if (bytes === 0) return '0';
  const [size, unit] = units.find(([threshold]) => bytes >= threshold) ?? [1, 'B'];
  // Go's FormatFloat rounds an exact tie to even (1.25 → "1.2"); toFixed would round it up. The
  // value is bytes / 2^k, so tenths is exact and a tie shows as a fraction of exactly one half.
  const tenths = (bytes / size) * 10;
  const rounded = tenths - Math.floor(tenths) === 0.5 ? Math.floor(tenths) + (Math.floor(tenths) % 2) : Math.round(tenths);
  return `${(rounded / 10).toFixed(1).replace(/\.0$/, '')}${unit}`;
}
