// Goal: each rule of the Raft paper (Ongaro & Ousterhout, "In Search of an Understandable
// Consensus Algorithm (Extended Version)") holds in RaftCore, one test per rule, the section
// cited in the title; §8 also covers ReadIndex from the thesis (§6.4).
// Method: small hand-driven clusters (harness.ts) and hand-built messages; messages are
// delivered, dropped or held explicitly so each test shows exactly the situation the rule is about.

import test from 'ava';
import { MemoryStorage, NO_NODE, RaftCore, type Message } from '../../src/raft/index.js';
import { SeededRandom } from '../../src/lib/random.js';
import { config, entry, TestCluster, text } from './harness.js';

function appendMessage(from: number, to: number, term: number, index: number, logTerm: number, entries: ReturnType<typeof entry>[], commit = 0): Message {
  return { type: 'append', from, to, term, index, logTerm, entries, commit };
}

function sent(core: RaftCore): Message[] {
  if (!core.hasReady()) return [];
  const ready = core.ready();
  core.advance(ready);
  return ready.messages;
}

test('§5.1 a node seeing a higher term adopts it and becomes follower; a stale term is refused', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const leader = cluster.elect(1);
  t.is(leader.softState().role, 'leader');
  leader.step({ type: 'heartbeat', from: 2, to: 1, term: 5, commit: 0, context: 0 });
  t.deepEqual([leader.hardState().term, leader.softState().role, leader.softState().leader], [5, 'follower', 2]);
  // A message from term 1 is stale: ignored, nothing changes.
  const before = leader.hardState();
  leader.step(appendMessage(3, 1, 1, 0, 0, [entry(1, 1, 'stale')]));
  t.deepEqual(leader.hardState(), before);
});

test('§5.2 a follower that hears nothing for an election timeout campaigns: term+1, votes for itself, asks everyone', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const core = cluster.core(1);
  for (let i = 0; i < 9; i++) core.tick();
  t.is(core.softState().role, 'follower');
  core.tick();
  t.is(core.softState().role, 'candidate');
  t.deepEqual(core.hardState(), { term: 1, vote: 1, commit: 0 });
  const votes = sent(core).filter((m) => m.type === 'vote');
  t.deepEqual(votes.map((m) => m.to).sort(), [2, 3]);
});

test('§5.2 election timeouts are randomized in [electionTicks, 2 * electionTicks)', (t) => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 200; seed++) {
    const storage = new MemoryStorage();
    const core = new RaftCore(config(1, [1, 2, 3], [], storage, { random: new SeededRandom(seed) }));
    let ticks = 0;
    while (core.softState().role === 'follower') {
      core.tick();
      ticks++;
    }
    seen.add(ticks);
  }
  t.true([...seen].every((ticks) => ticks >= 10 && ticks < 20));
  t.true(seen.size > 5, 'timeouts actually vary');
});

test('§5.2 a majority of votes makes a leader; each node votes at most once per term', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  cluster.core(1).campaign();
  cluster.core(2).campaign(); // both candidates in term 1; each voted for itself
  cluster.stabilize();
  // Neither can win term 1 with one vote each from themselves and node 3 giving only one vote.
  const leaders = [1, 2, 3].filter((id) => cluster.core(id).softState().role === 'leader');
  t.true(leaders.length <= 1);
  const votedFor2 = cluster.core(3).hardState().vote;
  t.true(votedFor2 === 1 || votedFor2 === 2);
  t.is(leaders[0], votedFor2);
});

test('§5.2 a candidate that receives an append from a leader of its term becomes follower', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const candidate = cluster.core(2);
  candidate.campaign();
  t.is(candidate.softState().role, 'candidate');
  candidate.step(appendMessage(3, 2, 1, 0, 0, []));
  t.deepEqual(candidate.softState(), { role: 'follower', leader: 3 });
});

test('§5.3 the consistency check: an append whose previous entry does not match is rejected', (t) => {
  const cluster = new TestCluster([1, 2], {}, { 2: { log: [entry(1, 1), entry(2, 1)], term: 1 } });
  const follower = cluster.core(2);
  follower.step(appendMessage(1, 2, 2, 2, 2, [entry(3, 2, 'x')]));
  const [response] = sent(follower);
  t.like(response, { type: 'appendResponse', reject: true, index: 2, rejectHint: 2, logTerm: 1 });
  t.is(follower.status().lastIndex, 2);
});

test('§5.3 log matching: a conflicting suffix is deleted and the leader’s entries appended', (t) => {
  const cluster = new TestCluster([1, 2], {}, { 2: { log: [entry(1, 1), entry(2, 1, 'old'), entry(3, 1, 'old')], term: 1 } });
  const follower = cluster.core(2);
  follower.step(appendMessage(1, 2, 2, 1, 1, [entry(2, 2, 'new')], 2));
  const ready = follower.ready();
  t.deepEqual(ready.entries.map((e) => [e.index, e.term, text(e.data)]), [[2, 2, 'new']]);
  t.like(ready.messages[0], { type: 'appendResponse', reject: false, index: 2 });
  t.is(ready.hardState?.commit, 2);
  cluster.storages.get(2)?.append(ready.entries); // the driver persists, replacing the old suffix
  follower.advance(ready);
  t.is(follower.status().lastIndex, 2);
  t.is(follower.term(2), 2);
});

test('§5.4.1 election restriction: a voter refuses a candidate whose log is less up to date', (t) => {
  const voterLog = [entry(1, 1), entry(2, 2)];
  const cluster = new TestCluster([1, 2, 3], {}, { 2: { log: voterLog, term: 2 } });
  const voter = cluster.core(2);
  // Lower last term, though longer.
  voter.step({ type: 'vote', from: 1, to: 2, term: 3, preVote: false, lastIndex: 5, lastTerm: 1, transfer: false });
  t.like(sent(voter)[0], { type: 'voteResponse', reject: true });
  // Same last term, shorter.
  voter.step({ type: 'vote', from: 3, to: 2, term: 4, preVote: false, lastIndex: 1, lastTerm: 2, transfer: false });
  t.like(sent(voter)[0], { type: 'voteResponse', reject: true });
  // Same last term, as long: granted.
  voter.step({ type: 'vote', from: 3, to: 2, term: 5, preVote: false, lastIndex: 2, lastTerm: 2, transfer: false });
  t.like(sent(voter)[0], { type: 'voteResponse', reject: false });
  t.is(voter.hardState().vote, 3);
});

test('§5.4.2 (Figure 8) a leader never commits an entry of an earlier term by counting replicas', (t) => {
  // Node 1 holds an uncommitted entry of term 2 at index 2; nodes 2 and 3 only index 1.
  const cluster = new TestCluster([1, 2, 3], { maxEntriesPerMessage: 1, maxInflightMessages: 1 }, {
    1: { log: [entry(1, 1), entry(2, 2, 'term-2')], term: 2, commit: 1 },
    2: { log: [entry(1, 1)], term: 2, commit: 1 },
    3: { log: [entry(1, 1)], term: 2, commit: 1 },
  });
  const leader = cluster.core(1);
  leader.campaign();
  cluster.stabilize((m) => m.type === 'vote' || m.type === 'voteResponse');
  t.is(leader.softState().role, 'leader');
  t.is(leader.hardState().term, 3);
  leader.tick(); // the first appends were dropped: a heartbeat round restarts the probe
  // Let node 2 catch up one entry at a time, up to index 2 (term 2) only.
  for (let round = 0; round < 10 && cluster.core(2).status().lastIndex < 2; round++) {
    cluster.processAll();
    cluster.deliver((m) => (m.from === 1 && m.to === 2) || (m.from === 2 && m.to === 1));
  }
  cluster.processAll();
  cluster.deliver((m) => m.from === 2 && m.to === 1);
  t.is(cluster.core(2).status().lastIndex, 2);
  t.is(leader.status().progress.get(2)?.match, 2);
  t.is(leader.hardState().commit, 1, 'index 2 is on a majority but from term 2: not committed');
  // Once the term-3 no-op at index 3 reaches node 2, both commit together.
  cluster.stabilize((m) => m.to !== 3 && m.from !== 3);
  t.is(leader.hardState().commit, 3);
});

test('§6 one membership change at a time, and none before an entry of the leader’s term commits', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const leader = cluster.core(1);
  leader.campaign();
  cluster.stabilize((m) => m.type === 'vote' || m.type === 'voteResponse');
  t.is(leader.softState().role, 'leader');
  t.like(leader.proposeConfigChange({ type: 'addLearner', node: 4 }), { type: 'dropped', reason: 'config-change-pending' });
  leader.tick(); // its first appends were dropped above: a heartbeat round restarts replication
  cluster.stabilize();
  t.like(leader.proposeConfigChange({ type: 'addLearner', node: 4 }), { type: 'ok' });
  t.like(leader.proposeConfigChange({ type: 'removeNode', node: 3 }), { type: 'dropped', reason: 'config-change-pending' });
  cluster.stabilize();
  t.deepEqual(leader.status().config, { voters: [1, 2, 3], learners: [4] });
  t.like(leader.proposeConfigChange({ type: 'addVoter', node: 1 }), { type: 'dropped', reason: 'invalid-config-change' });
  t.like(leader.proposeConfigChange({ type: 'removeNode', node: 3 }), { type: 'ok' });
  cluster.stabilize();
  t.deepEqual(leader.status().config, { voters: [1, 2], learners: [4] });
});

test('§6 learners receive the log but do not count towards commit or vote', (t) => {
  const cluster = new TestCluster([1, 2, 3], {}, {}, [4]);
  const leader = cluster.elect(1);
  t.is(cluster.core(4).status().lastIndex, leader.status().lastIndex);
  t.false(cluster.queue.some((m) => m.type === 'vote' && m.to === 4));
  // With both voters 2 and 3 cut off, the learner's acknowledgement does not commit.
  leader.propose(new TextEncoder().encode('x'));
  cluster.stabilize((m) => m.to !== 2 && m.to !== 3);
  t.is(cluster.core(4).status().lastIndex, leader.status().lastIndex);
  t.true(leader.hardState().commit < leader.status().lastIndex);
  // A learner never campaigns.
  for (let i = 0; i < 50; i++) cluster.core(4).tick();
  t.is(cluster.core(4).softState().role, 'follower');
});

test('§7 a follower missing compacted entries is sent the snapshot, in chunks, and installs it', (t) => {
  const cluster = new TestCluster([1, 2, 3], { snapshotChunkBytes: 4 });
  const leader = cluster.elect(1);
  for (const value of ['a', 'b', 'c']) leader.propose(new TextEncoder().encode(value));
  cluster.stabilize((m) => m.to !== 3);
  const storage = cluster.storages.get(1);
  if (storage === undefined) throw new Error('no storage');
  const index = leader.status().applied;
  storage.createSnapshot(index, leader.status().config, new TextEncoder().encode('state:a,b,c'));
  storage.compact(index);
  cluster.queue = [];
  leader.tick(); // heartbeat → node 3 answers → leader finds entries compacted → snapshot
  const chunks: Message[] = [];
  cluster.stabilize((m) => {
    if (m.type === 'snapshot') chunks.push(m);
    return true;
  });
  t.true(chunks.length >= 3, `snapshot went in ${chunks.length} chunks`);
  const follower = cluster.storages.get(3);
  t.is(follower?.snapshot().meta.index, index);
  t.is(text(follower?.snapshot().data ?? new Uint8Array()), 'state:a,b,c');
  t.is(cluster.core(3).hardState().commit, leader.hardState().commit);
  t.is(leader.status().progress.get(3)?.state, 'replicate');
});

test('§8 ReadIndex: a new leader answers reads only after committing an entry of its term', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const leader = cluster.core(1);
  leader.campaign();
  cluster.stabilize((m) => m.type === 'vote' || m.type === 'voteResponse');
  t.like(leader.readIndex(7), { type: 'ok' });
  cluster.processAll();
  t.deepEqual(cluster.readStates, []);
  leader.tick(); // its first appends were dropped above: a heartbeat round restarts replication
  cluster.stabilize();
  t.deepEqual(cluster.readStates, [{ node: 1, requestId: 7, index: leader.hardState().commit }]);
});

test('§8 ReadIndex: a leader cut off from the majority cannot confirm a read', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const leader = cluster.elect(1);
  leader.readIndex(1);
  cluster.stabilize((m) => m.from !== 1 || m.type !== 'heartbeat');
  t.deepEqual(cluster.readStates, []);
  // Heartbeats through: confirmed.
  leader.tick();
  cluster.stabilize();
  t.deepEqual(cluster.readStates.map((read) => read.requestId), [1]);
});

test('§8 a follower forwards a read to the leader and gets the read index back', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  cluster.elect(1);
  t.like(cluster.core(3).readIndex(9), { type: 'ok' });
  cluster.stabilize();
  t.deepEqual(cluster.readStates, [{ node: 3, requestId: 9, index: cluster.core(1).hardState().commit }]);
  const lonely = new TestCluster([1, 2, 3]);
  t.like(lonely.core(2).readIndex(1), { type: 'dropped', reason: 'no-leader' });
});

test('Ready contract: entries and hard state come with the messages that depend on them', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const candidate = cluster.core(1);
  candidate.campaign();
  const ready = candidate.ready();
  t.deepEqual(ready.hardState, { term: 1, vote: 1, commit: 0 });
  t.true(ready.messages.every((m) => m.type === 'vote'));
  t.throws(() => candidate.ready(), { message: /before advance/ });
  candidate.advance(ready);
  t.false(candidate.hasReady());
});

test('flow control: reportUnreachable moves a streaming follower back to probing', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const leader = cluster.elect(1);
  t.is(leader.status().progress.get(2)?.state, 'replicate');
  leader.reportUnreachable(2);
  t.is(leader.status().progress.get(2)?.state, 'probe');
  leader.propose(new TextEncoder().encode('after'));
  cluster.stabilize();
  t.is(leader.status().progress.get(2)?.state, 'replicate');
  t.is(cluster.core(2).hardState().commit, leader.hardState().commit);
});

test('§7 a lost snapshot chunk is sent again after a heartbeat round without progress', (t) => {
  const cluster = new TestCluster([1, 2, 3], { snapshotChunkBytes: 4 });
  const leader = cluster.elect(1);
  for (const value of ['a', 'b', 'c']) leader.propose(new TextEncoder().encode(value));
  cluster.stabilize((m) => m.to !== 3);
  const storage = cluster.storages.get(1);
  if (storage === undefined) throw new Error('no storage');
  const index = leader.status().applied;
  storage.createSnapshot(index, leader.status().config, new TextEncoder().encode('0123456789ab'));
  storage.compact(index);
  cluster.queue = [];
  leader.tick();
  // Drop the second chunk (offset 4) once.
  let dropped = 0;
  cluster.stabilize((m) => {
    if (m.type === 'snapshot' && m.offset === 4 && dropped === 0) {
      dropped++;
      return false;
    }
    return true;
  });
  t.is(dropped, 1);
  t.is(cluster.storages.get(3)?.snapshot().meta.index, 0, 'stalled without the chunk');
  t.is(leader.status().progress.get(3)?.state, 'snapshot');
  // Two heartbeat rounds: the first notes the offset, the second sees no progress and resends.
  leader.tick();
  cluster.stabilize();
  leader.tick();
  cluster.stabilize();
  t.is(cluster.storages.get(3)?.snapshot().meta.index, index);
  t.is(text(cluster.storages.get(3)?.snapshot().data ?? new Uint8Array()), '0123456789ab');
  t.is(leader.status().progress.get(3)?.state, 'replicate');
});

test('§6 a leader that applies its own removal steps down, and the rest elect a leader', (t) => {
  const cluster = new TestCluster([1, 2, 3]);
  const leader = cluster.elect(1);
  t.like(leader.proposeConfigChange({ type: 'removeNode', node: 1 }), { type: 'ok' });
  cluster.stabilize();
  t.is(leader.softState().role, 'follower');
  t.deepEqual(cluster.core(2).status().config.voters, [2, 3]);
  cluster.core(2).campaign();
  cluster.stabilize((m) => m.to !== 1 && m.from !== 1);
  t.is(cluster.core(2).softState().role, 'leader');
  // The removed node never campaigns.
  for (let i = 0; i < 50; i++) leader.tick();
  t.is(leader.softState().role, 'follower');
});

test('§9.6 (thesis) with PreVote and CheckQuorum a follower refuses pre-votes while its leader lease holds, and grants them at once after forgetLeader (etcd ForgetLeader)', (t) => {
  const cluster = new TestCluster([1, 2, 3], { preVote: true, checkQuorum: true });
  cluster.elect(1);
  const termBefore = cluster.core(1).status().term;
  // Node 1 dies: nothing reaches it or comes from it any more.
  const alive = (message: Message): boolean => message.from !== 1 && message.to !== 1;
  cluster.core(2).campaign();
  cluster.stabilize(alive);
  t.not(cluster.core(2).softState().role, 'leader', 'node 3 heard from its leader within the lease: no pre-vote');
  t.is(cluster.core(3).softState().leader, 1);
  cluster.core(1).forgetLeader();
  t.is(cluster.core(1).softState().role, 'leader', 'forgetLeader is a no-op on a leader');
  cluster.core(3).forgetLeader();
  t.is(cluster.core(3).softState().leader, NO_NODE);
  cluster.core(2).forgetLeader();
  cluster.core(2).campaign();
  cluster.stabilize(alive);
  t.is(cluster.core(2).softState().role, 'leader', 'elected without waiting out an election timeout');
  t.is(cluster.core(2).status().term, termBefore + 1, 'the refused pre-vote cost no term');
});
