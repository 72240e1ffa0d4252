// Framed RPC connection (src/rpc/wire) benchmark. Run: npm run bench:wire
//
// A WireServer in a child process (its own core) echoes an AppendEntries-like body (the same
// shape as shared/reference/libbench/rpc-bench.mjs: ids, terms, indexes and 130 data bytes);
// this process calls it through a WirePool over loopback with 1 and then 64 calls in flight, for
// BENCH_SECONDS (default 3) each, and prints calls/s with p50/p99 round trip. The same pair is run
// over TLS (openssl-made EC certificates) when openssl is installed, and the library measurements'
// bare socket loop is rerun at the end so the ratio holds on a busy machine. Printed beside the library
// measurements' raw net.Socket + msgpackr loop on this box (library-measurements.md §3):
// 1 in flight 31–41k/s, p50 0.022–0.024 ms; 64 in flight 86–99k/s, p50 0.55–0.58 ms, p99 4.2–5.1 ms.

import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TlsOptions } from 'node:tls';
import { Packr } from 'msgpackr';
import { SystemClock } from '../src/lib/clock.js';
import { SeededRandom } from '../src/lib/random.js';
import { methodTable } from '../src/rpc/wire/method-table.js';
import { WirePool } from '../src/rpc/wire/wire-pool.js';
import { WireServer } from '../src/rpc/wire/wire-server.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 3);
const message = (id: number): object => ({ id, term: 7, leader: 'node-1', prevIndex: 123456, prevTerm: 6, commit: 123450, data: Buffer.alloc(130, 1) });

interface Certificates {
  ca: string;
  key: string;
  cert: string;
}

/** The library measurements' bare echo server: [u32 length][msgpackr] frames, decode + re-encode, no envelope. */
function serveBare(): void {
  const packr = new Packr({ useRecords: false });
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const out: Buffer[] = [];
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        const length = buffered.readUInt32BE(0);
        const body = packr.pack(packr.unpack(buffered.subarray(4, 4 + length)));
        const header = Buffer.allocUnsafe(4);
        header.writeUInt32BE(body.length);
        out.push(header, body);
        buffered = buffered.subarray(4 + length);
      }
      if (out.length > 0) socket.write(Buffer.concat(out));
    });
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
  process.on('disconnect', () => process.exit(0));
}

/** The bare client: ids in a Map, one write per call, the same message; returns calls/s. */
async function bareClient(port: number, inFlight: number): Promise<number> {
  const packr = new Packr({ useRecords: false });
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const waiting = new Map<number, () => void>();
  let buffered: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
      const length = buffered.readUInt32BE(0);
      const reply = packr.unpack(buffered.subarray(4, 4 + length)) as { id: number };
      buffered = buffered.subarray(4 + length);
      waiting.get(reply.id)?.();
      waiting.delete(reply.id);
    }
  });
  let next = 0;
  let done = 0;
  const call = (): Promise<void> =>
    new Promise((resolve) => {
      const id = next++;
      waiting.set(id, resolve);
      const body = packr.pack(message(id));
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(body.length);
      socket.write(Buffer.concat([header, body]));
    });
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end && done < 2_000_000) {
        await call();
        done++;
      }
    }),
  );
  socket.destroy();
  return done / ((performance.now() - start) / 1000);
}

async function serve(): Promise<void> {
  const certificates = process.env.BENCH_TLS_DIR;
  const tls: TlsOptions | undefined = certificates === undefined ? undefined : { key: readFileSync(join(certificates, 'leaf.key')), cert: readFileSync(join(certificates, 'leaf.pem')) };
  const server = await WireServer.listen({
    host: '127.0.0.1',
    port: 0,
    clock: new SystemClock(),
    ...(tls === undefined ? {} : { tls }),
    protocols: { raft: { versionMin: 1, versionMax: 1, handlers: methodTable({ echo: (body) => Promise.resolve(body) }) } },
  });
  process.send?.({ port: server.address().port });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function measure(pool: WirePool, address: string, inFlight: number): Promise<{ perSec: number; p50: number; p99: number }> {
  for (let k = 0; k < 2000; k++) await pool.call(address, 'echo', message(k)); // warm-up (JIT, socket buffers)
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && latencies.length < 2_000_000) {
      const before = performance.now();
      await pool.call(address, 'echo', message(next++));
      latencies.push(performance.now() - before);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsedSec = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSec: latencies.length / elapsedSec, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
}

function startServer(env: NodeJS.ProcessEnv, mode = '--serve'): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(new URL(import.meta.url).pathname, [mode], { env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    child.once('message', (reply) => resolve({ child, port: (reply as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}

function makeCertificates(dir: string): Certificates | undefined {
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.pem', '-days', '1', '-subj', '/CN=bench', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir, stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const pem = readFileSync(join(dir, 'leaf.pem'), 'utf8');
  return { ca: pem, key: readFileSync(join(dir, 'leaf.key'), 'utf8'), cert: pem };
}

async function runVariant(label: string, certificates: Certificates | undefined, dir: string): Promise<Record<number, { perSec: number; p50: number; p99: number }>> {
  const { child, port } = await startServer(certificates === undefined ? {} : { BENCH_TLS_DIR: dir });
  const pool = new WirePool({ clock: new SystemClock(), random: new SeededRandom(1), protocol: 'raft', version: 1, ...(certificates === undefined ? {} : { tls: { ca: certificates.ca } }) });
  const results: Record<number, { perSec: number; p50: number; p99: number }> = {};
  try {
    for (const inFlight of [1, 64]) {
      const result = await measure(pool, `127.0.0.1:${port}`, inFlight);
      results[inFlight] = result;
      console.log(`${label}, ${String(inFlight).padStart(2)} in flight: ${Math.round(result.perSec)} calls/s, p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms`);
    }
  } finally {
    await pool.close();
    child.disconnect();
  }
  return results;
}

async function main(): Promise<void> {
  console.log(`WirePool → WireServer (child process) over 127.0.0.1, echo of an AppendEntries-like body, ${seconds} s per cell`);
  const dir = mkdtempSync(join(tmpdir(), 'taxiway-bench-wire-'));
  try {
    const plain = await runVariant('tcp', undefined, dir);
    const certificates = makeCertificates(dir);
    if (certificates === undefined) console.log('tls: skipped (no openssl)');
    else await runVariant('tls', certificates, dir);
    const one = plain[1];
    const many = plain[64];
    const bare = await startServer({}, '--serve-bare');
    const bareOne = await bareClient(bare.port, 1);
    const bareMany = await bareClient(bare.port, 64);
    bare.child.disconnect();
    console.log(`bare loop now (same machine, same moment): 1 in flight ${Math.round(bareOne)}/s, 64 in flight ${Math.round(bareMany)}/s`);
    if (one !== undefined && many !== undefined) console.log(`  WirePool / bare: 1 in flight ${(one.perSec / bareOne).toFixed(2)}, 64 in flight ${(many.perSec / bareMany).toFixed(2)}`);
    console.log('');
    console.log('compared with library-measurements.md §3 (raw net.Socket + msgpackr loop, no pool/handlers/timeouts):');
    if (one !== undefined) console.log(`  1 in flight: ${Math.round(one.perSec)}/s vs 31–41k/s; p50 ${one.p50.toFixed(3)} vs 0.022–0.024 ms`);
    if (many !== undefined) console.log(`  64 in flight: ${Math.round(many.perSec)}/s vs 86–99k/s (ratio ${(many.perSec / 92_500).toFixed(2)} of the midpoint); p50 ${many.p50.toFixed(3)} vs 0.55–0.58 ms; p99 ${many.p99.toFixed(3)} vs 4.2–5.1 ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve-bare')) serveBare();
else if (process.argv.includes('--serve')) await serve();
else await main();
