// Dialing the local app from the public listener's L7 handlers (h2c sessions, upgrades), bounded
// by the local connect timeout (Consul's local_connect_timeout_ms).

import { connect as netConnect, type Socket } from 'node:net';
import type { Clock } from '../../lib/clock.js';

/** Dials the local app (bounded by the local connect timeout). */
export function dialLocal(host: string, port: number, clock: Clock, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host, port, allowHalfOpen: true });
    const timer = clock.setTimer(timeoutMs, () => socket.destroy(new Error(`local app connect timeout after ${timeoutMs} ms`)));
    socket.once('error', (error) => {
      timer.cancel();
      reject(error);
    });
    socket.once('connect', () => {
      timer.cancel();
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

