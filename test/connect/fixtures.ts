// Builders for the CA tests: a root of any key type, leaves signed through the real CSR path
// (agent-side createLeafRequest → server-side signCsr), and openssl run on temporary files.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLeafRequest } from '../../src/connect/ca/csr.js';
import { parseCsr } from '../../src/connect/ca/csr-parse.js';
import { LeafSigner } from '../../src/connect/ca/leaf-signer.js';
import { generateRoot, rotatedRoots } from '../../src/connect/ca/new-root.js';
import { defaultProviderConfig } from '../../src/connect/ca/provider-config.js';
import { signCsr } from '../../src/connect/ca/sign.js';
import { formatServiceSpiffeId } from '../../src/connect/spiffe.js';
import { SeededRandom } from '../../src/lib/random.js';
import type { CaKeyType, CaRoot, IssuedCert } from '../../src/structs/connect-ca.js';

export const clusterId = '11111111-2222-3333-4444-555555555555';
export const trustDomain = `${clusterId}.consul`;
export const nowMs = Date.now();

export function makeRoot(type: CaKeyType = 'ec', bits = 256, seed = 1): Promise<CaRoot> {
  return generateRoot({ config: { ...defaultProviderConfig, PrivateKeyType: type, PrivateKeyBits: bits }, clusterId, nowMs, random: new SeededRandom(seed) });
}

export async function rotate(from: CaRoot, type: CaKeyType = 'ec', bits = 256): Promise<{ roots: CaRoot[]; next: CaRoot }> {
  const fresh = await makeRoot(type, bits, 99);
  const roots = await rotatedRoots([from], fresh, clusterId, nowMs);
  return { roots, next: roots.find((root) => root.Active) as CaRoot };
}

export interface Leaf {
  readonly cert: IssuedCert;
  readonly keyPem: string;
}

export async function issueLeaf(root: CaRoot, service: string, domain = trustDomain): Promise<Leaf> {
  const uri = formatServiceSpiffeId({ trustDomain: domain, namespace: 'default', datacenter: 'dc1', service });
  const request = await createLeafRequest(uri, [`${service}.service.consul`]);
  const cert = signCsr({
    csr: parseCsr(request.csrPem),
    trustDomain: domain,
    datacenter: 'dc1',
    leafTtlMs: 72 * 3_600_000,
    nowMs,
    random: new SeededRandom(5),
    root,
    signer: new LeafSigner(root.SigningCert, root.SigningKey),
    index: 1,
  });
  return { cert, keyPem: request.privateKeyPem };
}

const execFileAsync = promisify(execFile);

/** Runs openssl with files written from `files` (name → content); `{name}` in args becomes its path. */
export async function openssl(args: readonly string[], files: Readonly<Record<string, string>>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'taxiway-ca-'));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    const resolved = args.map((arg) => arg.replace(/\{([\w.-]+)\}/g, (_, name: string) => join(dir, name)));
    const { stdout } = await execFileAsync('openssl', resolved);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first PEM block of a chain. */
export const firstPem = (chain: string): string => `${chain.split('-----END CERTIFICATE-----')[0] as string}-----END CERTIFICATE-----\n`;
