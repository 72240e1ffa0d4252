// A latency probe for bench/proxy.ts: keep-alive HTTP/1.1 GETs on raw sockets, each request
// timed alone with hrtime, in its own process. Why not wrk for the low-load figures: on this
// 2-core VM, wrk -c1 puts about 1.5 ms of its own into the p99 even against nginx directly (0.17 ms
// with this probe), which swamps the quantity measured, the sub-millisecond p99 the hops add.
//
//   node dist/bench/latency-probe.js <port> <connections> <rate> <seconds>
// rate 0 = closed loop (each connection sends its next request when the answer is in); otherwise
// paced: the connections together send `rate` requests/s on a fixed schedule, a late answer's
// successor going out at once. Prints one JSON line: count, errors, p50/p99/p999/max in ms.

import { connect, type Socket } from 'node:net';

interface Outcome {
  readonly latenciesUs: number[];
  errors: number;
}

const headEnd = Buffer.from('\r\n\r\n');

/** Runs one connection until `untilNs`; each answer must carry a Content-Length (nginx's and the proxies' do). */
function probe(port: number, intervalNs: bigint, offsetNs: bigint, untilNs: bigint, outcome: Outcome): Promise<void> {
  const request = Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 'latin1');
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let pending: Buffer = Buffer.alloc(0);
    let sentNs = 0n;
    let nextNs = process.hrtime.bigint() + offsetNs;
    const send = (): void => {
      sentNs = process.hrtime.bigint();
      socket.write(request);
    };
    const schedule = (): void => {
      const nowNs = process.hrtime.bigint();
      if (nowNs >= untilNs) {
        socket.destroy();
        return;
      }
      if (intervalNs === 0n) return send();
      nextNs += intervalNs;
      const waitMs = Number(nextNs - nowNs) / 1e6;
      if (waitMs <= 0) send();
      else setTimeout(send, waitMs);
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const end = pending.indexOf(headEnd);
      if (end < 0) return;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(pending.toString('latin1', 0, end));
      if (length === null) {
        outcome.errors++;
        socket.destroy();
        return;
      }
      const total = end + 4 + Number(length[1]);
      if (pending.length < total) return;
      outcome.latenciesUs.push(Number(process.hrtime.bigint() - sentNs) / 1000);
      if (!pending.toString('latin1', 0, 12).startsWith('HTTP/1.1 200')) outcome.errors++;
      pending = pending.subarray(total);
      schedule();
    });
    socket.on('error', () => {
      outcome.errors++;
      socket.destroy();
    });
    socket.on('close', () => resolve());
    socket.once('connect', () => (intervalNs === 0n ? send() : setTimeout(send, Number(offsetNs) / 1e6)));
  });
}

function percentileMs(sortedUs: readonly number[], q: number): number {
  if (sortedUs.length === 0) return NaN;
  return (sortedUs[Math.min(sortedUs.length - 1, Math.floor(q * sortedUs.length))] ?? NaN) / 1000;
}

const [port, connections, rate, seconds] = process.argv.slice(2).map(Number);
if (!(port && connections && seconds !== undefined && seconds > 0 && rate !== undefined && rate >= 0)) {
  process.stderr.write('usage: latency-probe <port> <connections> <rate, 0 = closed loop> <seconds>\n');
  process.exit(2);
}
const outcome: Outcome = { latenciesUs: [], errors: 0 };
const untilNs = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
// Paced: each connection sends every connections/rate seconds, the connections evenly staggered.
const intervalNs = rate === 0 ? 0n : BigInt(Math.round((connections / rate) * 1e9));
await Promise.all(Array.from({ length: connections }, (_, i) => probe(port, intervalNs, (intervalNs * BigInt(i)) / BigInt(connections), untilNs, outcome)));
const sorted = outcome.latenciesUs.sort((a, b) => a - b);
const round = (ms: number): number => Math.round(ms * 1000) / 1000;
process.stdout.write(
  `${JSON.stringify({ count: sorted.length, rps: Math.round(sorted.length / seconds), errors: outcome.errors, p50_ms: round(percentileMs(sorted, 0.5)), p99_ms: round(percentileMs(sorted, 0.99)), p999_ms: round(percentileMs(sorted, 0.999)), max_ms: round((sorted.at(-1) ?? NaN) / 1000) })}\n`,
);
