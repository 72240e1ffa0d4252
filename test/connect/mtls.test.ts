// Goal: leaves of the CA work in a real mutual-TLS handshake between two Node TLS endpoints: both
// sides present a leaf, trust the CA roots, and check the peer's SPIFFE URI; a client with a leaf
// from a foreign CA is rejected, as is a server whose URI is not the expected service; and after a
// rotation a new leaf (sent with the cross-signed root) is accepted by a peer that trusts only the
// old root.
// Method: tls.createServer / tls.connect on 127.0.0.1 with requestCert + rejectUnauthorized and a
// checkServerIdentity that compares URI SANs (Node's default ignores them).

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import test from 'ava';
import { type Leaf, issueLeaf, makeRoot, rotate, trustDomain } from './fixtures.js';

const uriOf = (service: string): string => `spiffe://${trustDomain}/ns/default/dc/dc1/svc/${service}`;

/** Accepts the server only if its certificate carries exactly the expected SPIFFE URI. */
function expectUri(uri: string): (host: string, cert: tls.PeerCertificate) => Error | undefined {
  return (_host, cert) => ((cert.subjectaltname ?? '').split(', ').includes(`URI:${uri}`) ? undefined : new Error(`server is not ${uri}`));
}

interface Outcome {
  readonly ok: boolean;
  readonly clientUriSeenByServer?: string;
  readonly error?: string;
}

async function handshake(serverLeaf: Leaf, serverCa: readonly string[], clientLeaf: Leaf, clientCa: readonly string[], expectedServerUri: string): Promise<Outcome> {
  let seen: string | undefined;
  const server = tls.createServer({ key: serverLeaf.keyPem, cert: serverLeaf.cert.CertPEM, ca: [...serverCa], requestCert: true, rejectUnauthorized: true }, (socket) => {
    seen = socket.getPeerCertificate().subjectaltname;
    socket.end('hello');
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const socket = tls.connect({ host: '127.0.0.1', port, key: clientLeaf.keyPem, cert: clientLeaf.cert.CertPEM, ca: [...clientCa], checkServerIdentity: expectUri(expectedServerUri) });
    const result = await new Promise<Outcome>((resolve) => {
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data === 'hello' ? { ok: true } : { ok: false, error: 'closed without data' }));
      socket.on('error', (error: Error) => resolve({ ok: false, error: error.message }));
    });
    socket.destroy();
    return seen === undefined ? result : { ...result, clientUriSeenByServer: seen };
  } finally {
    server.close();
  }
}

test('two leaves of the same CA complete an mTLS handshake and see each other\'s SPIFFE URI', async (t) => {
  const root = await makeRoot();
  const [web, db] = await Promise.all([issueLeaf(root, 'web'), issueLeaf(root, 'db')]);
  const outcome = await handshake(db, [root.RootCert], web, [root.RootCert], uriOf('db'));
  t.true(outcome.ok, outcome.error);
  t.true((outcome.clientUriSeenByServer ?? '').includes(`URI:${uriOf('web')}`));
});

test('a client leaf from a foreign CA is rejected', async (t) => {
  const [root, foreign] = await Promise.all([makeRoot('ec', 256, 1), makeRoot('ec', 256, 2)]);
  const db = await issueLeaf(root, 'db');
  const intruder = await issueLeaf(foreign, 'web');
  const outcome = await handshake(db, [root.RootCert], intruder, [root.RootCert], uriOf('db'));
  t.false(outcome.ok);
});

test('a server with another SPIFFE ID is rejected by the client', async (t) => {
  const root = await makeRoot();
  const [web, api] = await Promise.all([issueLeaf(root, 'web'), issueLeaf(root, 'api')]);
  const outcome = await handshake(api, [root.RootCert], web, [root.RootCert], uriOf('db'));
  t.false(outcome.ok);
  t.regex(outcome.error ?? '', /server is not/);
});

test('after a rotation, a new leaf is accepted by a peer that still trusts only the old root', async (t) => {
  const old = await makeRoot('ec', 256);
  const oldDb = await issueLeaf(old, 'db');
  const { next } = await rotate(old, 'ec', 384);
  const newWeb = await issueLeaf(next, 'web');
  // The db side has not seen the new root yet; web trusts both roots (the roots list).
  const outcome = await handshake(oldDb, [old.RootCert], newWeb, [old.RootCert, next.RootCert], uriOf('db'));
  t.true(outcome.ok, outcome.error);
});

/** Sends one line on an open socket and resolves with the first answer. */
function roundTrip(socket: tls.TLSSocket, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('data', (chunk: Buffer) => resolve(chunk.toString()));
    socket.once('error', reject);
    socket.write(line);
  });
}

test('a rotation drops no connection: the open one keeps working, new leaves and old leaves both connect', async (t) => {
  const old = await makeRoot('ec', 256);
  const [oldDb, oldWeb] = await Promise.all([issueLeaf(old, 'db'), issueLeaf(old, 'web')]);
  const server = tls.createServer({ key: oldDb.keyPem, cert: oldDb.cert.CertPEM, ca: [old.RootCert], requestCert: true, rejectUnauthorized: true }, (socket) => {
    socket.on('data', (chunk: Buffer) => socket.write(`echo ${chunk.toString()}`));
  });
  server.on('tlsClientError', () => undefined);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const connect = (leaf: Leaf, ca: readonly string[]): Promise<tls.TLSSocket> =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, key: leaf.keyPem, cert: leaf.cert.CertPEM, ca: [...ca], checkServerIdentity: expectUri(uriOf('db')) }, () => resolve(socket));
      socket.once('error', reject);
    });
  try {
    const open = await connect(oldWeb, [old.RootCert]);
    t.is(await roundTrip(open, 'before'), 'echo before');
    // Rotation: db gets its new leaf (sent with the cross-signed root) and trusts both roots.
    const { next } = await rotate(old, 'ec', 256);
    const [newDb, newWeb] = await Promise.all([issueLeaf(next, 'db'), issueLeaf(next, 'web')]);
    server.setSecureContext({ key: newDb.keyPem, cert: newDb.cert.CertPEM, ca: [old.RootCert, next.RootCert] });
    t.is(await roundTrip(open, 'after'), 'echo after', 'the connection opened before the rotation still works');
    const fresh = await connect(newWeb, [old.RootCert]);
    t.is(await roundTrip(fresh, 'new'), 'echo new', 'a new leaf, to a client that trusts only the old root');
    const lagging = await connect(oldWeb, [old.RootCert, next.RootCert]);
    t.is(await roundTrip(lagging, 'old'), 'echo old', 'a not yet re-issued leaf is still accepted');
    for (const socket of [open, fresh, lagging]) socket.destroy();
  } finally {
    server.close();
  }
});
