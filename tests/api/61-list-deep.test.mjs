// 61-list-deep: ListItaSubJobs pages deep in a project of several
// thousand sub-jobs (many blocks of docs/ARCHITECTURE.md#list-pages on
// SQLite), with each filter, at offsets on and around block edges, against
// the order the test itself knows (begin_time desc, then id) and against
// a walk of consecutive pages; after claims, finishes and deletes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, clients } from './lib.mjs';
import { create, claim, finish, mkProject, sleep, shutdown } from './helpers.mjs';

const JOBS = 6;
const PER_JOB = 1000;
let srv;
let c;
// id -> { jobIdx, type, status }
const model = new Map();
const TYPES = ['createDesktops', 'deleteDesktops', 'createDesktops', 'rebuildDesktops', 'deleteDesktops',
  'createDesktops'];

before(async () => {
  // Several thousand requests from one caller: no per-user rate limit.
  srv = await startServer(undefined, ['--rate-limit', '0']);
  c = clients(srv, undefined, mkProject(srv, 'deep'));
  for (let i = 0; i < JOBS; i++) {
    const j = await create(c, TYPES[i], PER_JOB);
    for (const id of j.sub_job_ids) model.set(id, { jobIdx: i, type: TYPES[i], status: 'WAITING' });
    await sleep(3);
  }
  // The oldest 3,500 claimed (oldest first); of those 3,000 finished:
  // every third FAILED, the rest SUCCESS; 500 stay RUNNING.
  let n = 0;
  while (n < 3500) {
    const got = await claim(c, { max: 100 });
    assert.ok(got.length > 0);
    await Promise.all(got.map(async (s, k) => {
      const i = n + k;
      if (i >= 3000) {
        model.get(s.id).status = 'RUNNING';
        return;
      }
      const st = i % 3 === 0 ? 'FAILED' : 'SUCCESS';
      await finish(c, s, st);
      model.get(s.id).status = st;
    }));
    n += got.length;
  }
  // Delete every seventh finished sub-job, 10 IDs a request.
  const gone = [...model.entries()].filter(([, m]) => m.status === 'SUCCESS' || m.status === 'FAILED')
    .map(([id]) => id).filter((_, i) => i % 7 === 0);
  for (let i = 0; i < gone.length; i += 10) {
    const ids = gone.slice(i, i + 10);
    const r = await c.del({ job_ids: ids });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const id of ids) model.delete(id);
  }
});

after(async () => {
  await shutdown(srv);
});

function expected(pred) {
  return [...model.entries()].filter(([, m]) => pred(m))
    .sort(([a, ma], [b, mb]) => (mb.jobIdx - ma.jobIdx) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([id]) => id);
}

async function page(query, limit, offset) {
  const r = await c.list({ ...query, limit, offset });
  assert.equal(r.status, 200, `${JSON.stringify(query)} ${limit} ${offset}: ${JSON.stringify(r.body)}`);
  return r.body;
}

const FILTERS = [
  [{}, () => true],
  [{ status: 'SUCCESS' }, (m) => m.status === 'SUCCESS'],
  [{ status: 'FAILED' }, (m) => m.status === 'FAILED'],
  [{ status: 'WAITING' }, (m) => m.status === 'WAITING'],
  [{ status: 'RUNNING' }, (m) => m.status === 'RUNNING'],
  [{ status: ['SUCCESS', 'FAILED'] }, (m) => m.status === 'SUCCESS' || m.status === 'FAILED'],
  [{ status: ['WAITING', 'FAILED', 'RUNNING'] }, (m) => m.status !== 'SUCCESS'],
  [{ job_type: 'deleteDesktops' }, (m) => m.type === 'deleteDesktops'],
];

for (const [query, pred] of FILTERS) {
  test(`deep pages of ${JSON.stringify(query)} equal the known order and a walk of pages`, async () => {
    const want = expected(pred);
    assert.ok(want.length > 300, `${want.length} rows only`);
    // A walk of consecutive pages of 100 gives every row once, in order.
    const walked = [];
    for (let off = 0; off < want.length; off += 100) {
      const b = await page(query, 100, off);
      assert.equal(b.total_count, want.length);
      walked.push(...b.jobs.map((s) => s.id));
    }
    assert.deepEqual(walked, want);
    // Single pages anywhere: edges of blocks of 128 to 1024 rows, the
    // last rows, past the end, and odd offsets.
    const offsets = new Set([0, 1, want.length - 1, want.length, want.length + 5]);
    for (const b of [128, 256, 512, 1024]) {
      for (let k = b; k < want.length; k += b) [k - 1, k, k + 1].forEach((o) => offsets.add(o));
    }
    for (let k = 0; k < 10; k++) offsets.add(Math.floor(Math.random() * want.length));
    for (const limit of [1, 37, 1000]) {
      for (const off of offsets) {
        const b = await page(query, limit, off);
        assert.equal(b.total_count, want.length);
        assert.deepEqual(b.jobs.map((s) => s.id), want.slice(off, off + limit),
          `${JSON.stringify(query)} limit ${limit} offset ${off}`);
        for (const s of b.jobs) assert.equal(s.status, model.get(s.id).status);
      }
    }
  });
}
