// Connection caps for the HTTP listeners: per client IP (Consul's http_max_conns_per_client) and in
// all. A connection over a cap is answered "429 Too Many Requests" and closed, never silently
// dropped: clients that see a reset retry blindly, clients that see a 429 back off
// (hashicorp/consul#7527, #8995).

import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionCaps {
  /** Per client IP; 0 = no per-client cap. */
  readonly perClient: number;
  readonly total: number;
}

const tooManyBody = 'Your IP is issuing too many concurrent connections, please rate limit your calls\n';
const tooManyResponse =
  `HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(tooManyBody)}\r\n` +
  `Connection: close\r\n\r\n${tooManyBody}`;

/** Open connections by client IP, shared by every listener of one agent so the caps are agent-wide. */
export class ConnectionCounter {
  private readonly byClient = new Map<string, number>();
  private total = 0;

  constructor(private caps: ConnectionCaps) {}

  /** A reload may change the per-client cap; open connections are not cut. */
  setCaps(caps: ConnectionCaps): void {
    this.caps = caps;
  }

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.admit(socket));
  }

  private admit(socket: Socket): void {
    const client = socket.remoteAddress ?? '';
    const open = this.byClient.get(client) ?? 0;
    if (this.total >= this.caps.total || (this.caps.perClient > 0 && open >= this.caps.perClient)) {
      socket.end(tooManyResponse);
      socket.destroySoon();
      return;
    }
    this.byClient.set(client, open + 1);
    this.total++;
    socket.once('close', () => {
      this.total--;
      const now = (this.byClient.get(client) ?? 1) - 1;
      if (now === 0) this.byClient.delete(client);
      else this.byClient.set(client, now);
    });
  }
}
