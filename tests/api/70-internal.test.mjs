// 70-internal: the internal API (docs/API.md#internal-api) - idempotent
// create with X-Client-Token, claim bounds and order, heartbeat/finish
// lease checks, and concurrent claims from several processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  MSG, ID_RE, assertWksError, assertNoNulls, fullClients, create, claim, finish, snapshot,
  signedRaw, sleep, assertCountsConsistent, serverFixture,
} from './helpers.mjs';

const fx = serverFixture();

const hex32 = () => randomBytes(16).toString('hex');

const fresh = (prefix = 'int') => fx.project(prefix);

// ---- create ---------------------------------------------------------------

test('create: request validation (400 naming the member), nothing created', async () => {
  const { c, f } = fresh();
  assertWksError(await f.create(undefined), 400, 'WKS.0001', MSG.empty);
  const cases = [
    [{ sub_jobs: [{}] }, 'job_type'],
    [{ job_type: '', sub_jobs: [{}] }, 'job_type'],
    [{ job_type: 'x'.repeat(56), sub_jobs: [{}] }, 'job_type'],
    [{ job_type: 7, sub_jobs: [{}] }, 'job_type'],
    [{ job_type: 'createDesktops' }, 'sub_jobs'],
    [{ job_type: 'createDesktops', sub_jobs: [] }, 'sub_jobs'],
    [{ job_type: 'createDesktops', sub_jobs: {} }, 'sub_jobs'],
    [{ job_type: 'createDesktops', sub_jobs: Array(1001).fill({}) }, 'sub_jobs'],
    [{ job_type: 'createDesktops', sub_jobs: [{}, 'x'] }, 'sub_jobs[1]'],
    [{ job_type: 'createDesktops', sub_jobs: [{ entities: 'x' }] }, 'entities'],
    [{ job_type: 'createDesktops', sub_jobs: [{ entities: { color: 'red' } }] }, 'color'],
    [{ job_type: 'createDesktops', sub_jobs: [{ entities: { desktop_id: 'd'.repeat(56) } }] }, 'desktop_id'],
    [{ job_type: 'createDesktops', sub_jobs: [{ entities: { user_name: 3 } }] }, 'user_name'],
    [{ job_type: 'createDesktops', sub_jobs: [{ desktop_pool_id: 'p'.repeat(256) }] }, 'desktop_pool_id'],
    [{ job_type: 'createDesktops', sub_jobs: [{ attach_user: '' }] }, 'attach_user'],
  ];
  for (const [body, name] of cases) {
    assertWksError(await f.create(body), 400, 'WKS.00211102', MSG.invalid, name);
  }
  assert.equal((await c.list()).body.total_count, 0, 'a refused create created sub-jobs');
  // Bounds that are fine: 55-character job type and entity members, 1000 sub-jobs.
  const ok = await c.create({ job_type: 'x'.repeat(55), sub_jobs: [{ entities: { desktop_id: 'd'.repeat(55),
    desktop_name: 'n'.repeat(255) }, desktop_pool_id: 'p'.repeat(255) }] });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
});

test('X-Client-Token: a replay returns 201 with the identical body and creates nothing', async () => {
  const { P, c } = fresh();
  const body = { job_type: 'createDesktops', sub_jobs: [{ entities: { desktop_id: 'a' } }, { entities: { desktop_id: 'b' } }] };
  const first = await c.create(body, { 'X-Client-Token': 'tok-0001' });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  for (let i = 0; i < 3; i++) {
    const again = await c.create(body, { 'X-Client-Token': 'tok-0001' });
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    assert.ok(again.requestId);
  }
  // Byte for byte, seen on the wire.
  const wire = [];
  for (let i = 0; i < 2; i++) {
    const r = await signedRaw(fx.srv, fx.srv.internalUrl, { method: 'POST', path: `/v1/internal/${P}/jobs`,
      body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', 'X-Client-Token': 'tok-0001' } });
    assert.equal(r.status, 201, r.text);
    wire.push(r.text);
  }
  assert.equal(wire[0], wire[1]);
  assert.deepEqual(JSON.parse(wire[0]), first.body);
  // A different body under the same token still answers the first result.
  const other = await c.create({ job_type: 'deleteDesktops', sub_jobs: [{}] }, { 'X-Client-Token': 'tok-0001' });
  assert.equal(other.status, 201);
  assert.deepEqual(other.body, first.body);
  const all = await snapshot(c);
  assert.deepEqual(Object.keys(all).sort(), [...first.body.sub_job_ids].sort(), 'a replay created sub-jobs');
  const job = (await c.show(first.body.job_id)).body;
  assert.equal(job.sub_jobs_total, 2);
  assert.equal(job.job_type, 'createDesktops');
});

test('X-Client-Token: another token, no token, or another project create new jobs; bad tokens are 400', async () => {
  const { c, f } = fresh();
  const body = { job_type: 'createDesktops', sub_jobs: [{}] };
  const a = (await c.create(body, { 'X-Client-Token': 'tok-A' })).body;
  const b = (await c.create(body, { 'X-Client-Token': 'tok-B' })).body;
  const n1 = (await c.create(body)).body;
  const n2 = (await c.create(body)).body;
  assert.equal(new Set([a.job_id, b.job_id, n1.job_id, n2.job_id]).size, 4);
  const o = fresh('int-tok');
  const inOther = await o.c.create(body, { 'X-Client-Token': 'tok-A' });
  assert.equal(inOther.status, 201);
  assert.notEqual(inOther.body.job_id, a.job_id, 'a token of one project replayed in another');
  assert.equal((await o.c.list()).body.total_count, 1);
  assert.equal((await c.list()).body.total_count, 4);
  for (const t of ['t'.repeat(65), 'has space', 'tab\tx']) {
    assertWksError(await f.create(body, { 'X-Client-Token': t }), 400, 'WKS.00211102', MSG.invalid, 'X-Client-Token');
  }
  const t64 = await c.create(body, { 'X-Client-Token': 't'.repeat(64) });
  assert.equal(t64.status, 201);
  assert.equal((await c.list()).body.total_count, 5);
});

test('X-Client-Token: concurrent creates with one token make one job; without tokens, one each', async () => {
  const { c } = fresh('int-race');
  const body = { job_type: 'createDesktops', sub_jobs: [{}, {}] };
  const same = await Promise.all(Array.from({ length: 12 }, () => c.create(body, { 'X-Client-Token': 'race-1' })));
  for (const r of same) assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(new Set(same.map((r) => r.body.job_id)).size, 1, 'one token gave several jobs');
  for (const r of same) assert.deepEqual(r.body, same[0].body);
  assert.equal((await c.list()).body.total_count, 2);
  const many = await Promise.all(Array.from({ length: 30 }, () => c.create(body)));
  for (const r of many) assert.equal(r.status, 201, JSON.stringify(r.body));
  const ids = many.flatMap((r) => [r.body.job_id, ...r.body.sub_job_ids]);
  assert.equal(new Set(ids).size, 90, 'IDs repeat across concurrent creates');
  assert.equal((await c.list()).body.total_count, 62);
});

// ---- claim ----------------------------------------------------------------

test('claim: max 1..100 and lease_seconds 5..3600, worker_id required (400 naming them)', async () => {
  const { c, f, P } = fresh();
  await create(c, 'createDesktops', 1);
  const base = { worker_id: 'w', max: 1, lease_seconds: 60, project_ids: [P] };
  const bad = [[{ lease_seconds: 4 }, 'lease_seconds'], [{ lease_seconds: 3601 }, 'lease_seconds'],
    [{ lease_seconds: 0 }, 'lease_seconds'], [{ lease_seconds: '60' }, 'lease_seconds'],
    [{ max: 0 }, 'max'], [{ max: 101 }, 'max'], [{ max: -1 }, 'max'], [{ max: 1.5 }, 'max'],
    [{ worker_id: undefined }, 'worker_id'], [{ worker_id: '' }, 'worker_id'], [{ worker_id: 'w'.repeat(256) }, 'worker_id'],
    [{ job_types: 'createDesktops' }, 'job_types'], [{ project_ids: P }, 'project_ids']];
  for (const [patch, name] of bad) {
    const body = { ...base, ...patch };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    assertWksError(await f.claim(body), 400, 'WKS.00211102', MSG.invalid, name);
  }
  assertWksError(await f.claim(undefined), 400, 'WKS.0001', MSG.empty);
  // Nothing was claimed by the refused calls.
  assert.equal((await c.list({ status: 'WAITING' })).body.total_count, 1);
  for (const patch of [{ lease_seconds: 5 }, { lease_seconds: 3600 }, { max: 100 }]) {
    const r = await c.claim({ ...base, ...patch, job_types: ['nothingOfThisType'] });
    assert.equal(r.status, 200, `${JSON.stringify(patch)}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body, { sub_jobs: [] });
  }
});

test('claim: oldest WAITING first, up to max, each RUNNING with a lease', async () => {
  const { c, P } = fresh();
  const j1 = await create(c, 'createDesktops', 2);
  await sleep(5);
  const j2 = await create(c, 'createDesktops', 3);
  const t0 = Date.now();
  const r = await c.claim({ worker_id: 'w-1', host: '10.2.3.4', max: 3, lease_seconds: 120, project_ids: [P] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.requestId);
  assertNoNulls(r.body);
  const got = r.body.sub_jobs;
  assert.equal(got.length, 3);
  const ids = got.map((s) => s.id);
  for (const id of j1.sub_job_ids) assert.ok(ids.includes(id), 'an older sub-job was passed over');
  assert.equal(new Set(got.map((s) => s.lease_id)).size, 3, 'leases are shared');
  for (const s of got) {
    assert.match(s.id, ID_RE);
    assert.equal(s.status, 'RUNNING');
    assert.equal(s.host, '10.2.3.4');
    assert.equal(s.project_id, P);
    assert.equal(typeof s.lease_id, 'string');
    assert.ok(s.lease_id.length > 0);
    const exp = Date.parse(s.lease_expires_at);
    assert.ok(Math.abs(exp - (t0 + 120000)) < 10000, `lease_expires_at ${s.lease_expires_at}`);
    assert.equal(s.attempts, 0);
  }
  const rest = await claim(c, { max: 100 });
  assert.equal(rest.length, 2);
  for (const s of rest) assert.ok(j2.sub_job_ids.includes(s.id));
  assert.deepEqual(await claim(c, { max: 100 }), [], 'a RUNNING sub-job was handed out again');
  const all = await snapshot(c);
  for (const s of Object.values(all)) assert.equal(s.status, 'RUNNING');
});

test('claim: job_types and project_ids narrow what is handed out', async () => {
  const a = fresh('int-a');
  const b = fresh('int-b');
  const ja = await create(a.c, 'createDesktops', 1);
  const jb = await create(a.c, 'deleteDesktops', 1);
  const jc = await create(b.c, 'createDesktops', 1);
  const r1 = await a.c.claim({ worker_id: 'w', max: 10, lease_seconds: 60, project_ids: [a.P], job_types: ['deleteDesktops'] });
  assert.deepEqual(r1.body.sub_jobs.map((s) => s.id), jb.sub_job_ids);
  const r2 = await a.c.claim({ worker_id: 'w', max: 10, lease_seconds: 60, project_ids: [b.P] });
  assert.deepEqual(r2.body.sub_jobs.map((s) => s.id), jc.sub_job_ids);
  const r3 = await a.c.claim({ worker_id: 'w', max: 10, lease_seconds: 60, project_ids: [a.P, b.P] });
  assert.deepEqual(r3.body.sub_jobs.map((s) => s.id), ja.sub_job_ids);
});

// ---- heartbeat and finish -------------------------------------------------

test('heartbeat/finish with a wrong lease_id: 409 WKS.00211103, nothing changes', async () => {
  const { c, f } = fresh();
  await create(c, 'createDesktops', 1);
  const [s] = await claim(c, { max: 1 });
  for (const lease of [hex32(), 'x', s.lease_id + 'x']) {
    assertWksError(await f.heartbeat(s.id, { lease_id: lease, process: 50 }), 409, 'WKS.00211103', MSG.conflict);
    assertWksError(await f.finish(s.id, { lease_id: lease, status: 'SUCCESS' }), 409, 'WKS.00211103', MSG.conflict);
  }
  const now = (await snapshot(c))[s.id];
  assert.equal(now.status, 'RUNNING');
  assert.equal(now.process, 0);
  // The right lease still works.
  assert.equal((await c.heartbeat(s.id, { lease_id: s.lease_id, process: 10 })).status, 200);
});

test('heartbeat/finish of an unknown sub-job: 404 WKS.0202', async () => {
  const { f } = fresh();
  for (const id of [hex32(), 'no-such-sub-job']) {
    assertWksError(await f.heartbeat(id, { lease_id: hex32(), process: 1 }), 404, 'WKS.0202', MSG.notFound);
    assertWksError(await f.finish(id, { lease_id: hex32(), status: 'SUCCESS' }), 404, 'WKS.0202', MSG.notFound);
  }
});

test('internal path values over 255 characters: 400; 255 is looked up (404)', async () => {
  const { f } = fresh();
  assertWksError(await f.heartbeat('s'.repeat(256), { lease_id: 'x' }), 400, 'WKS.00211102', MSG.invalid);
  assertWksError(await f.finish('s'.repeat(256), { lease_id: 'x', status: 'SUCCESS' }), 400, 'WKS.00211102', MSG.invalid);
  assertWksError(await f.heartbeat('s'.repeat(255), { lease_id: 'x' }), 404, 'WKS.0202', MSG.notFound);
  const longP = fullClients(fx.srv, undefined, 'p'.repeat(256));
  assertWksError(await longP.create({ job_type: 'createDesktops', sub_jobs: [{}] }), 400, 'WKS.00211102', MSG.invalid);
});

test('heartbeat/finish of a WAITING sub-job (no lease): 409', async () => {
  const { c, f } = fresh();
  const j = await create(c, 'createDesktops', 1);
  const id = j.sub_job_ids[0];
  assertWksError(await f.heartbeat(id, { lease_id: hex32() }), 409, 'WKS.00211103', MSG.conflict);
  assertWksError(await f.finish(id, { lease_id: hex32(), status: 'SUCCESS' }), 409, 'WKS.00211103', MSG.conflict);
  assert.equal((await snapshot(c))[id].status, 'WAITING');
});

test('a finished sub-job: its lease is spent (heartbeat and second finish 409)', async () => {
  const { c, f } = fresh();
  await create(c, 'createDesktops', 1);
  const [s] = await claim(c, { max: 1 });
  await finish(c, s, 'SUCCESS');
  assertWksError(await f.finish(s.id, { lease_id: s.lease_id, status: 'SUCCESS' }), 409, 'WKS.00211103', MSG.conflict);
  assertWksError(await f.finish(s.id, { lease_id: s.lease_id, status: 'FAILED', error_code: 'WKS.0005' }),
    409, 'WKS.00211103', MSG.conflict);
  assertWksError(await f.heartbeat(s.id, { lease_id: s.lease_id, process: 5 }), 409, 'WKS.00211103', MSG.conflict);
  const now = (await snapshot(c))[s.id];
  assert.equal(now.status, 'SUCCESS');
  assert.equal(now.error_code, undefined);
});

test('heartbeat extends the lease; process is optional', async () => {
  const { c } = fresh();
  await create(c, 'createDesktops', 1);
  const [s] = await claim(c, { max: 1, lease: 5 });
  await sleep(1100);
  const h = await c.heartbeat(s.id, { lease_id: s.lease_id });
  assert.equal(h.status, 200, JSON.stringify(h.body));
  assert.ok(Date.parse(h.body.lease_expires_at) >= Date.parse(s.lease_expires_at) + 1000,
    `heartbeat did not extend ${s.lease_expires_at} -> ${h.body.lease_expires_at}`);
  assert.ok(Date.parse(h.body.lease_expires_at) <= Date.now() + 5000 + 2000);
  assert.equal((await snapshot(c))[s.id].process, 0);
});

test('finish: request validation', async () => {
  const { c, f } = fresh();
  await create(c, 'createDesktops', 1);
  const [s] = await claim(c, { max: 1 });
  const L = s.lease_id;
  const bad = [[{ status: 'SUCCESS' }, 'lease_id'], [{ lease_id: L }, 'status'],
    [{ lease_id: L, status: 'RUNNING' }, 'status'], [{ lease_id: L, status: 'WAITING' }, 'status'],
    [{ lease_id: L, status: 'success' }, 'status'],
    [{ lease_id: L, status: 'FAILED' }, 'error_code'],
    [{ lease_id: L, status: 'SUCCESS', error_code: 'WKS.0005' }, 'error_code'],
    [{ lease_id: L, status: 'FAILED', error_code: 'E'.repeat(56) }, 'error_code'],
    [{ lease_id: L, status: 'FAILED', error_code: 'WKS.0005', fail_reason: 'r'.repeat(256) }, 'fail_reason']];
  for (const [body, name] of bad) {
    assertWksError(await f.finish(s.id, body), 400, 'WKS.00211102', MSG.invalid, name);
  }
  assertWksError(await f.finish(s.id, undefined), 400, 'WKS.0001', MSG.empty);
  assert.equal((await snapshot(c))[s.id].status, 'RUNNING');
  // Bounds that are fine, and finish may report the executing host.
  const ok = await c.finish(s.id, { lease_id: L, status: 'FAILED', error_code: 'E'.repeat(55),
    fail_reason: 'r'.repeat(255), host: '10.9.9.9' });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const now = (await snapshot(c))[s.id];
  assert.equal(now.status, 'FAILED');
  assert.equal(now.error_code, 'E'.repeat(55));
  assert.equal(now.fail_reason, 'r'.repeat(255));
  assert.equal(now.host, '10.9.9.9');
});

// ---- concurrency ------------------------------------------------------------

function runWorker(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(import.meta.dirname, 'claim-worker.mjs'), ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`worker timed out: ${err}`)); }, 60000);
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      clearTimeout(t);
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${err}`));
      try { resolve(JSON.parse(out.trim().split('\n').at(-1))); } catch (e) { reject(new Error(`worker output: ${out} ${err}`)); }
    });
  });
}

test('concurrent claims from 4 processes never share a sub-job and together take all', async () => {
  const { P, c } = fresh('int-conc');
  const all = [];
  for (let i = 0; i < 4; i++) all.push(...(await create(c, 'createDesktops', 30)).sub_job_ids);
  // All four start claiming at one moment, 3 s from now (node starts
  // in well under that even on a loaded machine).
  const startAt = String(Date.now() + 3000);
  const results = await Promise.all(['w1', 'w2', 'w3', 'w4'].map((w) =>
    runWorker([fx.srv.internalUrl, fx.srv.creds.access_key, fx.srv.creds.secret_key, P, w, startAt])));
  const owner = new Map();
  const leases = new Set();
  for (const r of results) {
    assert.deepEqual(r.errors, [], `worker ${r.worker} saw errors`);
    for (const s of r.got) {
      assert.ok(!owner.has(s.id), `${s.id} claimed by ${owner.get(s.id)} and ${r.worker}`);
      owner.set(s.id, r.worker);
      assert.equal(s.status, 'RUNNING');
      assert.ok(!leases.has(s.lease_id), 'a lease id was reused');
      leases.add(s.lease_id);
    }
  }
  assert.deepEqual([...owner.keys()].sort(), [...all].sort(), 'not every sub-job was claimed exactly once');
  // Each sub-job carries the host of the worker that got it.
  const snap = await snapshot(c);
  for (const [id, w] of owner) {
    assert.equal(snap[id].status, 'RUNNING');
    assert.equal(snap[id].host, `host-${w}`, `${id} shows the host of another worker`);
  }
  const busy = results.filter((r) => r.got.length > 0).length;
  assert.ok(busy >= 2, `only ${busy} worker(s) got anything`);
  await assertCountsConsistent(c);
});
