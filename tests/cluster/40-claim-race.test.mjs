// 40-claim-race: eight claimers on three nodes race for the same 10,000
// WAITING sub-jobs (one statement per claim with FOR UPDATE SKIP LOCKED,
// docs/ARCHITECTURE.md): every sub-job is handed out exactly once, with a
// lease of its own, and the counts say 10,000 RUNNING afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { clients } from '../api/lib.mjs';
import { startCluster, sleep } from './cluster-lib.mjs';

const TOTAL = 10000;
const PER_CREATE = 1000;	// the most sub-jobs one CreateJob takes
const CLAIMERS = 8;

let cl;
after(async () => { if (cl) await cl.shutdown(); });

test('eight claimers on three nodes, 10,000 sub-jobs: zero double claims', async () => {
  cl = await startCluster({ nodes: 3 });
  const c = cl.nodes.map((n) => clients(n));
  const created = [];
  for (let i = 0; i < TOTAL / PER_CREATE; i++) {
    const r = await c[i % 3].create({ job_type: 'createDesktops',
      sub_jobs: Array.from({ length: PER_CREATE }, (_, k) => ({ entity: `e-${i}-${k}` })) });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    created.push(...r.body.sub_job_ids);
  }
  assert.equal((await c[0].list({ status: 'WAITING', limit: 0 })).body.total_count, TOTAL);

  const got = [];	// [claimer, sub-job id, lease id]
  const errors = [];
  const startAt = Date.now() + 500;
  async function claimer(i) {
    await sleep(startAt - Date.now());
    let empty = 0;
    for (let round = 0; round < 2000 && empty < 3; round++) {
      const r = await c[i % 3].claim({ worker_id: `racer-${i}`, host: `10.0.1.${i}`,
        max: 1 + (i % 4) * 33, lease_seconds: 3600 });
      if (r.status !== 200) {
        errors.push(`${r.status} ${JSON.stringify(r.body)}`);
        if (errors.length > 20) return;
        continue;
      }
      if (r.body.sub_jobs.length === 0) { empty += 1; continue; }
      empty = 0;
      for (const s of r.body.sub_jobs) got.push([i, s.id, s.lease_id]);
    }
  }
  await Promise.all(Array.from({ length: CLAIMERS }, (_, i) => claimer(i)));
  if (errors.length > 0) {
    for (const n of cl.nodes) console.error(`--- node log:\n${n.stderr().slice(-4000)}`);
  }
  assert.deepEqual(errors, []);

  const seen = new Map();
  const doubles = [];
  for (const [i, id] of got) {
    if (seen.has(id)) doubles.push(`${id}: racer-${seen.get(id)} and racer-${i}`);
    else seen.set(id, i);
  }
  assert.deepEqual(doubles, [], 'sub-jobs handed to two claimers');
  assert.equal(got.length, TOTAL);
  assert.deepEqual([...seen.keys()].sort(), [...created].sort());
  assert.equal(new Set(got.map((g) => g[2])).size, TOTAL, 'two claims share a lease id');
  // Several claimers on every node took part.
  const byRacer = new Set(got.map((g) => g[0]));
  assert.ok(byRacer.size >= 6, `only ${byRacer.size} claimers got anything`);
  for (const x of c) {
    assert.equal((await x.list({ status: 'RUNNING', limit: 0 })).body.total_count, TOTAL);
    assert.equal((await x.list({ status: 'WAITING', limit: 0 })).body.total_count, 0);
  }
});
