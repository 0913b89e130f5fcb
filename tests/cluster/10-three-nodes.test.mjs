// 10-three-nodes: three stateless nodes on one PostgreSQL database answer
// as one service.  Jobs are created through node 1, listed and deleted
// through node 2, claimed by workers on nodes 2 and 3, and every answer
// is the one node 1 gives for the same request (request IDs aside).  A
// creation replayed with its X-Client-Token on another node answers the
// first answer's body; a refused batch delete deletes nothing anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { clients, createJob } from '../api/lib.mjs';
import { startCluster, sameAnswer } from './cluster-lib.mjs';

let cl;
let c;	// clients of node 1, 2, 3

before(async () => {
  cl = await startCluster({ nodes: 3 });
  c = cl.nodes.map((n) => clients(n));
});

after(async () => {
  const codes = await cl.shutdown();
  assert.deepEqual(codes, [0, 0, 0], 'a node did not exit cleanly');
});

// The same request on every node: node 1's answer, asserted equal on the others.
async function onEvery(fn, what) {
  const first = sameAnswer(await fn(c[0]));
  for (let i = 1; i < c.length; i++) {
    assert.deepEqual(sameAnswer(await fn(c[i])), first, `${what}: node ${i + 1} differs from node 1`);
  }
  return first;
}

const LISTS = [{}, { limit: 2 }, { limit: 2, offset: 2 }, { status: 'WAITING' }, { status: 'RUNNING' },
  { status: 'SUCCESS' }, { job_type: 'rebuildDesktops' }, { limit: 0 }];

async function listsAgree(tag) {
  for (const q of LISTS) await onEvery((x) => x.list(q), `${tag} list ${JSON.stringify(q)}`);
}

test('created on node 1, shown and listed alike on nodes 2 and 3', async () => {
  const a = await createJob(c[0], 'createDesktops', 5);
  const b = await createJob(c[0], 'rebuildDesktops', 3);
  for (const j of [a, b]) {
    const shown = await onEvery((x) => x.show(j.job_id), `show ${j.job_id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.sub_jobs_total, j.sub_job_ids.length);
  }
  await listsAgree('after create');
  const all = await c[1].list({ limit: 100 });
  assert.equal(all.body.total_count, 8);
});

test('claimed by workers on nodes 2 and 3: disjoint, finished, seen alike everywhere', async () => {
  const j = await createJob(c[0], 'expandVolumes', 6);
  const claim = (x, worker) => x.claim({ worker_id: worker, host: '10.0.0.2', max: 4, lease_seconds: 60,
    job_types: ['expandVolumes'] });
  const [r2, r3] = await Promise.all([claim(c[1], 'w-node2'), claim(c[2], 'w-node3')]);
  assert.equal(r2.status, 200);
  assert.equal(r3.status, 200);
  const got = [...r2.body.sub_jobs, ...r3.body.sub_jobs];
  const ids = got.map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, 'a sub-job was handed to both workers');
  assert.equal(ids.length, 6);
  assert.deepEqual([...ids].sort(), [...j.sub_job_ids].sort());
  await onEvery((x) => x.show(j.job_id), 'show while RUNNING');
  // A finish with another worker's lease is 409 on any node.
  const [s2] = r2.body.sub_jobs;
  const [s3] = r3.body.sub_jobs;
  const wrong = await c[0].finish(s2.id, { lease_id: s3.lease_id, status: 'SUCCESS' });
  assert.equal(wrong.status, 409, JSON.stringify(wrong.body));
  // Each worker finishes through its own node; node 1 sees it at once.
  for (const [x, r] of [[c[1], r2], [c[2], r3]]) {
    for (const s of r.body.sub_jobs) {
      const f = await x.finish(s.id, { lease_id: s.lease_id, status: 'SUCCESS' });
      assert.equal(f.status, 200, JSON.stringify(f.body));
    }
  }
  const shown = await onEvery((x) => x.show(j.job_id), 'show after finish');
  assert.equal(shown.body.status, 'SUCCESS');
  await listsAgree('after finish');
});

test('deleted through node 2: gone on every node; a refused delete deletes nothing', async () => {
  const done = (await c[0].list({ status: 'SUCCESS', limit: 100 })).body.jobs.map((s) => s.id);
  assert.equal(done.length, 6);
  // One WAITING ID in the batch: refused, nothing deleted, on any node.
  const waiting = (await c[0].list({ status: 'WAITING', limit: 1 })).body.jobs[0].id;
  const refused = await c[1].del({ job_ids: [done[0], waiting] });
  assert.notEqual(refused.status, 200, JSON.stringify(refused.body));
  await onEvery((x) => x.del({ job_ids: [done[0], waiting] }), 'a refused delete');
  assert.equal((await c[0].list({ status: 'SUCCESS', limit: 0 })).body.total_count, 6);
  const ok = await c[1].del({ job_ids: done.slice(0, 4) });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  await listsAgree('after delete');
  assert.equal((await c[2].list({ status: 'SUCCESS', limit: 0 })).body.total_count, 2);
  // Deleting again is idempotent on any node.
  await onEvery((x) => x.del({ job_ids: done.slice(0, 4) }), 'a repeated delete');
});

test('X-Client-Token: a creation replayed on another node answers the first body and creates nothing', async () => {
  const before = (await c[0].list({ limit: 0 })).body.total_count;
  const body = { job_type: 'createSnapshot', sub_jobs: [{ entity: 'e1' }, { entity: 'e2' }] };
  const first = await c[0].create(body, { 'X-Client-Token': 'cluster-replay-1' });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  for (const x of [c[1], c[2]]) {
    const again = await x.create(body, { 'X-Client-Token': 'cluster-replay-1' });
    assert.deepEqual(sameAnswer(again), sameAnswer(first));
  }
  // Two nodes at once with a new token: one job.
  const racing = await Promise.all(c.map((x) => x.create(body, { 'X-Client-Token': 'cluster-race-2' })));
  assert.ok(racing.every((r) => r.status === 201), JSON.stringify(racing.map((r) => r.status)));
  assert.equal(new Set(racing.map((r) => r.body.job_id)).size, 1, 'one token made two jobs');
  assert.equal((await c[2].list({ limit: 0 })).body.total_count, before + 4);
});
