// A UDP socket and a TCP server on the same port, as DNS (8600) and gossip (8301) need. With
// port 0 the kernel picks the UDP port, and the same number may already be taken on the TCP side
// by an unrelated socket: then both are closed and a fresh port is tried, a bounded number of
// times. With a fixed port a clash is the operator's to fix, so it fails at once.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server as TcpServer, type Socket } from 'node:net';
import { limits } from './limits.js';

export interface UdpTcpPair {
  readonly udp: UdpSocket;
  readonly tcp: TcpServer;
  readonly port: number;
}

export async function bindUdpTcpPair(host: string, port: number, onConnection: (socket: Socket) => void): Promise<UdpTcpPair> {
  for (let attempt = 1; ; attempt++) {
    const udp = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    await listening(udp, (done) => udp.bind(port, host, done));
    const boundPort = udp.address().port;
    const tcp = createServer(onConnection);
    try {
      await listening(tcp, (done) => tcp.listen(boundPort, host, done));
      return { udp, tcp, port: boundPort };
    } catch (error) {
      udp.close();
      const retry = port === 0 && (error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < limits.ephemeralPairBindAttemptsMax;
      if (!retry) throw error;
    }
  }
}

function listening(emitter: UdpSocket | TcpServer, start: (done: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    emitter.once('error', reject);
    start(() => {
      emitter.off('error', reject);
      resolve();
    });
  });
}
