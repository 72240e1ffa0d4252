// The haproxy two-hop mTLS chain of ../shared/anchors/proxy-anchor.sh, started here too, so that
// bench/proxy.ts can put it under the loads the anchor script does not run (-c8 closed loop and
// paced) side by side with taxiway's sidecars. Same shape as the anchor: two haproxy processes
// (nbthread 1), each with a TCP and an HTTP frontend; the hop between them is mTLS with throwaway
// ECDSA P-256 certificates made by openssl; the backend is the caller's nginx.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HaproxyChain {
  /** wrk's entry ports: the TCP-mode and the HTTP-mode chain. */
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly processes: readonly ChildProcess[];
}

function makeCertificates(dir: string): void {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-days', '2', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=bench-ca');
  openssl('req', ...ecKey, '-keyout', 'hop.key', '-out', 'hop.csr', '-subj', '/CN=hop');
  writeFileSync(join(dir, 'hop.ext'), 'subjectAltName=URI:spiffe://bench.local/ns/default/svc/hop,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'hop.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'hop.ext', '-out', 'hop.crt');
  execFileSync('sh', ['-c', 'cat hop.crt hop.key > hop.pem'], { cwd: dir });
}

const common = 'global\n  nbthread 1\n  maxconn 4096\ndefaults\n  timeout connect 5s\n  timeout client 60s\n  timeout server 60s\n';

/** Ports: [tcp entry, http entry, tcp mTLS hop, http mTLS hop], all free on 127.0.0.1. */
export function startHaproxyChain(dir: string, backendPort: number, ports: readonly [number, number, number, number]): HaproxyChain {
  makeCertificates(dir);
  const [tcpPort, httpPort, tcpHop, httpHop] = ports;
  const tls = `ssl crt ${join(dir, 'hop.pem')} ca-file ${join(dir, 'ca.crt')} verify required`;
  const pair = (mode: string, bind: string, server: string): string =>
    `frontend ${mode}_${bind.replace(/\W/gu, '')}\n  mode ${mode}\n  bind ${bind}\n  default_backend ${mode}_${bind.replace(/\W/gu, '')}_b\n` +
    `backend ${mode}_${bind.replace(/\W/gu, '')}_b\n  mode ${mode}\n${mode === 'http' ? '  http-reuse always\n' : ''}  server next ${server}\n`;
  writeFileSync(join(dir, 'caller.cfg'), common + pair('tcp', `127.0.0.1:${tcpPort}`, `127.0.0.1:${tcpHop} ${tls}`) + pair('http', `127.0.0.1:${httpPort}`, `127.0.0.1:${httpHop} ${tls}`));
  writeFileSync(join(dir, 'callee.cfg'), common + pair('tcp', `127.0.0.1:${tcpHop} ${tls}`, `127.0.0.1:${backendPort}`) + pair('http', `127.0.0.1:${httpHop} ${tls}`, `127.0.0.1:${backendPort}`));
  const processes = ['caller', 'callee'].map((name) => spawn('haproxy', ['-db', '-f', join(dir, `${name}.cfg`)], { stdio: 'ignore' }));
  return { tcpPort, httpPort, processes };
}
