// Intention.* (Consul's intention_endpoint.go over service-intentions entries). Reads use the
// flattened, precedence-sorted intentions view (built once per intentions write). Writes rebuild
// the destination's service-intentions entry (src/connect/intention-writes.ts), validate it as
// any config entry, and propose it with a check-and-set on the entry read, retrying a bounded
// number of times if another write got there first.

import { enforce } from '../../acl/authorizer.js';
import { caConfigPrimaryKey } from '../../catalog/tables/connect-ca.js';
import { watchKeys } from '../../catalog/watch.js';
import { foreignTrustDomain } from '../../connect/authorize.js';
import { trustDomainOf } from '../../structs/connect-ca.js';
import { connectDisabled } from '../leader/connect-ca.js';
import { CommandType } from '../../catalog/commands.js';
import { intentionsByDestinationRead, intentionsRead } from '../../catalog/reads/config-entries.js';
import { getConfigEntry } from '../../catalog/tables/config-entries.js';
import { validateConfigEntry } from '../../connect/config-entries/validate.js';
import { entryWithoutSource, entryWithSource, findLegacySource, type IntentionWrite, sourceOf, validateIntentionNames } from '../../connect/intention-writes.js';
import { decideConnection, matchIntentions, summarizeDecision } from '../../connect/intentions.js';
import { badRequest, conflict, notFound } from '../../lib/errors.js';
import { limits } from '../../lib/limits.js';
import type { RpcHandlers } from '../../rpc/protocol.js';
import type { ConfigEntry, ConfigEntryBody } from '../../structs/config-entry.js';
import type { ServerContext } from '../context.js';
import { checkDatacenter, runQuery } from '../query.js';

type IntentionHandlers = Pick<RpcHandlers, 'Intention.List' | 'Intention.Match' | 'Intention.Decide' | 'Intention.Authorize' | 'Intention.Apply'>;

/** One planned change: the entry to write (or delete) and the ModifyIndex it was computed from. */
interface Plan {
  readonly destination: string;
  readonly next: ConfigEntryBody | undefined;
  readonly casIndex: number;
  readonly id: string;
}

function intentionEntries(context: ServerContext): readonly ConfigEntry[] {
  return context.store.configEntries.rowsBy('kind', 'service-intentions');
}

function planLegacy(context: ServerContext, write: Extract<IntentionWrite, { op: 'create' | 'update' | 'delete' }>): Plan[] {
  const nowIso = new Date(context.clock.nowMs()).toISOString();
  if (write.op === 'create') {
    if (write.intention.ID !== '') throw badRequest('ID must be empty when creating a new intention');
    validateIntentionNames(write.intention);
    const destination = write.intention.DestinationName;
    const existing = getConfigEntry(context.store, 'service-intentions', destination);
    const duplicate = (Array.isArray(existing?.Sources) ? (existing.Sources as { Name?: unknown }[]) : []).some((source) => source.Name === write.intention.SourceName);
    if (duplicate) throw badRequest(`duplicate intention found: ${write.intention.SourceName} => ${destination}`);
    const id = context.random.uuid();
    const source = sourceOf(write.intention, { id, createdAt: nowIso, nowIso });
    return [{ destination, next: entryWithSource(existing, destination, source), casIndex: existing?.ModifyIndex ?? 0, id }];
  }
  const found = findLegacySource(intentionEntries(context), write.id);
  if (found === undefined) throw notFound('Cannot modify non-existent intention');
  const removal: Plan = { destination: found.entry.Name, next: entryWithoutSource(found.entry, (source) => source.LegacyID === write.id), casIndex: found.entry.ModifyIndex, id: write.id };
  if (write.op === 'delete') return [removal];
  validateIntentionNames(write.intention);
  const createdAt = typeof found.source.LegacyCreateTime === 'string' ? found.source.LegacyCreateTime : nowIso;
  const source = sourceOf(write.intention, { id: write.id, createdAt, nowIso });
  const destination = write.intention.DestinationName;
  if (destination === found.entry.Name) {
    const kept = entryWithoutSource(found.entry, (item) => item.LegacyID === write.id);
    const base = kept === undefined ? undefined : ({ ...kept, CreateIndex: 0, ModifyIndex: 0 } as ConfigEntry);
    return [{ destination, next: entryWithSource(base, destination, source), casIndex: found.entry.ModifyIndex, id: write.id }];
  }
  // Moving to another destination touches two entries: add to the new one first, so that a
  // failure in between leaves the intention in place rather than lost.
  const target = getConfigEntry(context.store, 'service-intentions', destination);
  return [{ destination, next: entryWithSource(target, destination, source), casIndex: target?.ModifyIndex ?? 0, id: write.id }, removal];
}

function planExact(context: ServerContext, write: Extract<IntentionWrite, { op: 'upsert-exact' | 'delete-exact' }>): Plan[] {
  if (write.op === 'upsert-exact') {
    validateIntentionNames(write.intention);
    const destination = write.intention.DestinationName;
    const existing = getConfigEntry(context.store, 'service-intentions', destination);
    return [{ destination, next: entryWithSource(existing, destination, sourceOf(write.intention, undefined)), casIndex: existing?.ModifyIndex ?? 0, id: '' }];
  }
  const existing = getConfigEntry(context.store, 'service-intentions', write.destination);
  if (existing === undefined) return [];
  return [{ destination: write.destination, next: entryWithoutSource(existing, (source) => source.Name === write.source), casIndex: existing.ModifyIndex, id: '' }];
}

async function applyPlan(context: ServerContext, plan: Plan): Promise<boolean> {
  if (plan.next === undefined) {
    return (await context.log.propose({ type: CommandType.ConfigEntry, op: 'delete', kind: 'service-intentions', name: plan.destination, casIndex: plan.casIndex })) as boolean;
  }
  const entry = validateConfigEntry(plan.next);
  return (await context.log.propose({ type: CommandType.ConfigEntry, op: 'upsert', entry, casIndex: plan.casIndex })) as boolean;
}

async function applyWrite(context: ServerContext, write: IntentionWrite): Promise<string> {
  for (let attempt = 0; attempt < limits.intentionWriteAttemptsMax; attempt++) {
    const plans = write.op === 'upsert-exact' || write.op === 'delete-exact' ? planExact(context, write) : planLegacy(context, write);
    let applied = true;
    for (const plan of plans) if (!(await applyPlan(context, plan))) applied = false;
    if (applied) return plans[0]?.id ?? '';
  }
  throw conflict('intention write kept racing other writes to the same destination; try again');
}

function destinationOf(write: IntentionWrite, context: ServerContext): string {
  if (write.op === 'delete-exact') return write.destination;
  if (write.op === 'delete') return findLegacySource(intentionEntries(context), write.id)?.entry.Name ?? '*';
  return write.intention.DestinationName;
}

export function intentionHandlers(context: ServerContext): IntentionHandlers {
  const defaultAllow = (): boolean => context.acl.defaultPolicy === 'allow';
  return {
    'Intention.List': (args, signal) => runQuery(context, args, signal, (watch) => intentionsRead(context.store, watch)),
    'Intention.Match': (args, signal) => {
      for (const name of args.names) enforce(context.acl.resolve(args.token), { kind: 'service', name }, 'read');
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = intentionsRead(context.store, watch);
        return { index, value: args.names.map((name) => matchIntentions(value, args.type, name)) };
      });
    },
    'Intention.Decide': (args, signal) => {
      enforce(context.acl.resolve(args.token), { kind: 'service', name: args.destination }, 'read');
      return runQuery(context, args, signal, (watch) => {
        const { index, value } = intentionsByDestinationRead(context.store, watch);
        const decision = decideConnection(value.matching(args.destination), args.source, args.destination, defaultAllow());
        return { index, value: { ...summarizeDecision(decision), defaultAllow: defaultAllow() } };
      });
    },
    'Intention.Authorize': (args, signal) => {
      // Consul checks service:write on the target here: only the target's own proxy may ask.
      enforce(context.acl.resolve(args.token), { kind: 'service', name: args.target }, 'write');
      return runQuery(context, args, signal, (watch) => {
        watch.add(watchKeys.caConfig);
        const caConfig = context.store.caConfig.get(caConfigPrimaryKey());
        if (caConfig === undefined) throw connectDisabled();
        const { index, value } = intentionsByDestinationRead(context.store, watch);
        const foreign = foreignTrustDomain(args.client, trustDomainOf(caConfig.ClusterID));
        if (foreign !== undefined) return { index, value: foreign };
        // The agent's default_intention_policy, when set, replaces the ACL default (Consul 1.18+).
        const policy = args.defaultIntentionPolicy ?? '';
        const decision = decideConnection(value.matching(args.target), args.client.service, args.target, policy === '' ? defaultAllow() : policy === 'allow');
        const summary = summarizeDecision(decision);
        const reason = decision.kind === 'default' && policy !== '' ? 'Default intention policy' : summary.reason;
        return { index, value: { Authorized: summary.allowed, Reason: reason } };
      });
    },
    'Intention.Apply': async (args) => {
      checkDatacenter(context, args.datacenter);
      enforce(context.acl.resolve(args.token), { kind: 'service', name: destinationOf(args.write, context) }, 'write');
      return applyWrite(context, args.write);
    },
  };
}
