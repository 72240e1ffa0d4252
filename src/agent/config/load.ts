// Reads the config files and directories named on the command line, in the order given, as
// Consul's builder does (agent/config/builder.go sourcesFromPath): a path that is a file is read
// whatever flag named it; a directory contributes its *.json and *.hcl files in lexical order of
// their names, following symlinks but not descending into subdirectories. Other files are skipped
// with a warning.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import type { ConfigFragment } from './fragment.js';
import { parseConfigText, type ConfigFormat } from './parse.js';

/** A -config-file or -config-dir argument, kept in command-line order. */
export interface ConfigPath {
  readonly flag: '-config-file' | '-config-dir';
  readonly path: string;
}

export interface LoadedFiles {
  readonly fragments: ConfigFragment[];
  /** The files read, in merge order. */
  readonly sources: string[];
}

export async function readConfigPaths(paths: readonly ConfigPath[], warnings: string[]): Promise<LoadedFiles> {
  const loaded: LoadedFiles = { fragments: [], sources: [] };
  for (const { flag, path } of paths) {
    const info = await statOrFail(path, flag);
    const files = info.isDirectory() ? await configFilesIn(path, warnings) : [path];
    for (const file of files) {
      const format = formatOf(file);
      if (format === undefined) {
        warnings.push(`skipping file ${file}, extension must be .hcl or .json`);
        continue;
      }
      const text = await readFileOrFail(file, flag);
      loaded.fragments.push({ source: file, values: parseConfigText(text, format, file) });
      loaded.sources.push(file);
    }
  }
  return loaded;
}

/** The config files of a directory in lexical (byte) order, as Go's sort by name. */
async function configFilesIn(directory: string, warnings: string[]): Promise<string[]> {
  const names = (await readdir(directory)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const files: string[] = [];
  for (const name of names) {
    const path = join(directory, name);
    const info = await statOrFail(path, '-config-dir');
    if (info.isDirectory()) continue;
    if (formatOf(path) === undefined) {
      warnings.push(`skipping file ${path}, extension must be .hcl or .json`);
      continue;
    }
    files.push(path);
  }
  return files;
}

function formatOf(path: string): ConfigFormat | undefined {
  if (path.endsWith('.json')) return 'json';
  if (path.endsWith('.hcl')) return 'hcl';
  return undefined;
}

async function statOrFail(path: string, flag: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (error) {
    throw new ConfigError('command line', flag, `expected a readable config file or directory, got ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

async function readFileOrFail(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('command line', flag, `expected a readable config file, got ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
