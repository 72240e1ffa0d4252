// DnsServer: the UDP and TCP listeners (one pair per address in addresses.dns / client_addr) in
// front of handler.ts, with the limits of src/lib/limits.ts:
//
//   - at most dnsInFlightMax requests answered at once; further UDP datagrams are dropped (the
//     client retries) and TCP connections stop being read until answers go out;
//   - TCP: at most dnsTcpConnectionsMax connections; frames (2-byte length prefix) above
//     dnsRequestBytesMax cut the connection; a connection without a complete request for
//     dnsTcpIdleMs is closed, which is how slow clients are timed out; at most dnsTcpPipelinedMax
//     unanswered requests per connection.

import type { Socket as UdpSocket } from 'node:dgram';
import { isIPv6, type Server as TcpServer, type Socket } from 'node:net';
import type { Timer } from '../lib/clock.js';
import { limits } from '../lib/limits.js';
import { bindUdpTcpPair } from '../lib/udp-tcp-pair.js';
import { AnswerCache } from './answer-cache.js';
import { cachedReply, handleRequest, type HandlerDeps } from './handler.js';

export interface DnsServerOptions {
  readonly addresses: readonly string[];
  readonly port: number;
}

export class DnsServer {
  private readonly udpSockets: UdpSocket[] = [];
  private readonly tcpServers: TcpServer[] = [];
  private readonly connections = new Set<Socket>();
  private inFlight = 0;
  /** Replies to repeated questions, valid until the catalog changes (answer-cache.ts). */
  private readonly cache = new AnswerCache();
  /** The DnsConfig the cached replies were built with; a reload drops them. */
  private cachedConfig: unknown;
  /** "ip:port" of each UDP listener (the same ports serve TCP). */
  readonly addresses: string[] = [];

  private constructor(private readonly deps: HandlerDeps) {}

  static async start(deps: HandlerDeps, options: DnsServerOptions): Promise<DnsServer> {
    const server = new DnsServer(deps);
    try {
      for (const address of options.addresses) await server.listen(address, options.port);
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  private async listen(host: string, port: number): Promise<void> {
    const { udp, tcp, port: boundPort } = await bindUdpTcpPair(host, port, (socket) => this.onConnection(socket));
    this.udpSockets.push(udp);
    this.tcpServers.push(tcp);
    udp.on('error', (error) => this.deps.logger.warn({ err: error }, 'dns: udp socket error'));
    udp.on('message', (message, remote) => this.onDatagram(udp, message, remote.address, remote.port));
    tcp.maxConnections = limits.dnsTcpConnectionsMax;
    this.addresses.push(isIPv6(host) ? `[${host}]:${boundPort}` : `${host}:${boundPort}`);
  }

  private onDatagram(udp: UdpSocket, message: Buffer, address: string, port: number): void {
    const cached = this.fromCache(message, 'udp');
    if (cached !== undefined) {
      udp.send(cached, port, address, () => undefined);
      return;
    }
    if (this.inFlight >= limits.dnsInFlightMax) return;
    this.inFlight++;
    void this.answer(message, 'udp')
      .then((reply) => {
        if (reply !== undefined) udp.send(reply, port, address, () => undefined);
      })
      .finally(() => this.inFlight--);
  }

  private fromCache(message: Buffer, transport: 'udp' | 'tcp'): Buffer | undefined {
    if (this.deps.cacheEpoch === undefined) return undefined;
    const config = this.deps.settings().config;
    if (config !== this.cachedConfig) {
      this.cache.clear();
      this.cachedConfig = config;
    }
    return cachedReply(this.deps, this.cache, message, transport);
  }

  private async answer(message: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    try {
      return await handleRequest(this.deps, message, transport, this.deps.cacheEpoch === undefined ? undefined : this.cache);
    } catch (error) {
      // handleRequest catches lookup errors itself; anything here is our bug, logged, not fatal.
      this.deps.logger.error({ err: error }, 'dns: request failed');
      return undefined;
    }
  }

  private onConnection(socket: Socket): void {
    this.connections.add(socket);
    let buffered: Buffer = Buffer.alloc(0);
    let pending = 0;
    let idle: Timer | undefined;
    const resetIdle = (): void => {
      idle?.cancel();
      idle = this.deps.clock.setTimer(limits.dnsTcpIdleMs, () => socket.destroy());
    };
    const busy = (): boolean => pending >= limits.dnsTcpPipelinedMax || this.inFlight >= limits.dnsInFlightMax;
    // Takes complete frames off the buffer while there is room; the rest waits, reading paused.
    const drain = (): void => {
      while (buffered.length >= 2 && !busy() && !socket.destroyed) {
        const length = buffered.readUInt16BE(0);
        if (length > limits.dnsRequestBytesMax) {
          socket.destroy();
          return;
        }
        if (buffered.length < 2 + length) break;
        const request = Buffer.from(buffered.subarray(2, 2 + length));
        buffered = buffered.subarray(2 + length);
        resetIdle();
        this.answerOverTcp(socket, request, () => {
          pending--;
          drain();
        });
        pending++;
      }
      if (busy()) socket.pause();
      else if (socket.isPaused()) socket.resume();
    };
    resetIdle();
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      idle?.cancel();
      this.connections.delete(socket);
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      drain();
    });
  }

  private answerOverTcp(socket: Socket, request: Buffer, done: () => void): void {
    this.inFlight++;
    const cached = this.fromCache(request, 'tcp');
    void (cached !== undefined ? Promise.resolve(cached) : this.answer(request, 'tcp'))
      .then((reply) => {
        if (reply === undefined || socket.destroyed) return;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        socket.write(Buffer.concat([prefix, reply]));
      })
      .finally(() => {
        this.inFlight--;
        done();
      });
  }

  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all(this.udpSockets.map((udp) => new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve();
      }
    })));
    await Promise.all(this.tcpServers.map((tcp) => new Promise<void>((resolve) => (tcp.listening ? tcp.close(() => resolve()) : resolve()))));
  }
}
