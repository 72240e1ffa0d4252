// ConnectCA.*: roots, leaf signing and the CA configuration (Consul's connect_ca_endpoint.go).
// Reads block on their table; signing needs service:write on the service the CSR names, checked
// before the rate limiter so that a refused caller spends no signing slot.

import { enforce } from '../../acl/authorizer.js';
import { caConfiguration, caRoots } from '../../catalog/reads/connect-ca.js';
import { parseServiceSpiffeId } from '../../connect/spiffe.js';
import { parseCsr } from '../../connect/ca/csr-parse.js';
import { notFound } from '../../lib/errors.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import { type IndexedCaRoots, renderCaRoot, trustDomainOf } from '../../structs/connect-ca.js';
import type { ServerContext } from '../context.js';
import { type ConnectCa, connectDisabled } from '../leader/connect-ca.js';
import { checkDatacenter, runQuery } from '../query.js';

type ConnectCaHandlers = Pick<RpcHandlers, 'ConnectCA.Roots' | 'ConnectCA.Sign' | 'ConnectCA.ConfigurationGet' | 'ConnectCA.ConfigurationSet'>;

export function connectCaHandlers(context: ServerContext, ca: ConnectCa): ConnectCaHandlers {
  return {
    'ConnectCA.Roots': (args, signal) => {
      if (!ca.enabled) return Promise.reject(connectDisabled());
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = caRoots(context.store, watch);
        const active = value.roots.find((root) => root.Active);
        const rendered: IndexedCaRoots = {
          ActiveRootID: active?.ID ?? '',
          TrustDomain: value.config === undefined ? '' : trustDomainOf(value.config.ClusterID),
          Roots: value.roots.map(renderCaRoot),
        };
        return { index, value: rendered };
      });
    },
    'ConnectCA.Sign': async (args) => {
      checkDatacenter(context, args.datacenter);
      if (!ca.enabled) throw connectDisabled();
      // The CSR is parsed (and its signature checked) once; the ACL check needs its service,
      // sign() its key and the trust-domain and datacenter checks.
      const csr = parseCsr(args.csr);
      const service = csr.uris.length === 1 ? parseServiceSpiffeId(csr.uris[0] as string)?.service : undefined;
      if (service !== undefined) enforce(context.acl.resolve(args.token), { kind: 'service', name: service }, 'write');
      return ca.sign(csr);
    },
    'ConnectCA.ConfigurationGet': (args, signal) => {
      if (!ca.enabled) return Promise.reject(connectDisabled());
      enforce(context.acl.resolve(args.token), { kind: 'operator' }, 'read');
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = caConfiguration(context.store, watch);
        if (value === undefined) throw notFound('CA configuration not found');
        // eslint-disable-next-line @typescript-eslint/no-unused-vars
        const { ClusterID, ...shown } = value;
        return { index, value: shown };
      });
    },
    'ConnectCA.ConfigurationSet': async (args) => {
      checkDatacenter(context, args.datacenter);
      enforce(context.acl.resolve(args.token), { kind: 'operator' }, 'write');
      await ca.setConfiguration(args.config);
      return true;
    },
  };
}
