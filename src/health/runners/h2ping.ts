// H2PING checks, as Consul's CheckH2PING: open an HTTP/2 connection (over TLS when H2PingUseTLS,
// else cleartext h2c) and send one PING frame; an acknowledged ping is passing, anything else
// critical. The session is closed after each run.

import { connect, type ClientHttp2Session } from 'node:http2';
import type { CheckDefinition } from '../../structs/check.js';
import type { CheckResult } from '../status.js';
import { type CheckRunner, critical, errorText, passing } from './runner.js';

export function h2pingRunner(definition: CheckDefinition): CheckRunner {
  const target = definition.H2PING;
  const scheme = (definition.H2PingUseTLS ?? true) ? 'https' : 'http';
  return {
    run(signal: AbortSignal): Promise<CheckResult> {
      return new Promise((resolve) => {
        let session: ClientHttp2Session | undefined;
        let done = false;
        const finish = (result: CheckResult): void => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          session?.destroy();
          resolve(result);
        };
        const onAbort = (): void => finish(critical(`HTTP2 ping ${target}: timed out`));
        try {
          session = connect(`${scheme}://${target}`, {
            rejectUnauthorized: !definition.TLSSkipVerify,
            ...(definition.TLSServerName === '' ? {} : { servername: definition.TLSServerName }),
          });
        } catch (error) {
          finish(critical(`HTTP2 ping ${target}: ${errorText(error)}`));
          return;
        }
        session.once('error', (error) => finish(critical(`HTTP2 ping ${target}: ${errorText(error)}`)));
        session.once('connect', (connected: ClientHttp2Session) => {
          connected.ping((error) => finish(error ? critical(`HTTP2 ping ${target}: ${errorText(error)}`) : passing('HTTP2 ping was successful')));
        });
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    close: () => Promise.resolve(),
  };
}
