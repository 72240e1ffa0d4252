// Goal: RaftDriver runs Raft end to end on real disks and real sockets — three nodes elect a
// leader and commit proposals into identical state machines; losing the leader leaves a majority
// that elects another and keeps committing; a restarted node recovers term, vote, log and
// snapshot from its directory and catches up (from the log, or by InstallSnapshot once the
// leader compacted past it); a torn record at the end of a node's log is dropped, never applied.
// Method: TestCluster (driver-harness.ts): three RaftDrivers in this process over loopback TCP,
// WAL directories in a temp dir, SystemClock with 15 ms ticks. Conditions are awaited with
// deadlines (never fixed sleeps); only outcomes are asserted, never durations.

import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { RaftRequestError } from '../../src/raft/driver/index.js';
import { encodeEntryPayload, entryPayloadBytes } from '../../src/raft/wal/entry-codec.js';
import { segmentPaths } from '../../src/raft/wal/log-store.js';
import { recordHeaderBytes, writeRecord } from '../../src/raft/wal/record.js';
import { decodeHeader, segmentHeaderBytes } from '../../src/raft/wal/segment.js';
import { scanSegmentRecords } from '../../src/raft/wal/segment-scan.js';
import { TestCluster, waitFor } from './driver-harness.js';

test('three nodes elect a leader and commit proposals into equal state machines', async (t) => {
  const cluster = new TestCluster(t, 3);
  await cluster.startAll();
  const leader = await cluster.leader();
  const results = await Promise.all(Array.from({ length: 50 }, (_, k) => cluster.node(leader).driver.propose(Buffer.from(`k${k}=v${k}`))));
  t.deepEqual([...results].sort((a, b) => a - b), results, 'results are the entries’ indexes, in proposal order');
  await cluster.converged(results.at(-1) ?? 0);
  t.is(cluster.node(1).fsm.state.get('k49'), 'v49');
  // A follower's proposal is refused with the leader as a hint; its read barrier works.
  const follower = cluster.ids.find((id) => id !== leader) ?? 0;
  const refusal = await t.throwsAsync(cluster.node(follower).driver.propose(Buffer.from('x=1')), { instanceOf: RaftRequestError });
  t.is(refusal?.leader, leader);
  await cluster.put('after', 'read');
  await cluster.node(follower).driver.read();
  t.is(cluster.node(follower).fsm.state.get('after'), 'read', 'read() waits until the follower applied what was committed');
});

test('when the leader stops, the others elect a new leader and keep committing', async (t) => {
  const cluster = new TestCluster(t, 3);
  await cluster.startAll();
  await cluster.put('before', '1');
  const oldLeader = await cluster.leader();
  await cluster.stop(oldLeader);
  const newLeader = await cluster.leader();
  t.not(newLeader, oldLeader);
  const index = await cluster.put('after', '2');
  await cluster.converged(index);
  for (const node of cluster.nodes.values()) t.deepEqual([node.fsm.state.get('before'), node.fsm.state.get('after')], ['1', '2']);
});

test('a restarted node recovers its state from disk and catches up', async (t) => {
  const cluster = new TestCluster(t, 3);
  await cluster.startAll();
  for (let k = 0; k < 20; k++) await cluster.put(`a${k}`, `${k}`);
  const leader = await cluster.leader();
  const victim = cluster.ids.find((id) => id !== leader) ?? 0;
  await cluster.converged(await cluster.put('sync', '1'));
  const { term, vote } = cluster.node(victim).driver.status();
  await cluster.stop(victim);
  for (let k = 0; k < 20; k++) await cluster.put(`b${k}`, `${k}`);
  const restarted = await cluster.start(victim);
  const recovered = restarted.status();
  t.true(recovered.term >= term, 'term survives the restart');
  t.true(recovered.term > term || recovered.vote === vote, 'vote survives the restart');
  t.true(recovered.lastIndex >= 21, 'the log survives the restart');
  const index = await cluster.put('last', '1');
  await cluster.converged(index);
  t.is(cluster.node(victim).fsm.state.get('b19'), '19');
  t.is(cluster.node(victim).driver.stats().snapshotsInstalled, 0, 'caught up from the log');
});

test('after snapshots and compaction a lagging node catches up by InstallSnapshot', async (t) => {
  // Small segments so compaction deletes some; a snapshot every 20 entries keeping 5 behind.
  const cluster = new TestCluster(t, 3, { snapshotEveryEntries: 20, compactionKeepEntries: 5, log: { segmentBytes: 4096, entryBytesMax: 1024 } });
  await cluster.startAll();
  const leader = await cluster.leader();
  const lagging = cluster.ids.find((id) => id !== leader) ?? 0;
  await cluster.stop(lagging);
  for (let k = 0; k < 200; k++) await cluster.put(`s${k}`, 'x'.repeat(40));
  t.true(cluster.node(leader).driver.stats().snapshotsTaken > 0);
  await cluster.start(lagging);
  const index = await cluster.put('final', '1');
  await cluster.converged(index);
  t.true(cluster.node(lagging).driver.stats().snapshotsInstalled >= 1, 'the lagging node got a snapshot');
  t.is(cluster.node(lagging).fsm.state.get('s0'), 'x'.repeat(40));
  // And it restarts from that snapshot.
  await cluster.stop(lagging);
  const again = await cluster.start(lagging);
  t.true(again.snapshotIndex() > 0);
  t.is(cluster.node(lagging).fsm.state.get('s0'), 'x'.repeat(40), 'state restored from the snapshot at open, before any entry applies');
});

/** Writes the first half of a valid record for entry (index, term, data) after the last record of the newest segment: an append cut by a crash. */
function writeTornRecord(logDir: string, index: number, term: number, data: string): void {
  const path = segmentPaths(logDir).at(-1) ?? '';
  const fd = openSync(path, 'r+');
  try {
    const headerBytes = Buffer.alloc(segmentHeaderBytes);
    readSync(fd, headerBytes, 0, segmentHeaderBytes, 0);
    const header = decodeHeader(headerBytes, 0);
    if (typeof header === 'string') throw new Error(header);
    let endBytes = segmentHeaderBytes;
    scanSegmentRecords(fd, header.baseIndex, 1 << 20, (_term, offsetBytes, totalBytes) => (endBytes = offsetBytes + totalBytes));
    const payload = Buffer.alloc(entryPayloadBytes(data.length));
    encodeEntryPayload({ index, term, type: 'normal', data: Buffer.from(data) }, payload, 0);
    const record = Buffer.alloc(recordHeaderBytes + payload.length);
    writeRecord(record, 0, payload);
    writeSync(fd, record, 0, Math.floor(record.length / 2), endBytes);
  } finally {
    closeSync(fd);
  }
}

test('a torn record at the end of a node’s log is dropped at restart and never applied', async (t) => {
  const cluster = new TestCluster(t, 3);
  await cluster.startAll();
  for (let k = 0; k < 10; k++) await cluster.put(`t${k}`, `${k}`);
  const leader = await cluster.leader();
  const victim = cluster.ids.find((id) => id !== leader) ?? 0;
  await cluster.converged(await cluster.put('sync', '1'));
  const { lastIndex, term } = cluster.node(victim).driver.status();
  await cluster.stop(victim);
  writeTornRecord(join(cluster.dir(victim), 'log'), lastIndex + 1, term, 'torn=never');
  const restarted = await cluster.start(victim);
  t.is(restarted.status().lastIndex, lastIndex, 'the torn record was dropped');
  const index = await cluster.put('next', '1');
  await cluster.converged(index);
  t.false(cluster.node(victim).fsm.appliedKeys.has('torn'), 'the torn entry was never applied');
  await waitFor(() => cluster.node(victim).fsm.state.get('next') === '1', 5_000, 'the victim to apply the next entry');
});

test('when the leader process is gone (its port refuses), a follower campaigns at once instead of waiting out the election timeout', async (t) => {
  // Election timeouts of 3-6 s (200 ticks of 15 ms): a new leader well before 3 s can only come
  // from the leader-gone path; the assertion is on the counter, the duration is only logged.
  const cluster = new TestCluster(t, 3, { tuning: { electionTicks: 200 } });
  await cluster.startAll();
  await cluster.put('before', '1', 20_000);
  const oldLeader = await cluster.leader(20_000);
  const stoppedAtMs = performance.now();
  await cluster.stop(oldLeader);
  const newLeader = await cluster.leader(20_000);
  t.log(`new leader ${Math.round(performance.now() - stoppedAtMs)} ms after the old one stopped`);
  t.not(newLeader, oldLeader);
  const campaigns = [...cluster.nodes.values()].reduce((sum, node) => sum + node.driver.stats().leaderGoneCampaigns, 0);
  t.true(campaigns >= 1, 'a follower campaigned because the leader was gone');
  await cluster.converged(await cluster.put('after', '2'));
});

test('a proposal on a leader that loses its quorum is rejected as leadership-lost, not left waiting', async (t) => {
  const cluster = new TestCluster(t, 3);
  await cluster.startAll();
  await cluster.put('warm', '1');
  const leader = await cluster.leader();
  for (const id of cluster.ids) if (id !== leader) await cluster.stop(id);
  // checkQuorum: without acknowledgements for an election timeout the leader steps down.
  const error = await t.throwsAsync(cluster.node(leader).driver.propose(Buffer.from('lost=1')), { instanceOf: RaftRequestError });
  t.is(error?.reason, 'leadership-lost');
  t.regex(error?.message ?? '', /may still commit/);
  await t.throwsAsync(cluster.node(leader).driver.read(), { instanceOf: RaftRequestError }, 'no leader: reads refuse too');
});
