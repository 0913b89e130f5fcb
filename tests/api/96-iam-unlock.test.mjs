// 96-iam-unlock: lockouts an operator can see and lift
// (docs/API.md#authentication, #identity-iam-and-sts).  An AK locked after
// 5 bad signatures and a user locked after 5 wrong passwords show in
// `wksjobs admin key list` / `user list` and go with `admin key unlock
// AK` / `admin user unlock NAME`: a user at once, an AK on every running
// server within the key cache's bound (5 s), because the lock lives in
// the store.  Two servers share one data directory here, as two nodes
// share a database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, initData, raw, run } from './lib.mjs';
import { MSG, admin, mkUser, getToken, waitFor, shutdown } from './iam-helpers.mjs';

const BOUND_MS = 5000;	// docs/API.md#authentication: an unlock applies within 5 s
const LOCKED = `${MSG.iam}: AK access failed to reach the limit,forbidden.`;
const LIST = (s) => `/v2/${s.creds.project_id}/workspace-sub-jobs`;

let a;
let b;

before(async () => {
  const env = initData();
  a = await startServer(env, ['--ak-lock-s', '600']);
  b = await startServer(env, ['--ak-lock-s', '600']);
});

after(async () => {
  await shutdown(b);
  await shutdown(a);
});

// A list request signed with k; spoiled: with a wrong secret key.
function signed(s, k) {
  return raw(s.publicUrl, { method: 'GET', path: LIST(s), headers: { 'X-Project-Id': s.creds.project_id },
    creds: k });
}

function spoiled(s, k) {
  return signed(s, { ak: k.ak, sk: `${k.sk}-wrong` });
}

function keyRow(ak) {
  return admin(a, ['key', 'list']).find((k) => k.access_key === ak);
}

test('an AK locked by one server is listed, refused by every server, and unlocked by admin key unlock', async () => {
  const u = mkUser(a, 'keyholder', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const k = { ak: u.ak, sk: u.sk };
  assert.equal((await signed(a, k)).status, 200);
  assert.equal((await signed(b, k)).status, 200);
  assert.equal(keyRow(k.ak).locked_until, undefined);
  for (let i = 0; i < 5; i++) assert.equal((await spoiled(a, k)).status, 401);
  const onA = await signed(a, k);
  assert.equal(onA.status, 401);
  assert.equal(onA.json.error_msg, LOCKED);
  // The command-line client says how the lock ends.
  const cli = run(['subjobs', 'list'], { env: { ...process.env, HUAWEICLOUD_SDK_AK: k.ak,
    HUAWEICLOUD_SDK_SK: k.sk, HUAWEICLOUD_SDK_PROJECT_ID: a.creds.project_id, WKSJOBS_ENDPOINT: a.publicUrl } });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /locked after repeated bad signatures.*'wksjobs admin key unlock AK'/);
  // The lock is in the store: listed, and the other server refuses the
  // key too once its cached copy of the key is renewed.
  const row = keyRow(k.ak);
  assert.ok(Date.parse(row.locked_until) > Date.now() + 500 * 1000, JSON.stringify(row));
  const text = run(['admin', 'key', 'list', '--data', a.data]).stdout;
  assert.match(text, new RegExp(`^${k.ak} keyholder enabled locked until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC$`, 'm'));
  const refusedOnB = await waitFor(async () => (await signed(b, k)).status === 401, BOUND_MS + 1000, 200);
  assert.ok(refusedOnB, 'the lock did not reach the other server');
  assert.equal((await signed(b, k)).json.error_msg, LOCKED);

  // Lifted by the operator: both servers accept the key within the bound.
  const t0 = Date.now();
  assert.deepEqual(admin(a, ['key', 'unlock', k.ak]), { access_key: k.ak, status: 'unlocked' });
  assert.equal(keyRow(k.ak).locked_until, undefined);
  for (const s of [a, b]) {
    const ok = await waitFor(async () => (await signed(s, k)).status === 200, BOUND_MS + 1000, 200);
    assert.ok(ok, `still locked on ${s.publicUrl} after the unlock`);
  }
  assert.ok(Date.now() - t0 < BOUND_MS + 1000);
  // The count starts again: 4 failures do not lock it.
  for (let i = 0; i < 4; i++) assert.equal((await spoiled(a, k)).status, 401);
  assert.equal((await signed(a, k)).status, 200);
  // An unknown AK is an error.
  const nope = run(['admin', 'key', 'unlock', 'NOSUCHKEY0000000000', '--data', a.data]);
  assert.equal(nope.status, 1);
});

test('a user locked by wrong passwords is listed and unlocked at once by admin user unlock', async () => {
  const u = mkUser(a, 'forgetful');
  for (let i = 0; i < 5; i++) assert.equal((await getToken(a, u.name, 'wrong-password')).status, 401);
  assert.match((await getToken(b, u.name, u.password)).body.error.message, /locked/);
  const row = admin(a, ['user', 'list']).find((x) => x.name === u.name);
  assert.ok(Date.parse(row.locked_until) > Date.now(), JSON.stringify(row));
  assert.match(run(['admin', 'user', 'list', '--data', a.data]).stdout,
    new RegExp(`^${u.id} forgetful enabled locked until .+ UTC$`, 'm'));
  assert.deepEqual(admin(a, ['user', 'unlock', u.name]), { name: u.name, status: 'unlocked' });
  assert.equal(admin(a, ['user', 'list']).find((x) => x.name === u.name).locked_until, undefined);
  for (const s of [a, b]) assert.equal((await getToken(s, u.name, u.password)).status, 201);
  // The failures were forgotten too: 4 more do not lock.
  for (let i = 0; i < 4; i++) await getToken(a, u.name, 'wrong-password');
  assert.equal((await getToken(a, u.name, u.password)).status, 201);
  assert.equal(run(['admin', 'user', 'unlock', 'nobody', '--data', a.data]).status, 1);
});
