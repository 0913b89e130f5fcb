// 40-lifecycle: create -> claim -> heartbeat -> finish -> list/show ->
// job status aggregation -> retry -> delete, all through the official SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MSG, TIME_RE, ID_RE, parseTime, assertNoNulls, assertWksError, create, claim, finish, sleep,
  signedRaw, assertCountsConsistent, serverFixture,
} from './helpers.mjs';

const fx = serverFixture();

// Each test gets its own project so claims and counts do not interfere.
const fresh = () => fx.project('life');

const ENT = (i) => ({ desktop_id: `desk-${i}`, product_id: 'workspace.x86.ultimate.large2',
  user_name: `user${i}`, desktop_name: `pc-${i}`, ip_address: `192.168.0.${i + 10}` });

async function show(c, jobId) {
  const r = await c.show(jobId);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.requestId, 'X-Request-Id missing');
  assertNoNulls(r.body);
  return r.body;
}

function byId(job) {
  return Object.fromEntries(job.sub_jobs.map((s) => [s.id, s]));
}

// Fields every sub-job has, whatever its state.
function checkSubJob(s, { P, jobId, jobType }) {
  assert.match(s.id, ID_RE);
  assert.equal(s.job_id, jobId);
  assert.equal(s.job_type, jobType);
  assert.ok(['WAITING', 'RUNNING', 'SUCCESS', 'FAILED'].includes(s.status), s.status);
  assert.match(s.begin_time, TIME_RE);
  assert.equal(s.project_id, P);
  assert.equal(typeof s.process, 'number');
  assert.ok(Number.isInteger(s.process) && s.process >= 0 && s.process <= 100, `process ${s.process}`);
  if (s.status === 'SUCCESS' || s.status === 'FAILED') {
    assert.match(s.end_time ?? '', TIME_RE, `finished sub-job without end_time: ${JSON.stringify(s)}`);
    assert.ok(parseTime(s.end_time) >= parseTime(s.begin_time));
  } else {
    assert.equal(s.end_time, undefined, `end_time on an unfinished sub-job: ${JSON.stringify(s)}`);
  }
  if (s.status === 'FAILED') {
    assert.equal(typeof s.error_code, 'string');
    assert.equal(typeof s.fail_reason, 'string');
  } else {
    assert.equal(s.error_code, undefined);
    assert.equal(s.fail_reason, undefined);
  }
  // Internal lease fields never leak into the public API.
  for (const k of ['lease_id', 'lease_expires_at', 'attempts', 'worker_id']) assert.equal(s[k], undefined, k);
}

test('create (internal API): 201 with job_id and one sub-job id per entry', async () => {
  const { c, P } = fresh();
  const before = Date.now();
  const r = await c.create({ job_type: 'createDesktops', sub_jobs: [0, 1, 2].map((i) => ({
    entities: ENT(i), desktop_pool_id: 'pool-A', attach_user: `user${i}`, entity: `e${i}`, ip_address: `10.1.0.${i}` })) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.ok(r.requestId);
  assert.deepEqual(Object.keys(r.body).sort(), ['job_id', 'sub_job_ids']);
  assert.match(r.body.job_id, ID_RE);
  assert.equal(r.body.sub_job_ids.length, 3);
  for (const id of r.body.sub_job_ids) assert.match(id, ID_RE);
  assert.equal(new Set([r.body.job_id, ...r.body.sub_job_ids]).size, 4, 'IDs repeat');

  const job = await show(c, r.body.job_id);
  assert.equal(job.id, r.body.job_id);
  assert.equal(job.job_type, 'createDesktops');
  assert.equal(job.status, 'WAITING');
  assert.match(job.begin_time, TIME_RE);
  // begin_time is UTC "now" (seconds resolution).
  const bt = parseTime(job.begin_time);
  assert.ok(bt >= Math.floor(before / 1000) * 1000 - 2000 && bt <= Date.now() + 2000,
    `begin_time ${job.begin_time} is not UTC now`);
  assert.equal(job.end_time, undefined);
  assert.equal(job.job_error_code, undefined);
  assert.equal(job.fail_reason, undefined);
  assert.equal(job.sub_jobs_total, 3);
  assert.equal(job.sub_jobs.length, 3);
  assert.deepEqual(job.sub_jobs.map((s) => s.id).sort(), [...r.body.sub_job_ids].sort());
  const subs = byId(job);
  r.body.sub_job_ids.forEach((id, i) => {
    const s = subs[id];
    checkSubJob(s, { P, jobId: job.id, jobType: 'createDesktops' });
    assert.equal(s.status, 'WAITING');
    assert.equal(s.process, 0);
    assert.equal(s.begin_time, job.begin_time, 'sub-jobs take the job creation time');
    assert.equal(s.host, undefined, 'host before any worker claimed it');
    assert.deepEqual(s.entities, ENT(i));
    assert.equal(s.attach_user, `user${i}`);
    assert.equal(s.entity, `e${i}`);
    assert.equal(s.ip_address, `10.1.0.${i}`);
    assert.equal(s.desktop_pool_id, undefined, 'desktop_pool_id is not a JobDetailInfo member');
  });
});

test('a sub-job without optional members: they are absent, never null', async () => {
  const { c, P } = fresh();
  const j = (await c.create({ job_type: 'deleteDesktops', sub_jobs: [{}] })).body;
  const job = await show(c, j.job_id);
  const s = job.sub_jobs[0];
  checkSubJob(s, { P, jobId: j.job_id, jobType: 'deleteDesktops' });
  for (const k of ['entities', 'attach_user', 'entity', 'ip_address', 'host', 'end_time', 'error_code', 'fail_reason']) {
    assert.ok(!(k in s), `${k} present: ${JSON.stringify(s)}`);
  }
  const l = await c.list({ job_id: j.job_id });
  assertNoNulls(l.body);
  assert.deepEqual(l.body.jobs, job.sub_jobs);
});

test('full lifecycle with job status aggregation, retry and delete', async () => {
  const { c, f, P } = fresh();
  const j = await create(c, 'createDesktops', 3);
  const J = j.job_id;
  const ctx = { P, jobId: J, jobType: 'createDesktops' };
  let job = await show(c, J);
  assert.equal(job.status, 'WAITING');

  // claim one: it is RUNNING, with the host and a lease; the job is RUNNING.
  const [a] = await claim(c, { max: 1, host: '10.0.0.7', worker: 'worker-a' });
  assert.ok(j.sub_job_ids.includes(a.id));
  assert.equal(a.status, 'RUNNING');
  assert.equal(a.host, '10.0.0.7');
  assert.equal(a.job_id, J);
  assert.equal(typeof a.lease_id, 'string');
  assert.ok(a.lease_id.length > 0);
  assert.ok(Number.isFinite(Date.parse(a.lease_expires_at)), `lease_expires_at ${a.lease_expires_at}`);
  job = await show(c, J);
  assert.equal(job.status, 'RUNNING');
  assert.equal(job.end_time, undefined);
  let s = byId(job);
  assert.equal(s[a.id].status, 'RUNNING');
  assert.equal(s[a.id].host, '10.0.0.7');
  assert.equal(s[a.id].end_time, undefined);
  checkSubJob(s[a.id], ctx);
  for (const id of j.sub_job_ids.filter((x) => x !== a.id)) assert.equal(s[id].status, 'WAITING');

  // heartbeat with progress.
  const hb = await c.heartbeat(a.id, { lease_id: a.lease_id, process: 40 });
  assert.equal(hb.status, 200, JSON.stringify(hb.body));
  assert.ok(Number.isFinite(Date.parse(hb.body.lease_expires_at)));
  s = byId(await show(c, J));
  assert.equal(s[a.id].process, 40);
  assert.equal(s[a.id].status, 'RUNNING');
  // process outside 0..100 is refused and changes nothing.
  for (const p of [101, -1, 'x', 1.5]) {
    const bad = await f.heartbeat(a.id, { lease_id: a.lease_id, process: p });
    assertWksError(bad, 400, 'WKS.00211102', MSG.invalid, 'process');
  }
  assert.equal(byId(await show(c, J))[a.id].process, 40);

  // finish SUCCESS.
  const fin = await c.finish(a.id, { lease_id: a.lease_id, status: 'SUCCESS' });
  assert.equal(fin.status, 200, JSON.stringify(fin.body));
  job = await show(c, J);
  s = byId(job);
  assert.equal(s[a.id].status, 'SUCCESS');
  checkSubJob(s[a.id], ctx);
  assert.equal(job.status, 'RUNNING', 'two sub-jobs still wait');
  assert.equal(job.end_time, undefined);

  // claim the other two: one FAILED first, then the job is still RUNNING.
  const rest = await claim(c, { max: 10 });
  assert.deepEqual(rest.map((x) => x.id).sort(), j.sub_job_ids.filter((x) => x !== a.id).sort());
  const [b, d] = rest;
  await finish(c, b, 'FAILED', 'WKS.0005', 'Failed to invoke ECS interface.');
  job = await show(c, J);
  assert.equal(job.status, 'RUNNING', 'a sub-job is still RUNNING');
  assert.equal(job.job_error_code, undefined, 'job_error_code before the job is FAILED');
  assert.equal(job.end_time, undefined);
  s = byId(job);
  assert.equal(s[b.id].status, 'FAILED');
  assert.equal(s[b.id].error_code, 'WKS.0005');
  assert.equal(s[b.id].fail_reason, 'Failed to invoke ECS interface.');
  checkSubJob(s[b.id], ctx);

  // the last one fails too: the job is FAILED with the FIRST failure's code.
  await sleep(20);
  await finish(c, d, 'FAILED', 'WKS.0009', 'second failure');
  job = await show(c, J);
  assert.equal(job.status, 'FAILED');
  assert.equal(job.job_error_code, 'WKS.0005');
  assert.equal(job.fail_reason, 'Failed to invoke ECS interface.');
  assert.match(job.end_time ?? '', TIME_RE, 'a finished job has end_time');
  assert.ok(parseTime(job.end_time) >= parseTime(job.begin_time));
  assert.equal(job.sub_jobs_total, 3);
  s = byId(job);
  assert.equal(s[d.id].error_code, 'WKS.0009');
  assert.equal(s[d.id].fail_reason, 'second failure');
  for (const x of job.sub_jobs) checkSubJob(x, ctx);

  // list shows exactly what show shows.
  const l = await c.list({ job_id: J });
  assert.equal(l.status, 200);
  assertNoNulls(l.body);
  assert.equal(l.body.total_count, 3);
  assert.deepEqual(Object.fromEntries(l.body.jobs.map((x) => [x.id, x])), s);

  // retry: FAILED sub-jobs go back to WAITING, errors cleared, same job_id.
  const rt = await c.retry(J);
  assert.equal(rt.status, 200, JSON.stringify(rt.body));
  assert.deepEqual(rt.body, { job_id: J });
  assert.ok(rt.requestId);
  job = await show(c, J);
  s = byId(job);
  assert.equal(s[a.id].status, 'SUCCESS', 'a SUCCESS sub-job is not retried');
  for (const x of [b, d]) {
    assert.equal(s[x.id].status, 'WAITING');
    assert.equal(s[x.id].error_code, undefined);
    assert.equal(s[x.id].fail_reason, undefined);
    assert.equal(s[x.id].end_time, undefined);
    assert.equal(s[x.id].process, 0);
    checkSubJob(s[x.id], ctx);
  }
  assert.equal(job.status, 'RUNNING', 'one sub-job finished, two wait');
  assert.equal(job.job_error_code, undefined);
  assert.equal(job.fail_reason, undefined);
  assert.equal(job.end_time, undefined);
  assert.equal(job.sub_jobs_total, 3);

  // retry of a job that is not FAILED: 400 with the reason.
  assertWksError(await f.retry(J), 400, 'WKS.00211102', MSG.invalid, /./);

  // run them again, now successfully: the job is SUCCESS.
  const again = await claim(c, { max: 10 });
  assert.deepEqual(again.map((x) => x.id).sort(), [b.id, d.id].sort());
  for (const x of again) await finish(c, x, 'SUCCESS');
  job = await show(c, J);
  assert.equal(job.status, 'SUCCESS');
  assert.equal(job.job_error_code, undefined);
  assert.equal(job.fail_reason, undefined);
  assert.match(job.end_time ?? '', TIME_RE);
  for (const x of job.sub_jobs) {
    assert.equal(x.status, 'SUCCESS');
    checkSubJob(x, ctx);
  }
  assertWksError(await f.retry(J), 400, 'WKS.00211102', MSG.invalid, /./);

  await assertCountsConsistent(c);

  // delete every sub-job: the job record stays with sub_jobs_total 0.
  const del = await c.del({ job_ids: j.sub_job_ids });
  assert.equal(del.status, 200, JSON.stringify(del.body));
  job = await show(c, J);
  assert.equal(job.id, J);
  assert.equal(job.sub_jobs_total, 0);
  assert.deepEqual(job.sub_jobs, []);
  const l2 = await c.list({ job_id: J });
  assert.equal(l2.body.total_count, 0);
  assert.deepEqual(l2.body.jobs, []);
});

test('job status: FAILED and SUCCESS sub-jobs together make a FAILED job; all SUCCESS a SUCCESS job', async () => {
  const { c } = fresh();
  const j1 = await create(c, 'rebuildDesktops', 2);
  const got = await claim(c, { max: 2 });
  await finish(c, got[0], 'SUCCESS');
  await finish(c, got[1], 'FAILED', 'WKS.0005', 'boom');
  const job1 = await show(c, j1.job_id);
  assert.equal(job1.status, 'FAILED');
  assert.equal(job1.job_error_code, 'WKS.0005');
  assert.equal(job1.fail_reason, 'boom');

  const j2 = await create(c, 'rebuildDesktops', 2);
  for (const x of await claim(c, { max: 2 })) await finish(c, x, 'SUCCESS');
  const job2 = await show(c, j2.job_id);
  assert.equal(job2.status, 'SUCCESS');
  assert.ok(!('job_error_code' in job2) && !('fail_reason' in job2));
});

test('job status: a FAILED sub-job next to a WAITING one keeps the job RUNNING', async () => {
  const { c } = fresh();
  const j = await create(c, 'addVolumes', 2);
  const [x] = await claim(c, { max: 1 });
  await finish(c, x, 'FAILED');
  const job = await show(c, j.job_id);
  assert.equal(job.status, 'RUNNING');
  assert.equal(job.job_error_code, undefined);
  // Not FAILED, so not retryable.
  const r = await c.retry(j.job_id);
  assert.equal(r.status, 400);
  assert.equal(r.body.error_code, 'WKS.00211102');
});

test('retry: only the FAILED sub-jobs return to WAITING; retry of a retried job is refused', async () => {
  const { c, f } = fresh();
  const j = await create(c, 'applyWorkspace', 1);
  const [x] = await claim(c, { max: 1 });
  await finish(c, x, 'FAILED', 'WKS.00000003', 'Failed to obtain database information.');
  let job = await show(c, j.job_id);
  assert.equal(job.status, 'FAILED');
  assert.equal(job.job_error_code, 'WKS.00000003');
  const r = await c.retry(j.job_id);
  assert.deepEqual(r.body, { job_id: j.job_id });
  job = await show(c, j.job_id);
  assert.equal(job.status, 'WAITING', 'no sub-job has started since the retry');
  assert.equal(job.sub_jobs[0].status, 'WAITING');
  assert.ok(!('error_code' in job.sub_jobs[0]));
  assert.ok(!('job_error_code' in job));
  assertWksError(await f.retry(j.job_id), 400, 'WKS.00211102', MSG.invalid, /./);
  // The retried sub-job can be claimed again.
  const [y] = await claim(c, { max: 1 });
  assert.equal(y.id, x.id);
  assert.notEqual(y.lease_id, x.lease_id, 'a new claim gets a new lease');
});

test('retry of a FAILED job whose FAILED sub-job records were deleted is refused and changes nothing', async () => {
  const { c, f } = fresh();
  const j = await create(c, 'createDesktops', 2);
  const subs = await claim(c, { max: 2 });
  await finish(c, subs[0], 'SUCCESS');
  await finish(c, subs[1], 'FAILED', 'WKS.0005', 'Failed to invoke ECS interface.');
  assert.equal((await c.del({ job_ids: [subs[1].id] })).status, 200);
  let job = await show(c, j.job_id);
  assert.equal(job.status, 'FAILED', 'the first failure is history');
  assert.equal(job.sub_jobs_total, 1);
  assertWksError(await f.retry(j.job_id), 400, 'WKS.00211102', MSG.invalid, /no FAILED sub-jobs left/);
  job = await show(c, j.job_id);
  assert.equal(job.status, 'FAILED');
  assert.equal(job.job_error_code, 'WKS.0005');
});

test('retry request errors: missing body, bad op_type, unknown job', async () => {
  const { c, f } = fresh();
  const j = await create(c, 'createDesktops', 1);
  const [x] = await claim(c, { max: 1 });
  await finish(c, x, 'FAILED');
  // Missing body: WKS.0001.
  assertWksError(await f.retry(j.job_id, null), 400, 'WKS.0001', MSG.empty);
  // {} and op_type other than retry: WKS.00211102 naming op_type.
  for (const body of [{}, { op_type: 'cancel' }, { op_type: 'RETRY' }, { op_type: '' }, { op_type: 1 },
    { op_type: null }]) {
    assertWksError(await f.retry(j.job_id, body), 400, 'WKS.00211102', MSG.invalid, 'op_type');
  }
  // Unknown job: 404 WKS.0202 (checked after the body).
  assertWksError(await f.retry('0'.repeat(32)), 404, 'WKS.0202', MSG.notFound);
  assertWksError(await f.show('0'.repeat(32)), 404, 'WKS.0202', MSG.notFound);
  // A sub-job id is not a job id.
  assertWksError(await f.show(x.id), 404, 'WKS.0202', MSG.notFound);
  // Nothing of that changed the job.
  const job = await show(c, j.job_id);
  assert.equal(job.status, 'FAILED');
  assert.equal(job.sub_jobs[0].status, 'FAILED');
});

test('retry with a malformed JSON body is 400 WKS.00211102 and changes nothing', async () => {
  const { c, P } = fresh();
  const j = await create(c, 'createDesktops', 1);
  const [x] = await claim(c, { max: 1 });
  await finish(c, x, 'FAILED');
  for (const body of ['{"op_type":', '[]', '"retry"', '{"op_type":"retry"', 'op_type=retry']) {
    const r = await signedRaw(fx.srv, fx.srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-jobs/${j.job_id}/actions`,
      body, headers: { 'Content-Type': 'application/json', 'X-Project-Id': P } });
    assert.equal(r.status, 400, `${body}: ${r.text}`);
    assert.equal(r.json.error_code, 'WKS.00211102');
    assert.equal(r.json.error_msg, MSG.invalid);
    assert.equal(typeof r.json.error_detail, 'string');
    assert.ok(r.headers['x-request-id']);
  }
  assert.equal((await show(c, j.job_id)).status, 'FAILED');
  // Control: the same request with a good body works.
  const ok = await signedRaw(fx.srv, fx.srv.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-jobs/${j.job_id}/actions`,
    body: '{"op_type": "retry"}', headers: { 'Content-Type': 'application/json', 'X-Project-Id': P } });
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json, { job_id: j.job_id });
});

test('text round-trips as UTF-8; control characters are refused', async () => {
  const { c, f } = fresh();
  const ent = { desktop_id: 'd-ü', user_name: '张三', desktop_name: 'Büro-PC «1»', product_id: 'p"q\\r' };
  const j = (await c.create({ job_type: 'createDesktops', sub_jobs: [{ entities: ent, entity: 'ẞ 🙂', attach_user: '李四' }] })).body;
  const s = (await show(c, j.job_id)).sub_jobs[0];
  assert.deepEqual(s.entities, ent);
  assert.equal(s.entity, 'ẞ 🙂');
  assert.equal(s.attach_user, '李四');
  const [x] = await claim(c, { max: 1 });
  await finish(c, x, 'FAILED', 'WKS.0005', 'échec: «disk» 磁盘');
  assert.equal((await show(c, j.job_id)).fail_reason, 'échec: «disk» 磁盘');
  for (const body of [{ job_type: 'create\u0001Desktops', sub_jobs: [{}] },
    { job_type: 'createDesktops', sub_jobs: [{ entities: { user_name: 'a\u0000b' } }] }]) {
    assertWksError(await f.create(body), 400, 'WKS.00211102', MSG.invalid);
  }
});

test('ShowJob lists sub-jobs in id order; a finished job ends with its last sub-job', async () => {
  const { c } = fresh();
  const j = await create(c, 'createDesktops', 6);
  const got = await claim(c, { max: 6 });
  for (const [i, x] of got.entries()) {
    await finish(c, x, i % 2 ? 'FAILED' : 'SUCCESS');
    if (i === 2) await sleep(1100); // spread end_time over two seconds
  }
  const job = await show(c, j.job_id);
  assert.deepEqual(job.sub_jobs.map((s) => s.id), [...j.sub_job_ids].sort());
  const lastEnd = Math.max(...job.sub_jobs.map((s) => parseTime(s.end_time)));
  assert.equal(parseTime(job.end_time), lastEnd, 'job end_time is not the last sub-job end_time');
  assert.equal(job.status, 'FAILED');
  await assertCountsConsistent(c);
});

test('successful responses are application/json with X-Request-Id', async () => {
  const { c, P } = fresh();
  const j = await create(c, 'createDesktops', 1);
  for (const p of [`/v2/${P}/workspace-sub-jobs`, `/v2/${P}/workspace-jobs/${j.job_id}`]) {
    const r = await signedRaw(fx.srv, fx.srv.publicUrl, { method: 'GET', path: p, headers: { 'X-Project-Id': P } });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers['content-type'] ?? '', /^application\/json/);
    assert.ok(r.headers['x-request-id']);
    assert.ok(r.json);
  }
});
