// 60-list: ListItaSubJobs paging, order and filters
// (docs/API.md#listitasubjobs), and tenant isolation between projects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, clients } from './lib.mjs';
import {
  MSG, TIME_RE, parseTime, assertNoNulls, assertWksError, fullClients, create, claim, finish, mkProject,
  sleep, snapshot, signHeaders,
  shutdown,
} from './helpers.mjs';
import { raw } from './lib.mjs';

let srv;
let P;
let c;
let f;
// id -> { jobIdx, job_id, type, pool, status }
const model = new Map();
const jobs = [];

const TYPES = ['createDesktops', 'createDesktops', 'deleteDesktops', 'rebuildDesktops', 'createDesktops', 'deleteDesktops'];
const POOLS = ['pool-A', 'pool-B', 'pool-A', 'pool-C', 'pool-B', 'pool-A'];

before(async () => {
  srv = await startServer();
  P = mkProject(srv, 'list');
  c = clients(srv, undefined, P);
  f = fullClients(srv, undefined, P);
  // 6 jobs of 3 sub-jobs, created a few milliseconds apart (distinct
  // begin times in milliseconds; sub-jobs of one job share theirs).
  for (let i = 0; i < TYPES.length; i++) {
    const j = await create(c, TYPES[i], 3, { desktop_pool_id: POOLS[i] });
    jobs.push(j);
    for (const id of j.sub_job_ids) model.set(id, { jobIdx: i, job_id: j.job_id, type: TYPES[i], pool: POOLS[i], status: 'WAITING' });
    await sleep(5);
  }
  // Claim the 5 oldest: 2 SUCCESS, 2 FAILED, 1 stays RUNNING.
  const got = await claim(c, { max: 5 });
  assert.equal(got.length, 5);
  for (const [i, s] of got.entries()) {
    const st = i < 2 ? 'SUCCESS' : i < 4 ? 'FAILED' : 'RUNNING';
    if (st !== 'RUNNING') await finish(c, s, st);
    model.get(s.id).status = st;
  }
});

after(async () => {
  await shutdown(srv);
});

// The expected order: begin_time (ms) descending, then id ascending.
function expected(pred = () => true) {
  return [...model.entries()].filter(([, m]) => pred(m))
    .sort(([a, ma], [b, mb]) => (mb.jobIdx - ma.jobIdx) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([id]) => id);
}

async function list(q) {
  const r = await c.list(q);
  assert.equal(r.status, 200, `${JSON.stringify(q)}: ${JSON.stringify(r.body)}`);
  assert.ok(r.requestId, 'X-Request-Id missing');
  assertNoNulls(r.body);
  assert.equal(typeof r.body.total_count, 'number');
  assert.ok(Array.isArray(r.body.jobs));
  return r.body;
}

const ids = (b) => b.jobs.map((s) => s.id);

test('no parameters: every sub-job of the project, begin_time desc then id asc', async () => {
  const b = await list();
  assert.equal(b.total_count, 18);
  assert.deepEqual(ids(b), expected());
  for (let i = 1; i < b.jobs.length; i++) {
    assert.ok(parseTime(b.jobs[i - 1].begin_time) >= parseTime(b.jobs[i].begin_time), 'begin_time not descending');
  }
  for (const s of b.jobs) {
    const m = model.get(s.id);
    assert.equal(s.status, m.status);
    assert.equal(s.job_id, m.job_id);
    assert.equal(s.job_type, m.type);
    assert.equal(s.project_id, P);
    assert.match(s.begin_time, TIME_RE);
  }
});

test('limit 0: "jobs": [] with the real total_count', async () => {
  const b = await list({ limit: 0 });
  assert.deepEqual(b.jobs, []);
  assert.equal(b.total_count, 18);
  const b2 = await list({ limit: 0, status: 'FAILED' });
  assert.deepEqual(b2.jobs, []);
  assert.equal(b2.total_count, 2);
});

test('paging with limit/offset is stable and total_count is counted before paging', async () => {
  const all = expected();
  for (const size of [1, 4, 7]) {
    const got = [];
    for (let off = 0; off < 30; off += size) {
      const b = await list({ limit: size, offset: off });
      assert.equal(b.total_count, 18, `total_count with limit ${size} offset ${off}`);
      assert.deepEqual(ids(b), all.slice(off, off + size), `page limit ${size} offset ${off}`);
      got.push(...ids(b));
      if (b.jobs.length === 0) break;
    }
    assert.deepEqual(got, all);
  }
  const b = await list({ status: 'WAITING', limit: 3, offset: 2 });
  assert.equal(b.total_count, 13);
  assert.deepEqual(ids(b), expected((m) => m.status === 'WAITING').slice(2, 5));
});

test('offset beyond the result set: empty jobs, real total_count; offset 10000 is accepted', async () => {
  for (const off of [18, 19, 500, 10000]) {
    const b = await list({ offset: off });
    assert.deepEqual(b.jobs, []);
    assert.equal(b.total_count, 18);
  }
  const b = await list({ offset: 17 });
  assert.deepEqual(ids(b), expected().slice(17));
});

test('limit 1000 is accepted', async () => {
  const b = await list({ limit: 1000 });
  assert.equal(b.jobs.length, 18);
  assert.equal(b.total_count, 18);
});

test('limit/offset out of range or not an integer: 400 WKS.00211102 naming the parameter', async () => {
  const bad = [['limit', 1001], ['limit', -1], ['limit', 'abc'], ['limit', '1.5'], ['limit', '10x'], ['limit', '1e3'],
    ['limit', '99999999999999999999'], ['offset', 10001], ['offset', -1], ['offset', 'abc'], ['offset', '0x10']];
  for (const [k, v] of bad) {
    const r = await f.list({ [k]: v });
    assertWksError(r, 400, 'WKS.00211102', MSG.invalid, k);
  }
});

test('default limit is 1000', async () => {
  const Pb = mkProject(srv, 'list-big');
  const cb = clients(srv, undefined, Pb);
  const subs = Array.from({ length: 1000 }, (_, i) => ({ entities: { desktop_id: `d-${i}` } }));
  const r1 = await cb.create({ job_type: 'createDesktops', sub_jobs: subs });
  assert.equal(r1.status, 201, JSON.stringify(r1.body));
  assert.equal(r1.body.sub_job_ids.length, 1000);
  await sleep(5);
  const j2 = await create(cb, 'deleteDesktops', 5);
  const b = (await cb.list()).body;
  assert.equal(b.total_count, 1005);
  assert.equal(b.jobs.length, 1000);
  // Newest first: the 5 of the second job, then 995 of the first in id order.
  assert.deepEqual(b.jobs.slice(0, 5).map((s) => s.id), [...j2.sub_job_ids].sort());
  assert.deepEqual(b.jobs.slice(5).map((s) => s.id), [...r1.body.sub_job_ids].sort().slice(0, 995));
  const rest = (await cb.list({ offset: 1000 })).body;
  assert.equal(rest.total_count, 1005);
  assert.deepEqual(rest.jobs.map((s) => s.id), [...r1.body.sub_job_ids].sort().slice(995));
});

test('status filter: one value is equality; repeated keys are OR (SDK array query parameter)', async () => {
  for (const st of ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED']) {
    const b = await list({ status: st });
    assert.deepEqual(ids(b), expected((m) => m.status === st), st);
    assert.equal(b.total_count, expected((m) => m.status === st).length);
  }
  const b = await list({ status: ['FAILED', 'RUNNING'] });
  const want = expected((m) => m.status === 'FAILED' || m.status === 'RUNNING');
  assert.equal(want.length, 3);
  assert.deepEqual(ids(b), want);
  assert.equal(b.total_count, 3);
  const b2 = await list({ status: ['SUCCESS', 'FAILED', 'SUCCESS'] });
  assert.deepEqual(ids(b2), expected((m) => m.status === 'SUCCESS' || m.status === 'FAILED'));
});

test('job_type filter: one value, repeated keys (OR), combined with status (AND)', async () => {
  const b = await list({ job_type: 'deleteDesktops' });
  assert.deepEqual(ids(b), expected((m) => m.type === 'deleteDesktops'));
  assert.equal(b.total_count, 6);
  const b2 = await list({ job_type: ['deleteDesktops', 'rebuildDesktops'] });
  assert.deepEqual(ids(b2), expected((m) => m.type === 'deleteDesktops' || m.type === 'rebuildDesktops'));
  assert.equal(b2.total_count, 9);
  const b3 = await list({ job_type: 'createDesktops', status: ['SUCCESS', 'FAILED'] });
  const want = expected((m) => m.type === 'createDesktops' && (m.status === 'SUCCESS' || m.status === 'FAILED'));
  assert.deepEqual(ids(b3), want);
  assert.equal(b3.total_count, want.length);
});

test('an unknown job_type matches nothing: 200, empty', async () => {
  for (const q of [{ job_type: 'noSuchType' }, { job_type: 'createdesktops' }, { job_type: 'x'.repeat(255) },
    { job_type: ['noSuchType', 'alsoNot'] }]) {
    const b = await list(q);
    assert.deepEqual(b.jobs, [], JSON.stringify(q));
    assert.equal(b.total_count, 0);
  }
});

test('an empty filter value means no filter', async () => {
  for (const q of [{ status: '' }, { job_type: '' }, { job_id: '' }, { desktop_pool_id: '' },
    { status: '', job_type: '', job_id: '', desktop_pool_id: '' }]) {
    const b = await list(q);
    assert.equal(b.total_count, 18, JSON.stringify(q));
    assert.deepEqual(ids(b), expected());
  }
  // An empty value next to a real one of the same key does not widen it.
  const b = await list({ status: ['', 'FAILED'] });
  assert.deepEqual(ids(b), expected((m) => m.status === 'FAILED'));
});

test('job_id filter: the sub-jobs of that job in id order', async () => {
  for (const j of [jobs[0], jobs[3]]) {
    const b = await list({ job_id: j.job_id });
    assert.deepEqual(ids(b), [...j.sub_job_ids].sort());
    assert.equal(b.total_count, 3);
  }
  const b = await list({ job_id: jobs[0].job_id, status: 'SUCCESS' });
  assert.deepEqual(ids(b), expected((m) => m.job_id === jobs[0].job_id && m.status === 'SUCCESS'));
  const none = await list({ job_id: '0'.repeat(32) });
  assert.deepEqual(none.jobs, []);
  assert.equal(none.total_count, 0);
  // A sub-job id is not a job id.
  const sub = await list({ job_id: jobs[0].sub_job_ids[0] });
  assert.equal(sub.total_count, 0);
});

test('desktop_pool_id filter', async () => {
  for (const pool of ['pool-A', 'pool-B', 'pool-C']) {
    const b = await list({ desktop_pool_id: pool });
    assert.deepEqual(ids(b), expected((m) => m.pool === pool), pool);
    assert.equal(b.total_count, expected((m) => m.pool === pool).length);
  }
  const b = await list({ desktop_pool_id: 'pool-A', job_type: 'deleteDesktops' });
  assert.deepEqual(ids(b), expected((m) => m.pool === 'pool-A' && m.type === 'deleteDesktops'));
  assert.equal((await list({ desktop_pool_id: 'pool-Z' })).total_count, 0);
});

test('filter values over 255 characters: 400 naming the parameter; 255 is fine', async () => {
  for (const k of ['status', 'job_type', 'job_id', 'desktop_pool_id']) {
    assertWksError(await f.list({ [k]: 'x'.repeat(256) }), 400, 'WKS.00211102', MSG.invalid, k);
    assertWksError(await f.list({ [k]: 'é'.repeat(256) }), 400, 'WKS.00211102', MSG.invalid, k);
    const ok = await list({ [k]: 'x'.repeat(255) });
    assert.equal(ok.total_count, 0);
    const ok2 = await list({ [k]: 'é'.repeat(255) });
    assert.equal(ok2.total_count, 0);
  }
});

test("another project's sub-jobs are never visible", async () => {
  const P2 = mkProject(srv, 'list-other');
  const c2 = clients(srv, undefined, P2);
  const f2 = fullClients(srv, undefined, P2);
  const o = await create(c2, 'createDesktops', 2, { desktop_pool_id: 'pool-A' });
  // Not in the unfiltered list, nor by job_id, pool or type.
  assert.deepEqual(ids(await list()), expected());
  assert.equal((await list({ job_id: o.job_id })).total_count, 0);
  assert.deepEqual(ids(await list({ desktop_pool_id: 'pool-A' })), expected((m) => m.pool === 'pool-A'));
  // ShowJob and retry of the other project's job: 404 exactly like a missing one.
  assertWksError(await f.show(o.job_id), 404, 'WKS.0202', MSG.notFound);
  assertWksError(await f.retry(o.job_id), 404, 'WKS.0202', MSG.notFound);
  // And the other project sees only its own.
  const b2 = (await c2.list()).body;
  assert.equal(b2.total_count, 2);
  assert.deepEqual(b2.jobs.map((s) => s.id), [...o.sub_job_ids].sort());
  for (const s of b2.jobs) assert.equal(s.project_id, P2);
  assertWksError(await f2.show(jobs[0].job_id), 404, 'WKS.0202', MSG.notFound);
  assert.equal((await c2.list({ job_id: jobs[0].job_id })).body.total_count, 0);
  // The default project (from init) sees none of either.
  const d = clients(srv);
  const snapD = await snapshot(d);
  for (const id of [...model.keys(), ...o.sub_job_ids]) assert.equal(snapD[id], undefined);
});

test('unknown query parameters are ignored', async () => {
  const b = await list({ foo: 'bar', page: 2 });
  assert.equal(b.total_count, 18);
});

test('filter values with reserved and non-ASCII characters are matched exactly (signed and decoded alike)', async () => {
  const Pw = mkProject(srv, 'list-weird');
  const cw = clients(srv, undefined, Pw);
  const weird = ['a b', 'a+b', 'a&b=c', "x!'()*~", '100%', 'é/ü?#', '张三;,:@$'];
  const made = {};
  for (const v of weird) made[v] = await create(cw, v, 1, { desktop_pool_id: `pool ${v}` });
  for (const v of weird) {
    const byType = await cw.list({ job_type: v });
    assert.equal(byType.status, 200, `${v}: ${JSON.stringify(byType.body)}`);
    assert.deepEqual(byType.body.jobs.map((s) => s.id), made[v].sub_job_ids, `job_type ${v}`);
    assert.equal(byType.body.jobs[0].job_type, v);
    const byPool = await cw.list({ desktop_pool_id: `pool ${v}` });
    assert.equal(byPool.status, 200);
    assert.deepEqual(byPool.body.jobs.map((s) => s.id), made[v].sub_job_ids, `desktop_pool_id pool ${v}`);
  }
  // "a b" must not match "a+b" (no "+" / space confusion).
  assert.equal((await cw.list({ job_type: 'a b' })).body.total_count, 1);
  const both = await cw.list({ job_type: ['a b', 'a+b'] });
  assert.equal(both.body.total_count, 2);
});

test('repeated status keys on the wire, in any order, signed as the SDKs sign them', async () => {
  const creds = { ak: srv.creds.access_key, sk: srv.creds.secret_key };
  const path = `/v2/${P}/workspace-sub-jobs`;
  const want = expected((m) => m.status === 'FAILED' || m.status === 'RUNNING');
  for (const query of ['status=RUNNING&status=FAILED', 'status=FAILED&status=RUNNING&limit=100',
    'limit=100&status=FAILED&job_type=&status=RUNNING']) {
    const qp = {};
    for (const [k, v] of new URLSearchParams(query)) qp[k] = k in qp ? [].concat(qp[k], v) : v;
    const headers = signHeaders(srv.publicUrl, { method: 'GET', path, queryParams: qp,
      headers: { 'X-Project-Id': P, 'content-type': 'application/json' }, creds });
    const r = await raw(srv.publicUrl, { method: 'GET', path, query, headers });
    assert.equal(r.status, 200, `${query}: ${r.text}`);
    assert.equal(r.json.total_count, want.length);
    assert.deepEqual(r.json.jobs.map((x) => x.id), want);
  }
});

// The server keeps each thread's last rendered pages (store_read_memo),
// valid only at the database version they were rendered at: a repeated
// page is byte-identical between writes, and every write is visible to
// the very next list, whichever thread answers it.
test('a repeated page changes with every write, at once (the page memo is exact)', async () => {
  const PM = mkProject(srv, 'memo');
  const cm = clients(srv, undefined, PM);
  const fm = fullClients(srv, undefined, PM);
  const page = async () => {
    // 16 at once: several HTTP threads answer, each from its own memo.
    const rs = await Promise.all(Array.from({ length: 16 }, () => fm.list({ limit: 100 })));
    for (const r of rs) assert.equal(r.status, 200, JSON.stringify(r.body));
    const bodies = new Set(rs.map((r) => JSON.stringify(r.body)));
    assert.equal(bodies.size, 1, 'the same page differed between two answers');
    return rs[0].body;
  };
  const j = await create(cm, 'memoDesktops', 2);
  let b = await page();
  assert.equal(b.total_count, 2);
  assert.deepEqual(b.jobs.map((s) => s.status), ['WAITING', 'WAITING']);
  assert.deepEqual(await page(), b);
  const [s] = await claim(cm, { max: 1 });
  b = await page();
  assert.deepEqual(b.jobs.map((x) => x.status).sort(), ['RUNNING', 'WAITING']);
  const hb = await fm.heartbeat(s.id, { lease_id: s.lease_id, process: 42 });
  assert.equal(hb.status, 200, JSON.stringify(hb.body));
  b = await page();
  assert.equal(b.jobs.find((x) => x.id === s.id).process, 42);
  await finish(cm, s, 'SUCCESS');
  b = await page();
  assert.equal(b.jobs.find((x) => x.id === s.id).status, 'SUCCESS');
  const d = await fm.del({ job_ids: [s.id] });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  b = await page();
  assert.equal(b.total_count, 1);
  assert.deepEqual(b.jobs.map((x) => x.id), j.sub_job_ids.filter((id) => id !== s.id));
  // Another project's write: this page renders again, the same.
  await create(clients(srv, undefined, mkProject(srv, 'memo-other')), 'createDesktops', 1);
  assert.deepEqual(await page(), b);
});
