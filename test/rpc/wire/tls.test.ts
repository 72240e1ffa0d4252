// Goal: the same calls work over TLS (server certificate checked against its CA; mutual TLS when
// the server requires a client certificate), and a client that does not trust the server fails
// with connect_failed instead of sending anything.
// Method: a self-signed CA and leaf certificates made with the openssl CLI in a temp dir (skipped
// with a note when openssl is missing); a WireServer with TLS options on 127.0.0.1:0.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { isWireError } from '../../../src/rpc/wire/wire-error.js';
import { tempDir } from '../../raft/wal/helpers.js';
import { newPool, startServer } from './helpers.js';

/** CA + server leaf (SAN IP:127.0.0.1) + client leaf, EC P-256, valid for a day. */
function makeCertificates(dir: string): Record<'ca' | 'serverKey' | 'serverCert' | 'clientKey' | 'clientCert', Buffer> {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=taxiway test CA');
  for (const name of ['server', 'client']) {
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    const extensions = join(dir, `${name}.ext`);
    execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ${extensions}`]);
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', extensions);
  }
  const read = (file: string): Buffer => readFileSync(join(dir, file));
  return { ca: read('ca.pem'), serverKey: read('server.key'), serverCert: read('server.pem'), clientKey: read('client.key'), clientCert: read('client.pem') };
}

// openssl makes the certificates; .ci/run installs it where it is missing, so this always runs.
test('calls over mutual TLS; an untrusting client fails to connect', async (t) => {
  const certs = makeCertificates(tempDir(t, 'taxiway-tls-'));
  const { address } = await startServer(t, { tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, requestCert: true, rejectUnauthorized: true } });
  const pool = newPool(t, { tls: { ca: certs.ca, key: certs.clientKey, cert: certs.clientCert } });
  t.deepEqual(await pool.call(address, 'echo', { over: 'tls' }), { over: 'tls' });
  const replies = await Promise.all(Array.from({ length: 64 }, (_, k) => pool.call(address, 'sleep', { ms: k % 5, value: k })));
  t.deepEqual(replies, Array.from({ length: 64 }, (_, k) => k));
  t.like(await t.throwsAsync(pool.call(address, 'fail', null)), { code: 'not_found' });

  const untrusting = newPool(t, { tls: { key: certs.clientKey, cert: certs.clientCert } });
  const error = await t.throwsAsync(untrusting.call(address, 'echo', 1));
  t.true(isWireError(error) && error.failure === 'connect_failed', error?.message);
  const anonymous = newPool(t, { tls: { ca: certs.ca } });
  const refused = await t.throwsAsync(anonymous.call(address, 'echo', 1));
  t.true(isWireError(refused), refused?.message);
});
