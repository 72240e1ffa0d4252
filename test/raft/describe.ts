// One-line text forms of Raft messages, entries and Ready batches for the interaction scripts:
// stable, compact and readable (after etcd's raft/util.go describers, in our own words).

import { unreachable } from '../../src/lib/assert.js';
import { decodeConfigEntry, type Entry, type Message, type Ready } from '../../src/raft/index.js';

export function describeEntry(entry: Entry): string {
  if (entry.type === 'config') {
    const { change, config } = decodeConfigEntry(entry.data);
    return `${entry.term}/${entry.index} conf ${change.type} ${change.node} -> voters=[${config.voters.join(',')}] learners=[${config.learners.join(',')}]`;
  }
  return `${entry.term}/${entry.index} ${JSON.stringify(new TextDecoder().decode(entry.data))}`;
}

function describeEntries(entries: Entry[]): string {
  return entries.length === 0 ? '[]' : `[${entries.map(describeEntry).join(', ')}]`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'append':
      return `${head} log=${m.logTerm}/${m.index} commit=${m.commit} entries=${describeEntries(m.entries)}`;
    case 'appendResponse':
      return m.reject ? `${head} reject index=${m.index} hint=${m.logTerm}/${m.rejectHint}` : `${head} index=${m.index}`;
    case 'vote':
      return `${head}${m.preVote ? ' pre-vote' : ''}${m.transfer ? ' transfer' : ''} last=${m.lastTerm}/${m.lastIndex}`;
    case 'voteResponse':
      return `${head}${m.preVote ? ' pre-vote' : ''} ${m.reject ? 'rejected' : 'granted'}`;
    case 'heartbeat':
      return `${head} commit=${m.commit} context=${m.context}`;
    case 'heartbeatResponse':
      return `${head} context=${m.context}`;
    case 'snapshot':
      return `${head} snapshot=${m.meta.term}/${m.meta.index} offset=${m.offset} bytes=${m.data.length}${m.done ? ' done' : ''}`;
    case 'snapshotResponse':
      return `${head} snapshot-index=${m.index} next-offset=${m.offset}`;
    case 'timeoutNow':
      return head;
    case 'readIndex':
      return `${head} request=${m.requestId}`;
    case 'readIndexResponse':
      return `${head} request=${m.requestId} index=${m.index}`;
    default:
      return unreachable(m);
  }
}

export function describeReady(ready: Ready): string[] {
  const lines: string[] = [];
  if (ready.softState !== undefined) lines.push(`soft state: leader=${ready.softState.leader} role=${ready.softState.role}`);
  if (ready.hardState !== undefined) lines.push(`hard state: term=${ready.hardState.term} vote=${ready.hardState.vote} commit=${ready.hardState.commit}`);
  if (ready.snapshot !== undefined) {
    const { meta } = ready.snapshot;
    lines.push(`snapshot: ${meta.term}/${meta.index} voters=[${meta.config.voters.join(',')}] bytes=${ready.snapshot.data.length}`);
  }
  if (ready.entries.length > 0) lines.push('entries:', ...ready.entries.map((entry) => `  ${describeEntry(entry)}`));
  if (ready.committedEntries.length > 0) lines.push('committed:', ...ready.committedEntries.map((entry) => `  ${describeEntry(entry)}`));
  if (ready.readStates.length > 0) lines.push('read states:', ...ready.readStates.map((read) => `  request=${read.requestId} index=${read.index}`));
  if (ready.messages.length > 0) lines.push('messages:', ...ready.messages.map((message) => `  ${describeMessage(message)}`));
  return lines;
}
