// The server role of an agent.
//
//   RpcClient.call(method, args)          (src/rpc: in-process in dev, over the network later)
//        ▼
//   server.ts handlers ─ endpoints/{catalog-write,catalog-read,health,kv,session,txn,status,connect-ca,prepared-query}.ts
//        │ writes: validate → ACL hook → CommandLog.propose(command) (command-log.ts)
//        │         in-process-log.ts: next index → Fsm.apply (src/catalog)
//        │ reads:  query.ts runQuery: dc check → filter compile → blocking query → QueryMeta
//        │         service-views.ts: frozen per-service answers shared by all readers
//        ▼
//   leader/reconcile-self.ts: the server's own node, `consul` service and serfHealth check
//   leader/connect-ca.ts: creates the mesh CA at start, rotates it, signs leaves

export { Server, type ServerOptions } from './server.js';
export type { CommandLog } from './command-log.js';
export type { ServerContext } from './context.js';
