// Goal: every certificate the CA makes is one openssl accepts: roots (EC P-256, P-384, RSA 2048),
// leaves with the SPIFFE URI SAN, and, across a rotation, a new leaf verifies against the old
// root through the cross-signed new root, while an old leaf still verifies against the old root.
// Method: the real key/CSR/sign path (test/connect/fixtures.ts); `openssl x509 -text` and
// `openssl verify -x509_strict` on temporary files.

import test from 'ava';
import { firstPem, issueLeaf, makeRoot, openssl, rotate, trustDomain } from './fixtures.js';

for (const [type, bits] of [['ec', 256], ['ec', 384], ['rsa', 2048]] as const) {
  test(`a ${type} ${bits} root and its leaf pass openssl x509 -text and verify`, async (t) => {
    const root = await makeRoot(type, bits);
    const rootText = await openssl(['x509', '-in', '{root.pem}', '-noout', '-text'], { 'root.pem': root.RootCert });
    t.regex(rootText, /CA:TRUE/);
    t.regex(rootText, new RegExp(`URI:spiffe://${trustDomain}`));
    t.regex(rootText, type === 'ec' ? new RegExp(`Public-Key: \\(${bits} bit\\)`) : /Public-Key: \(2048 bit\)/);
    const leaf = await issueLeaf(root, 'web');
    const leafText = await openssl(['x509', '-in', '{leaf.pem}', '-noout', '-text'], { 'leaf.pem': leaf.cert.CertPEM });
    t.regex(leafText, new RegExp(`URI:spiffe://${trustDomain}/ns/default/dc/dc1/svc/web`));
    t.regex(leafText, /DNS:web\.service\.consul/);
    t.regex(leafText, /CA:FALSE/);
    t.regex(leafText, /TLS Web Server Authentication, TLS Web Client Authentication/);
    const verified = await openssl(['verify', '-x509_strict', '-CAfile', '{root.pem}', '{leaf.pem}'], { 'root.pem': root.RootCert, 'leaf.pem': leaf.cert.CertPEM });
    t.regex(verified, /leaf\.pem: OK/);
  });
}

test('across a rotation: the new leaf verifies against the old root via the cross-signed root, the old leaf still verifies', async (t) => {
  const old = await makeRoot('ec', 256);
  const oldLeaf = await issueLeaf(old, 'web');
  const { roots, next } = await rotate(old, 'rsa', 2048);
  t.is(roots.length, 2);
  t.false((roots.find((root) => root.ID === old.ID) ?? old).Active);
  const crossSigned = (next.IntermediateCerts ?? [])[0] ?? '';
  const crossText = await openssl(['x509', '-in', '{cross.pem}', '-noout', '-text'], { 'cross.pem': crossSigned });
  t.regex(crossText, /CA:TRUE/);
  const newLeaf = await issueLeaf(next, 'web');
  // The leaf's CertPEM carries the cross-signed root after the leaf, as Consul's does.
  t.is(newLeaf.cert.CertPEM.match(/BEGIN CERTIFICATE/g)?.length, 2);
  const files = { 'old.pem': old.RootCert, 'new.pem': next.RootCert, 'cross.pem': crossSigned, 'leaf.pem': firstPem(newLeaf.cert.CertPEM), 'oldleaf.pem': oldLeaf.cert.CertPEM };
  t.regex(await openssl(['verify', '-x509_strict', '-CAfile', '{old.pem}', '-untrusted', '{cross.pem}', '{leaf.pem}'], files), /OK/);
  t.regex(await openssl(['verify', '-x509_strict', '-CAfile', '{new.pem}', '{leaf.pem}'], files), /OK/);
  t.regex(await openssl(['verify', '-x509_strict', '-CAfile', '{old.pem}', '{cross.pem}'], files), /OK/);
  t.regex(await openssl(['verify', '-x509_strict', '-CAfile', '{old.pem}', '{oldleaf.pem}'], files), /OK/);
  await t.throwsAsync(openssl(['verify', '-CAfile', '{new.pem}', '{oldleaf.pem}'], files), undefined, 'the old leaf is not signed by the new root');
});
