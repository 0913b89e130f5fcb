// 70-fairness: no tenant starves.  With 100,000 sub-jobs WAITING in
// project A, one sub-job created afterwards in project B is handed to a
// claimer without a project filter at most one claim batch later.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { clients } from '../api/lib.mjs';
import { mkProject } from '../api/helpers.mjs';
import { startCluster } from './cluster-lib.mjs';

const BACKLOG = 100000;
const PER_CREATE = 1000;	// the most sub-jobs one CreateJob takes
const BATCH = 100;	// the most sub-jobs one claim takes

let cl;
after(async () => { if (cl) await cl.shutdown(); });

test('100,000 WAITING in project A delay project B\'s first sub-job by at most one claim batch', async () => {
  cl = await startCluster({ nodes: 2 });
  const a = clients(cl.nodes[0]);
  const B = mkProject(cl.nodes[0], 'tenant-b');
  const b = clients(cl.nodes[1], undefined, B);
  const subs = Array.from({ length: PER_CREATE }, (_, k) => ({ entity: `a-${k}` }));
  // Two producers at a time through both nodes.
  for (let i = 0; i < BACKLOG / PER_CREATE; i += 2) {
    const rs = await Promise.all([a, clients(cl.nodes[1])].map((x) => x.create({ job_type: 'createDesktops', sub_jobs: subs })));
    for (const r of rs) assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  assert.equal((await a.list({ status: 'WAITING', limit: 0 })).body.total_count, BACKLOG);
  const jb = await b.create({ job_type: 'createDesktops', sub_jobs: [{ entity: 'b-1' }] });
  assert.equal(jb.status, 201);
  const wanted = jb.body.sub_job_ids[0];

  // A claimer of the root user, every project (no project_ids).
  const batches = [];
  for (let i = 0; i < 2; i++) {
    const r = await a.claim({ worker_id: 'fair', host: '10.0.2.1', max: BATCH, lease_seconds: 600 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    batches.push(r.body.sub_jobs.map((s) => s.id));
    if (batches[i].includes(wanted)) break;
  }
  const at = batches.findIndex((ids) => ids.includes(wanted));
  assert.ok(at >= 0, `project B's sub-job not in the first ${batches.length} batches of ${BATCH}`);
  assert.equal(batches[0].length, BATCH, 'a full first batch');
});
