// The agent's side of a leaf: a fresh key and a certificate signing request for it, made with
// @peculiar/x509 (the key never leaves the agent). The server reads CSRs in csr-parse.ts.

import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

const leafAlgorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface LeafRequest {
  readonly csrPem: string;
  /** SEC 1 "EC PRIVATE KEY" PEM, as Consul's leaves carry it; stays on the agent. */
  readonly privateKeyPem: string;
}

/** A fresh P-256 key and a CSR for it naming `uri` (and `dnsNames`) as SANs. */
export async function createLeafRequest(uri: string, dnsNames: readonly string[]): Promise<LeafRequest> {
  const keys = (await webcrypto.subtle.generateKey(leafAlgorithm, true, ['sign', 'verify']));
  const names: x509.JsonGeneralName[] = [{ type: 'url', value: uri }, ...dnsNames.map((name) => ({ type: 'dns' as const, value: name }))];
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: leafAlgorithm,
    extensions: [new x509.SubjectAlternativeNameExtension(names)],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'sec1', format: 'pem' }) as string;
  return { csrPem: `${csr.toString('pem')}\n`, privateKeyPem };
}
