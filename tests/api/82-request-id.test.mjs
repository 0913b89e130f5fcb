// 82-request-id: every answer's X-Request-Id reaches the caller, a 200
// without a body (BatchDeleteSubJobs) included: through the tests' SDK
// call (lib.mjs), its full-error form (helpers.mjs callFull) and the
// command-line tool of the README, tests/api/call.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startServer, clients, createJob } from './lib.mjs';
import { fullClients } from './helpers.mjs';

const ID_RE = /^[0-9a-f]{32}$/;
let srv;

before(async () => { srv = await startServer(); });
after(async () => {
  if (srv) {
    await srv.stop();
    srv.cleanup();
  }
});

test('call and callFull give the X-Request-Id of an empty 200 answer', async () => {
  for (const c of [clients(srv), fullClients(srv)]) {
    const r = await c.del({ job_ids: ['0123456789abcdef0123456789abcdef'] });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {});
    assert.match(r.requestId ?? '', ID_RE, 'X-Request-Id of an empty 200');
    // Answers with a body and errors still have theirs.
    const job = await createJob(c);
    const shown = await c.show(job.job_id);
    assert.match(shown.requestId ?? '', ID_RE);
    const missing = await c.show('0123456789abcdef0123456789abcdef');
    assert.equal(missing.status, 404);
    assert.match(missing.requestId ?? '', ID_RE);
  }
});

test('node tests/api/call.mjs prints the X-Request-Id of an empty 200 answer', () => {
  const env = { ...process.env, HUAWEICLOUD_SDK_AK: srv.creds.access_key,
    HUAWEICLOUD_SDK_SK: srv.creds.secret_key, HUAWEICLOUD_SDK_PROJECT_ID: srv.creds.project_id,
    WKSJOBS_ENDPOINT: srv.publicUrl };
  const r = spawnSync(process.execPath, [path.join(import.meta.dirname, 'call.mjs'), 'POST',
    '/v2/{project_id}/workspace-sub-jobs/batch-delete', '', '{"delete_by_status":"FAILED"}'],
  { env, encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^HTTP 200 {2}X-Request-Id: [0-9a-f]{32}\n\{\}\n$/);
});
