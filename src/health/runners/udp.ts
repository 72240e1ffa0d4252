// UDP checks, as Consul's CheckUDP: send one datagram and wait for a reply until the timeout. A
// reply is passing; silence is passing too (UDP has no handshake, and a service may simply not
// answer); an error from the socket — above all ECONNREFUSED, the ICMP port-unreachable that a
// connected UDP socket reports — is critical.

import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { CheckDefinition } from '../../structs/check.js';
import type { CheckResult } from '../status.js';
import { type CheckRunner, critical, errorText, passing, splitHostPort } from './runner.js';

/** Consul sends this payload; services that answer probes may look for it. */
const probe = Buffer.from('taxiway udp health check');

export function udpRunner(definition: CheckDefinition): CheckRunner {
  const target = definition.UDP;
  const address = splitHostPort(target);
  return {
    run(signal: AbortSignal): Promise<CheckResult> {
      if (address === undefined) return Promise.resolve(critical(`dial udp ${target}: address is not host:port`));
      return new Promise((resolve) => {
        const socket: Socket = createSocket(isIP(address.host) === 6 ? 'udp6' : 'udp4');
        let done = false;
        const finish = (result: CheckResult): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          socket.close();
          resolve(result);
        };
        const onAbort = (): void => finish(passing(`UDP response timed out: ${target}`));
        socket.once('error', (error) => finish(critical(`UDP ${target}: ${errorText(error)}`)));
        socket.once('message', () => finish(passing(`UDP connect ${target}: Success`)));
        socket.connect(address.port, address.host, () => {
          socket.send(probe, (error) => {
            if (error) finish(critical(`UDP ${target}: ${errorText(error)}`));
          });
        });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    close: () => Promise.resolve(),
  };
}
