// 50-batch-delete: BatchDeleteSubJobs, one test per rule of
// docs/API.md#batchdeletesubjobs (which refuses where Huawei's documentation
// recommends skipping: a batch with a job
// ID, a WAITING/RUNNING sub-job or a protected type is REFUSED, all or
// nothing).  Every refusal is checked to have deleted nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  MSG, assertWksError, drive, snapshot, signedRaw, assertCountsConsistent,
  serverFixture,
} from './helpers.mjs';

const fx = serverFixture();

const hex32 = () => randomBytes(16).toString('hex');

// A fresh project with one job per state (the WAITING one has a job type
// of its own, so the claims that drive other fixtures never see it):
//   ok: 2 SUCCESS createDesktops, bad: 2 FAILED createDesktops,
//   run: 1 RUNNING deleteDesktops, wait: 1 WAITING desktopToImage.
async function world() {
  const { P, c, f } = fx.project('del');
  const ok = await drive(c, 'createDesktops', 2, 'SUCCESS');
  const bad = await drive(c, 'createDesktops', 2, 'FAILED');
  const run = await drive(c, 'deleteDesktops', 1, 'RUNNING');
  const wait = await drive(c, 'desktopToImage', 1, 'WAITING');
  const snap = await snapshot(c);
  assert.equal(Object.keys(snap).length, 6);
  return { P, c, f, ok, bad, run, wait, snap };
}

// A refused request: 400 WKS.00211102, detail naming things, nothing deleted.
async function refused(w, body, names = []) {
  const r = await w.f.del(body);
  assertWksError(r, 400, 'WKS.00211102', MSG.invalid, names.length ? names : undefined);
  assert.deepEqual(await snapshot(w.c), w.snap, 'a refused batch deleted something');
  return r;
}

// ---- selectors --------------------------------------------------------------

test('both job_ids and delete_by_status: 400 WKS.00211102, nothing deleted', async () => {
  const w = await world();
  await refused(w, { job_ids: [w.ok.sub_job_ids[0]], delete_by_status: 'SUCCESS' }, ['job_ids', 'delete_by_status']);
});

test('neither selector ({} or unrelated members or nulls): 400 WKS.00211102', async () => {
  const w = await world();
  await refused(w, {}, ['job_ids', 'delete_by_status']);
  await refused(w, { ids: [w.ok.sub_job_ids[0]], status: 'SUCCESS' });
  await refused(w, { job_ids: null, delete_by_status: null });
});

test('an empty or missing body: 400 WKS.0001, nothing deleted', async () => {
  const w = await world();
  assertWksError(await w.f.del(undefined), 400, 'WKS.0001', MSG.empty);
  const r = await signedRaw(fx.srv, fx.srv.publicUrl, { method: 'POST', path: `/v2/${w.P}/workspace-sub-jobs/batch-delete`,
    body: '', headers: { 'Content-Type': 'application/json', 'X-Project-Id': w.P, 'Content-Length': '0' } });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error_code, 'WKS.0001');
  assert.equal(r.json.error_msg, MSG.empty);
  assert.ok(r.headers['x-request-id']);
  assert.deepEqual(await snapshot(w.c), w.snap);
});

test('a body that is not a JSON object: 400 WKS.00211102', async () => {
  const w = await world();
  for (const body of ['[]', '"SUCCESS"', '{"delete_by_status":"SUCCESS"', 'null']) {
    const r = await signedRaw(fx.srv, fx.srv.publicUrl, { method: 'POST', path: `/v2/${w.P}/workspace-sub-jobs/batch-delete`,
      body, headers: { 'Content-Type': 'application/json', 'X-Project-Id': w.P } });
    assert.equal(r.status, 400, `${body}: ${r.text}`);
    assert.equal(r.json.error_code, 'WKS.00211102');
  }
  assert.deepEqual(await snapshot(w.c), w.snap);
});

// ---- job_ids bounds -------------------------------------------------------

test('job_ids with 0 or 11 items: 400; 10 items is fine', async () => {
  const w = await world();
  await refused(w, { job_ids: [] }, ['job_ids']);
  await refused(w, { job_ids: [...w.ok.sub_job_ids, ...Array.from({ length: 9 }, hex32)] }, ['job_ids']);
  const ten = [w.ok.sub_job_ids[0], ...Array.from({ length: 9 }, hex32)];
  const r = await w.c.del({ job_ids: ten });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = await snapshot(w.c);
  assert.equal(after[w.ok.sub_job_ids[0]], undefined, 'the one real ID of 10 was not deleted');
  assert.equal(Object.keys(after).length, 5);
});

test('job_ids items must be strings of 1..255 characters: 256 is refused, 255 is skipped', async () => {
  const w = await world();
  await refused(w, { job_ids: [w.ok.sub_job_ids[0], 'x'.repeat(256)] }, ['job_ids']);
  await refused(w, { job_ids: [w.ok.sub_job_ids[0], 'é'.repeat(256)] }, ['job_ids']);
  await refused(w, { job_ids: [w.ok.sub_job_ids[0], ''] }, ['job_ids']);
  await refused(w, { job_ids: [w.ok.sub_job_ids[0], 42] }, ['job_ids']);
  await refused(w, { job_ids: [w.ok.sub_job_ids[0], null] }, ['job_ids']);
  await refused(w, { job_ids: w.ok.sub_job_ids[0] }, ['job_ids']);
  for (const id of ['x'.repeat(255), 'é'.repeat(255)]) {
    const r = await w.c.del({ job_ids: [id] });
    assert.equal(r.status, 200, `${id.length} chars: ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual(await snapshot(w.c), w.snap);
});

test('duplicate IDs collapse', async () => {
  const w = await world();
  const id = w.ok.sub_job_ids[0];
  const r = await w.c.del({ job_ids: [id, id, id] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = await snapshot(w.c);
  assert.equal(after[id], undefined);
  assert.equal(Object.keys(after).length, 5);
  // Ten times the same ID of a WAITING sub-job: still refused (once is enough).
  const w2 = { ...w, snap: after };
  await refused(w2, { job_ids: Array(10).fill(w.wait.sub_job_ids[0]) }, [w.wait.sub_job_ids[0]]);
});

// ---- delete_by_status -------------------------------------------------------

test('delete_by_status other than SUCCESS/FAILED (RUNNING, WAITING, lowercase, empty, too long, not a string): 400', async () => {
  const w = await world();
  for (const v of ['RUNNING', 'WAITING', 'success', 'Failed', '', ' SUCCESS', 'S'.repeat(56), 1, ['SUCCESS']]) {
    await refused(w, { delete_by_status: v }, ['delete_by_status']);
  }
});

// delete_by_status: 200, and exactly ids are gone from w's project;
// returns what is left.
async function deletedByStatus(w, status, ids) {
  const before = await snapshot(w.c);
  const r = await w.c.del({ delete_by_status: status });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = await snapshot(w.c);
  const expected = { ...before };
  for (const id of ids) delete expected[id];
  assert.deepEqual(after, expected);
  return after;
}

test('delete_by_status SUCCESS deletes every SUCCESS sub-job of the project except protected types', async () => {
  const w = await world();
  const prot = {};
  for (const t of ['applyWorkspace', 'cancelWorkspace', 'changeAccessVpc']) prot[t] = await drive(w.c, t, 1, 'SUCCESS');
  const protFailed = await drive(w.c, 'applyWorkspace', 1, 'FAILED');
  // Another project's SUCCESS sub-jobs are not touched.
  const { c: c2 } = fx.project('del-other');
  const other = await drive(c2, 'createDesktops', 2, 'SUCCESS');
  const other0 = await snapshot(c2);
  const after = await deletedByStatus(w, 'SUCCESS', w.ok.sub_job_ids);
  for (const t of Object.keys(prot)) assert.equal(after[prot[t].sub_job_ids[0]].status, 'SUCCESS', `${t} was deleted`);
  assert.equal(after[protFailed.sub_job_ids[0]].status, 'FAILED');
  assert.deepEqual(await snapshot(c2), other0, "another project's sub-jobs were deleted");
  assert.equal(other.sub_job_ids.length, 2);
});

test('delete_by_status FAILED deletes every FAILED sub-job of the project except protected types', async () => {
  const w = await world();
  const protF = {};
  for (const t of ['applyWorkspace', 'cancelWorkspace', 'changeAccessVpc']) protF[t] = await drive(w.c, t, 1, 'FAILED');
  const after = await deletedByStatus(w, 'FAILED', w.bad.sub_job_ids);
  for (const t of Object.keys(protF)) assert.ok(after[protF[t].sub_job_ids[0]], `${t} was deleted`);
  await assertCountsConsistent(w.c);
  // Repeating it is fine: 200, nothing more deleted.
  await deletedByStatus(w, 'FAILED', []);
});

// ---- what job_ids may name -----------------------------------------------

test('unknown IDs, and IDs of another project, are skipped (200)', async () => {
  const w = await world();
  const { c: c2 } = fx.project('del-other');
  const o = await drive(c2, 'createDesktops', 1, 'SUCCESS');
  const oWait = await drive(c2, 'createDesktops', 1, 'WAITING');
  const other0 = await snapshot(c2);
  // Unknown only: nothing happens.
  let r = await w.c.del({ job_ids: [hex32(), 'no-such-id'] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(await snapshot(w.c), w.snap);
  // Another project's sub-jobs (even a WAITING one) and job ID are unknown here.
  r = await w.c.del({ job_ids: [o.sub_job_ids[0], oWait.sub_job_ids[0], o.job_id] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(await snapshot(c2), other0, "another project's sub-job was deleted");
  // Mixed with a real one: the real one goes, unknown ones are skipped.
  r = await w.c.del({ job_ids: [hex32(), w.ok.sub_job_ids[1], o.sub_job_ids[0]] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = await snapshot(w.c);
  assert.equal(after[w.ok.sub_job_ids[1]], undefined);
  assert.equal(Object.keys(after).length, 5);
  assert.deepEqual(await snapshot(c2), other0);
});

test('a job ID (not a sub-job ID) of this project: 400 naming it, nothing deleted', async () => {
  const w = await world();
  await refused(w, { job_ids: [w.ok.job_id] }, [w.ok.job_id, /job/i]);
  // Together with deletable sub-jobs: all or nothing.
  const r = await refused(w, { job_ids: [...w.ok.sub_job_ids, w.bad.job_id, hex32()] }, [w.bad.job_id]);
  for (const id of w.ok.sub_job_ids) assert.ok(!r.body.error_detail.includes(id), 'a deletable ID was named');
});

test('a WAITING sub-job: 400 naming it and why, nothing deleted', async () => {
  const w = await world();
  const id = w.wait.sub_job_ids[0];
  await refused(w, { job_ids: [id] }, [id, /WAITING/i]);
  await refused(w, { job_ids: [w.ok.sub_job_ids[0], id, w.bad.sub_job_ids[0]] }, [id, /WAITING/i]);
});

test('a RUNNING sub-job: 400 naming it and why, nothing deleted', async () => {
  const w = await world();
  const id = w.run.sub_job_ids[0];
  await refused(w, { job_ids: [id] }, [id, /RUNNING/i]);
  await refused(w, { job_ids: [...w.bad.sub_job_ids, id] }, [id, /RUNNING/i]);
});

test('several offenders: each is named', async () => {
  const w = await world();
  const a = w.wait.sub_job_ids[0];
  const b = w.run.sub_job_ids[0];
  await refused(w, { job_ids: [w.ok.sub_job_ids[0], a, b, w.ok.job_id] }, [a, b, w.ok.job_id]);
});

for (const t of ['applyWorkspace', 'cancelWorkspace', 'changeAccessVpc']) {
  test(`a protected ${t} sub-job (SUCCESS or FAILED): 400 naming it, nothing deleted`, async () => {
    const w = await world();
    const s = await drive(w.c, t, 1, 'SUCCESS');
    const fl = await drive(w.c, t, 1, 'FAILED');
    w.snap = await snapshot(w.c);
    await refused(w, { job_ids: [s.sub_job_ids[0]] }, [s.sub_job_ids[0], new RegExp(`${t}|protected`, 'i')]);
    await refused(w, { job_ids: [w.ok.sub_job_ids[0], fl.sub_job_ids[0]] }, [fl.sub_job_ids[0]]);
  });
}

// ---- effects --------------------------------------------------------------

test('the parent job stays; sub_jobs_total counts what remains', async () => {
  const w = await world();
  const j = await drive(w.c, 'createDesktops', 3, 'SUCCESS');
  let r = await w.c.del({ job_ids: j.sub_job_ids.slice(0, 2) });
  assert.equal(r.status, 200);
  let job = (await w.c.show(j.job_id)).body;
  assert.equal(job.sub_jobs_total, 1);
  assert.deepEqual(job.sub_jobs.map((s) => s.id), [j.sub_job_ids[2]]);
  r = await w.c.del({ job_ids: [j.sub_job_ids[2]] });
  assert.equal(r.status, 200);
  const sr = await w.c.show(j.job_id);
  assert.equal(sr.status, 200, 'the job record went away with its last sub-job');
  job = sr.body;
  assert.equal(job.id, j.job_id);
  assert.equal(job.job_type, 'createDesktops');
  assert.equal(job.sub_jobs_total, 0);
  assert.deepEqual(job.sub_jobs, []);
  // A job with deleted sub-jobs is still a job ID: naming it is refused.
  const w2 = { ...w, snap: await snapshot(w.c) };
  await refused(w2, { job_ids: [j.job_id] }, [j.job_id]);
  // Partly deleted FAILED job: the rest keep their status and the job still counts them.
  const jf = await drive(w.c, 'createDesktops', 2, 'FAILED');
  await w.c.del({ job_ids: [jf.sub_job_ids[0]] });
  const jfShow = (await w.c.show(jf.job_id)).body;
  assert.equal(jfShow.sub_jobs_total, 1);
  assert.equal(jfShow.sub_jobs[0].status, 'FAILED');
});

test('success is 200 with an empty body (Content-Length: 0) and X-Request-Id', async () => {
  const w = await world();
  for (const body of [JSON.stringify({ job_ids: [w.ok.sub_job_ids[0]] }), '{"delete_by_status": "FAILED"}',
    JSON.stringify({ job_ids: [hex32()] })]) {
    const r = await signedRaw(fx.srv, fx.srv.publicUrl, { method: 'POST', path: `/v2/${w.P}/workspace-sub-jobs/batch-delete`,
      body, headers: { 'Content-Type': 'application/json', 'X-Project-Id': w.P } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '');
    assert.equal(r.headers['content-length'], '0');
    assert.ok(r.headers['x-request-id'], 'X-Request-Id missing');
    assert.equal(r.headers['transfer-encoding'], undefined);
  }
  // The SDK sees a plain success.
  const s = await w.c.del({ job_ids: [hex32()] });
  assert.equal(s.status, 200);
  assert.deepEqual(s.body, {});
  const after = await snapshot(w.c);
  assert.equal(after[w.ok.sub_job_ids[0]], undefined);
  for (const id of w.bad.sub_job_ids) assert.equal(after[id], undefined);
});

test('repeating a delete is 200 and changes nothing more', async () => {
  const w = await world();
  const body = { job_ids: [...w.ok.sub_job_ids, w.bad.sub_job_ids[0]] };
  assert.equal((await w.c.del(body)).status, 200);
  const once = await snapshot(w.c);
  assert.equal(Object.keys(once).length, 3);
  for (let i = 0; i < 3; i++) {
    const r = await w.c.del(body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  assert.deepEqual(await snapshot(w.c), once);
  await assertCountsConsistent(w.c);
});

test('a deleted sub-job is gone from ShowJob, the list and the internal API', async () => {
  const w = await world();
  const id = w.bad.sub_job_ids[0];
  assert.equal((await w.c.del({ job_ids: [id] })).status, 200);
  const job = (await w.c.show(w.bad.job_id)).body;
  assert.equal(job.sub_jobs_total, 1);
  assert.ok(!job.sub_jobs.some((s) => s.id === id));
  const l = await w.c.list({ job_id: w.bad.job_id });
  assert.equal(l.body.total_count, 1);
  // Retrying the job cannot bring it back.
  assert.equal((await w.c.retry(w.bad.job_id)).status, 200);
  const job2 = (await w.c.show(w.bad.job_id)).body;
  assert.equal(job2.sub_jobs_total, 1);
  assert.ok(!job2.sub_jobs.some((s) => s.id === id));
  // A worker cannot touch it.
  const fin = await w.f.finish(id, { lease_id: hex32(), status: 'SUCCESS' });
  assert.equal(fin.status, 404, JSON.stringify(fin.body));
  assert.equal(fin.body.error_code, 'WKS.0202');
});

test('concurrent batches: a refused one deletes nothing, the accepted ones all apply (group commit)', async () => {
  const w = await world();
  const j = await drive(w.c, 'createDesktops', 10, 'SUCCESS');
  w.snap = await snapshot(w.c);
  const waitId = w.wait.sub_job_ids[0];
  // 10 accepted batches of one distinct SUCCESS sub-job each, interleaved
  // with 10 refused batches that name a FAILED sub-job next to a WAITING one.
  const reqs = [];
  for (let i = 0; i < 10; i++) {
    reqs.push(w.f.del({ job_ids: [j.sub_job_ids[i]] }));
    reqs.push(w.f.del({ job_ids: [w.bad.sub_job_ids[i % 2], waitId] }));
  }
  const res = await Promise.all(reqs);
  res.forEach((r, i) => {
    if (i % 2 === 0) assert.equal(r.status, 200, `accepted batch ${i}: ${JSON.stringify(r.body)}`);
    else assertWksError(r, 400, 'WKS.00211102', MSG.invalid, [waitId]);
  });
  const after = await snapshot(w.c);
  const expected = { ...w.snap };
  for (const id of j.sub_job_ids) delete expected[id];
  assert.deepEqual(after, expected);
  assert.equal((await w.c.show(j.job_id)).body.sub_jobs_total, 0);
  await assertCountsConsistent(w.c);
});
