// TCP checks: a connection (optionally with a TLS handshake) that opens is passing, one that is
// refused, unreachable or not open before the timeout is critical (Consul's CheckTCP). The socket
// is closed at once either way.

import { isIP, connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { CheckDefinition } from '../../structs/check.js';
import type { CheckResult } from '../status.js';
import { type CheckRunner, critical, errorText, passing, splitHostPort } from './runner.js';

export function tcpRunner(definition: CheckDefinition): CheckRunner {
  const target = definition.TCP;
  const address = splitHostPort(target);
  return {
    run(signal: AbortSignal): Promise<CheckResult> {
      if (address === undefined) return Promise.resolve(critical(`dial tcp ${target}: address is not host:port`));
      return new Promise((resolve) => {
        let socket: Socket;
        const finish = (result: CheckResult): void => {
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(result);
        };
        const onAbort = (): void => finish(critical(`dial tcp ${target}: i/o timeout`));
        if (definition.TCPUseTLS) {
          // SNI carries host names only (RFC 6066): an IP target sends none unless TLSServerName says.
          const servername = definition.TLSServerName !== '' ? definition.TLSServerName : isIP(address.host) === 0 ? address.host : undefined;
          const options = { host: address.host, port: address.port, rejectUnauthorized: !definition.TLSSkipVerify, ...(servername === undefined ? {} : { servername }) };
          socket = tlsConnect(options, () => finish(passing(`TCP+TLS connect ${target}: Success`)));
        } else {
          socket = netConnect({ host: address.host, port: address.port }, () => finish(passing(`TCP connect ${target}: Success`)));
        }
        socket.once('error', (error) => finish(critical(`dial tcp ${target}: ${errorText(error)}`)));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    close: () => Promise.resolve(),
  };
}
