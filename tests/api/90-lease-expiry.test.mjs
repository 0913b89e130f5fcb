// 90-lease-expiry: the reaper (docs/API.md#lease-expiry).  A lease that is not
// heartbeated expires: the sub-job goes back to WAITING (attempt + 1) and,
// after --max-attempts expiries, to FAILED with an error code and a reason
// that say so.  Old leases are refused (409).  Slowest file: ~12 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, clients, initData } from './lib.mjs';
import {
  MSG, TIME_RE, assertWksError, fullClients, create, claim, finish, snapshot, sleep,
  assertCountsConsistent,
  shutdown,
} from './helpers.mjs';

let srv;
let c;
let f;

before(async () => {
  srv = await startServer(initData(), ['--max-attempts', '2', '--reap-interval-ms', '200']);
  c = clients(srv);
  f = fullClients(srv);
});

after(async () => {
  await shutdown(srv);
});

// Poll the sub-job until its status is want; returns it (or the last seen).
async function waitStatus(id, want, ms) {
  const end = Date.now() + ms;
  let s;
  for (let i = 0; i < 1000 && Date.now() < end; i++) {
    s = (await snapshot(c))[id];
    if (s?.status === want) return s;
    await sleep(100);
  }
  return s;
}

test('an expired lease returns the sub-job to WAITING, then to FAILED after max attempts', async () => {
  const j = await create(c, 'createDesktops', 2);
  const got = await claim(c, { max: 2, lease: 5 });
  assert.equal(got.length, 2);
  const [A, B] = got;
  assert.equal(A.attempts, 0);
  const t0 = Date.now();

  // B is heartbeated all along and must survive.
  let stop = false;
  const beats = [];
  const beater = (async () => {
    for (let i = 0; i < 40 && !stop; i++) {
      const h = await c.heartbeat(B.id, { lease_id: B.lease_id, process: 50 });
      beats.push(h.status);
      for (let k = 0; k < 10 && !stop; k++) await sleep(150);
    }
  })();

  try {
    // Not before the lease ends...
    await sleep(3500);
    assert.equal((await snapshot(c))[A.id].status, 'RUNNING', 'the lease was reaped early');
    // ...but soon after: WAITING again, with nothing of the lost attempt shown.
    const a1 = await waitStatus(A.id, 'WAITING', 9000 - (Date.now() - t0));
    assert.equal(a1?.status, 'WAITING', `not back to WAITING 9 s after a 5 s lease: ${JSON.stringify(a1)}`);
    assert.ok(Date.now() - t0 >= 4500, 'expired before its lease_seconds');
    assert.equal(a1.end_time, undefined);
    assert.equal(a1.error_code, undefined);
    assert.equal(a1.fail_reason, undefined);
    assert.equal((await snapshot(c))[B.id].status, 'RUNNING', 'a heartbeated lease expired');
    assert.equal((await c.show(j.job_id)).body.status, 'RUNNING');

    // The lost lease is refused.
    assertWksError(await f.heartbeat(A.id, { lease_id: A.lease_id, process: 60 }), 409, 'WKS.00211103', MSG.conflict);
    assertWksError(await f.finish(A.id, { lease_id: A.lease_id, status: 'SUCCESS' }), 409, 'WKS.00211103', MSG.conflict);

    // Second attempt: claimed again, attempt 1, a new lease.
    const [A2] = await claim(c, { max: 1, lease: 5 });
    assert.equal(A2?.id, A.id);
    assert.equal(A2.attempts, 1);
    assert.notEqual(A2.lease_id, A.lease_id);
    assertWksError(await f.finish(A.id, { lease_id: A.lease_id, status: 'SUCCESS' }), 409, 'WKS.00211103', MSG.conflict);
    const t1 = Date.now();

    // It expires again: max attempts (2) reached, FAILED with a code and a reason.
    const a2 = await waitStatus(A.id, 'FAILED', 9000);
    assert.equal(a2?.status, 'FAILED', `not FAILED after the second expiry: ${JSON.stringify(a2)}`);
    assert.ok(Date.now() - t1 >= 4500, 'expired before its lease_seconds');
    assert.equal(typeof a2.error_code, 'string');
    assert.ok(a2.error_code.length > 0 && a2.error_code.length <= 55);
    assert.equal(typeof a2.fail_reason, 'string');
    assert.match(a2.fail_reason, /lease/i);
    assert.match(a2.end_time ?? '', TIME_RE);
    // Neither lease counts any more.
    for (const L of [A.lease_id, A2.lease_id]) {
      assertWksError(await f.finish(A.id, { lease_id: L, status: 'SUCCESS' }), 409, 'WKS.00211103', MSG.conflict);
      assertWksError(await f.heartbeat(A.id, { lease_id: L }), 409, 'WKS.00211103', MSG.conflict);
    }
    assert.equal((await snapshot(c))[A.id].status, 'FAILED');
    assert.deepEqual(await claim(c, { max: 10 }), [], 'a FAILED sub-job was handed out');
    await assertCountsConsistent(c);
  } finally {
    stop = true;
    await beater;
  }
  assert.ok(beats.length >= 5, `only ${beats.length} heartbeats`);
  assert.deepEqual([...new Set(beats)], [200], `a heartbeat of the live lease failed: ${beats}`);

  // B finishes normally; the job is FAILED with A's code and reason.
  await finish(c, B, 'SUCCESS');
  const a2 = (await snapshot(c))[A.id];
  const job = (await c.show(j.job_id)).body;
  assert.equal(job.status, 'FAILED');
  assert.equal(job.job_error_code, a2.error_code);
  assert.equal(job.fail_reason, a2.fail_reason);

  // A retry clears the attempts: the next claim is attempt 0 again.
  assert.equal((await c.retry(j.job_id)).status, 200);
  const [A3] = await claim(c, { max: 1, lease: 60 });
  assert.equal(A3?.id, A.id);
  assert.equal(A3.attempts, 0, 'retry did not clear the attempts');
  await finish(c, A3, 'SUCCESS');
  assert.equal((await c.show(j.job_id)).body.status, 'SUCCESS');
  await assertCountsConsistent(c);
});
