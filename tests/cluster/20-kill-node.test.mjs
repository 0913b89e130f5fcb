// 20-kill-node: `kill -9` of one node of three while workers run through
// all of them.  The other nodes go on; the leases the lost node handed
// out (and those of a worker that died with it) expire and are claimed
// again; every sub-job ends exactly once, counted from the workers' side;
// no write a node acknowledged is lost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { clients, createJob } from '../api/lib.mjs';
import { startCluster, sleep } from './cluster-lib.mjs';

const LEASE_S = 5;	// the shortest lease the API allows
const SUBS = 240;

let cl;
after(async () => { if (cl) await cl.shutdown(); });

test('kill -9 of a node: the others go on, its leases are claimed again, every sub-job ends once', async () => {
  cl = await startCluster({ nodes: 3, serveArgs: ['--reap-interval-ms', '200'] });
  const c = cl.nodes.map((n) => clients(n));
  const alive = [true, true, true];

  // Acknowledged creations through every node.
  const jobs = [];
  for (let i = 0; i < SUBS / 20; i++) jobs.push(await createJob(c[i % 3], 'createDesktops', 20));
  const created = jobs.flatMap((j) => j.sub_job_ids);

  const finishes = new Map();	// sub-job id -> finishes answered 200
  const unsure = new Set();	// finishes whose answer was lost with the node
  const reclaimed = new Set();	// claimed again after a lease expiry
  const errors = [];
  let stop = false;

  // A worker prefers node `home` and moves to the next live node when a
  // request finds no node there (as behind a load balancer).
  async function worker(name, home) {
    let at = home;
    const next = () => { at = [1, 2, 3].map((k) => (at + k) % 3).find((k) => alive[k]); };
    let idle = 0;
    while (!stop && idle < 60) {
      let r;
      try {
        r = await c[at].claim({ worker_id: name, host: '10.0.0.9', max: 5, lease_seconds: LEASE_S });
      } catch { next(); continue; }
      if (r.status !== 200) { errors.push(`claim ${r.status} ${JSON.stringify(r.body)}`); await sleep(100); continue; }
      if (r.body.sub_jobs.length === 0) { idle += 1; await sleep(300); continue; }
      idle = 0;
      for (const s of r.body.sub_jobs) {
        if (s.attempts > 0) reclaimed.add(s.id);
        await sleep(20);
        const via = at;
        let f;
        try {
          f = await c[via].finish(s.id, { lease_id: s.lease_id, status: 'SUCCESS' });
        } catch {
          unsure.add(s.id);
          next();
          continue;
        }
        if (f.status === 200) finishes.set(s.id, (finishes.get(s.id) ?? 0) + 1);
        else if (f.status !== 409) errors.push(`finish ${f.status} ${JSON.stringify(f.body)}`);
      }
    }
  }

  // A worker on node 3 that claims and never finishes: it dies with it.
  const held = await c[2].claim({ worker_id: 'doomed', host: '10.0.0.3', max: 10, lease_seconds: LEASE_S });
  assert.equal(held.status, 200);
  assert.equal(held.body.sub_jobs.length, 10);

  const runs = [];
  for (let w = 0; w < 6; w++) runs.push(worker(`w${w}`, w % 3));
  // Let them work, then lose node 3 in the middle of it.
  for (let i = 0; i < 300 && finishes.size < SUBS / 3; i++) await sleep(100);
  assert.ok(finishes.size >= SUBS / 3, `workers finished ${finishes.size} before the kill`);
  alive[2] = false;
  assert.equal(await cl.nodes[2].kill(), 'SIGKILL');
  const before = finishes.size;

  // The others go on: everything ends within a generous bound.
  const allEnded = async () => {
    const r = await c[0].list({ limit: 0, status: 'SUCCESS' });
    return r.body.total_count === SUBS;
  };
  for (let i = 0; i < 600 && !(await allEnded()); i++) await sleep(200);
  stop = true;
  await Promise.all(runs);
  assert.deepEqual(errors, []);
  assert.ok(finishes.size > before, 'nothing finished after the kill');

  // Every sub-job ended exactly once; the doomed worker's were claimed again.
  for (const id of created) {
    const n = finishes.get(id) ?? 0;
    assert.ok(n === 1 || (n === 0 && unsure.has(id)), `sub-job ${id} finished ${n} times`);
  }
  for (const s of held.body.sub_jobs) assert.ok(reclaimed.has(s.id), `lease of ${s.id} was not claimed again`);
  // Nothing acknowledged is lost: every created sub-job is there, SUCCESS,
  // on both surviving nodes, and the counts agree with the rows.
  for (const x of [c[0], c[1]]) {
    const r = await x.list({ limit: 1000 });
    assert.equal(r.status, 200);
    assert.equal(r.body.total_count, SUBS);
    assert.deepEqual(r.body.jobs.map((s) => s.id).sort(), [...created].sort());
    assert.ok(r.body.jobs.every((s) => s.status === 'SUCCESS'));
    for (const j of jobs) {
      const sh = await x.show(j.job_id);
      assert.equal(sh.body.status, 'SUCCESS');
      assert.equal(sh.body.sub_jobs_total, 20);
    }
  }
});
