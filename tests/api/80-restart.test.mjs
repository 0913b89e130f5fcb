// 80-restart: what was acknowledged survives SIGKILL (a write answers
// only once durable: docs/ARCHITECTURE.md#group-commit), a new server on
// the same data directory shows exactly the created-and-not-deleted
// sub-jobs with their statuses; SIGTERM drains and exits 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, clients, initData } from './lib.mjs';
import {
  create, claim, finish, snapshot, mkProject, fullClients, assertCountsConsistent,
} from './helpers.mjs';

const envs = [];
const servers = [];

after(async () => {
  for (const s of servers) await s.stop();
  for (const e of envs) e.cleanup?.();
});

async function serve(env, extra) {
  const s = await startServer(env, extra);
  servers.push(s);
  return s;
}

test('SIGKILL then restart on the same data directory: exactly the acknowledged state', async () => {
  const env = initData();
  const srv1 = await serve(env);
  envs.push(srv1);
  const c = clients(srv1);
  const P2 = mkProject(srv1, 'restart');
  const c2 = clients(srv1, undefined, P2);

  // Jobs in every state, in two projects.
  const jA = await create(c, 'createDesktops', 4);
  const jB = await create(c, 'applyWorkspace', 2);
  const jC = await create(c2, 'deleteDesktops', 3);
  const idem = await create(c, 'addVolumes', 1, {}, { 'X-Client-Token': 'restart-token' });
  const got = await claim(c, { max: 5 });
  assert.equal(got.length, 5);
  const byId = Object.fromEntries(got.map((s) => [s.id, s]));
  // Of the 5 claimed: 2 SUCCESS, 2 FAILED, 1 stays RUNNING (lease kept);
  // 2 sub-jobs of project 1 stay WAITING.
  const order = got.map((s) => s.id);
  await finish(c, byId[order[0]], 'SUCCESS');
  await finish(c, byId[order[1]], 'SUCCESS');
  await finish(c, byId[order[2]], 'FAILED', 'WKS.0005', 'before the crash');
  assert.equal((await c.heartbeat(order[3], { lease_id: byId[order[3]].lease_id, process: 70 })).status, 200);
  await finish(c, byId[order[4]], 'FAILED', 'WKS.0009', 'apply failed');
  const [cRun] = await claim(c2, { max: 1 });
  await finish(c2, cRun, 'SUCCESS');
  // Deletions: one SUCCESS sub-job by id; every SUCCESS one of project 2.
  assert.equal((await c.del({ job_ids: [order[0]] })).status, 200);
  assert.equal((await c2.del({ delete_by_status: 'SUCCESS' })).status, 200);

  const snap1 = await snapshot(c);
  const snap2 = await snapshot(c2);
  const jobs1 = {};
  for (const j of [jA, jB, idem]) jobs1[j.job_id] = (await c.show(j.job_id)).body;
  const jobC1 = (await c2.show(jC.job_id)).body;
  assert.equal(Object.keys(snap1).length, 6, 'project 1: 4 + 2 + 1 created, 1 deleted');
  assert.equal(Object.keys(snap2).length, 2, 'project 2: 3 created, 1 deleted');
  assert.equal(snap1[order[0]], undefined);

  // Crash.
  const killed = await srv1.kill();
  assert.equal(killed, 'SIGKILL');

  const srv2 = await serve({ dir: env.dir, data: env.data, creds: env.creds });
  const d = clients(srv2);
  const d2 = clients(srv2, undefined, P2);
  assert.deepEqual(await snapshot(d), snap1, 'project 1 differs after the restart');
  assert.deepEqual(await snapshot(d2), snap2, 'project 2 differs after the restart');
  for (const [id, job] of Object.entries(jobs1)) assert.deepEqual((await d.show(id)).body, job);
  assert.deepEqual((await d2.show(jC.job_id)).body, jobC1);
  const st = (id) => snap1[id].status;
  assert.deepEqual([order[1], order[2], order[3], order[4]].map(st), ['SUCCESS', 'FAILED', 'RUNNING', 'FAILED']);

  // The lease held before the crash is still valid; the spent ones are not.
  const fd = fullClients(srv2);
  const fin = await d.finish(order[3], { lease_id: byId[order[3]].lease_id, status: 'SUCCESS' });
  assert.equal(fin.status, 200, JSON.stringify(fin.body));
  const spent = await fd.finish(order[1], { lease_id: byId[order[1]].lease_id, status: 'SUCCESS' });
  assert.equal(spent.status, 409);
  // The client token survives too: the replay creates nothing.
  const replay = await d.create({ job_type: 'addVolumes', sub_jobs: [{}] }, { 'X-Client-Token': 'restart-token' });
  assert.equal(replay.status, 201);
  assert.deepEqual(replay.body, idem);
  assert.equal(Object.keys(await snapshot(d)).length, 6);
  // And the WAITING ones can still be claimed.
  const left = await claim(d, { max: 10 });
  assert.deepEqual(left.map((s) => s.id).sort(),
    Object.values(snap1).filter((s) => s.status === 'WAITING').map((s) => s.id).sort());

  await assertCountsConsistent(d);
  await assertCountsConsistent(d2);

  // SIGTERM exits 0.
  assert.equal(await srv2.stop(), 0);
});

test('SIGTERM on an idle server exits 0; the data directory reopens', async () => {
  const srv = await serve();
  envs.push(srv);
  const c = clients(srv);
  const j = await create(c, 'createDesktops', 2);
  assert.equal(await srv.stop(), 0);
  const again = await serve({ dir: srv.dir, data: srv.data, creds: srv.creds });
  const job = (await clients(again).show(j.job_id)).body;
  assert.equal(job.sub_jobs_total, 2);
  assert.equal(await again.stop(), 0);
});

test('a lease that expires while the server is down is collected after the restart', async () => {
  const opts = ['--reap-interval-ms', '200', '--max-attempts', '3'];
  const srv = await serve(undefined, opts);
  envs.push(srv);
  const c = clients(srv);
  const j = await create(c, 'createDesktops', 1);
  const [s] = await claim(c, { max: 1, lease: 5 });
  const t0 = Date.now();
  assert.equal(await srv.kill(), 'SIGKILL');
  await new Promise((r) => setTimeout(r, Math.max(0, 5500 - (Date.now() - t0))));
  const again = await serve({ dir: srv.dir, data: srv.data, creds: srv.creds }, opts);
  const d = clients(again);
  let st;
  for (let i = 0; i < 40; i++) {
    st = (await snapshot(d))[s.id]?.status;
    if (st === 'WAITING') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(st, 'WAITING', 'the expired lease was not collected after the restart');
  const [s2] = await claim(d, { max: 1 });
  assert.equal(s2.id, s.id);
  assert.equal(s2.attempts, 1);
  const old = await fullClients(again).finish(s.id, { lease_id: s.lease_id, status: 'SUCCESS' });
  assert.equal(old.status, 409);
  assert.equal((await d.show(j.job_id)).body.status, 'RUNNING');
});

test('SIGTERM with requests in flight: exit 0, and every acknowledged create is there after the restart', async () => {
  const srv = await serve();
  envs.push(srv);
  const c = clients(srv);
  const subs = Array.from({ length: 50 }, (_, i) => ({ entities: { desktop_id: `d-${i}` } }));
  const inflight = Array.from({ length: 40 }, () => c.create({ job_type: 'createDesktops', sub_jobs: subs }));
  const first = await Promise.race(inflight);
  assert.equal(first.status, 201);
  const code = srv.stop();
  const settled = await Promise.allSettled(inflight);
  assert.equal(await code, 0, 'SIGTERM did not exit 0');
  const acked = settled.filter((s) => s.status === 'fulfilled' && s.value.status === 201).map((s) => s.value.body);
  for (const s of settled) {
    if (s.status === 'fulfilled') assert.equal(s.value.status, 201, JSON.stringify(s.value.body));
  }
  assert.ok(acked.length >= 1);
  const again = await serve({ dir: srv.dir, data: srv.data, creds: srv.creds });
  const d = clients(again);
  for (const j of acked) {
    const r = await d.show(j.job_id);
    assert.equal(r.status, 200, `acknowledged job ${j.job_id} is missing after the restart`);
    assert.equal(r.body.sub_jobs_total, 50);
  }
  const total = (await d.list({ limit: 0 })).body.total_count;
  assert.ok(total >= acked.length * 50 && total % 50 === 0, `total ${total} for ${acked.length} acknowledged jobs`);
  assert.equal(await again.stop(), 0);
});
