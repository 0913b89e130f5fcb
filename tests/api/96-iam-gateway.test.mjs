// 96-iam-gateway: the gateway's protections (docs/API.md#authentication,
// docs/API.md#limits): an AK locks after 5 consecutive signature
// failures (serve --ak-lock-s), per-user per-route rate limits with 429
// APIGW.0308 and Retry-After (serve --rate-limit N, 0 = off, root too),
// and smaller body and header caps for requests without credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startServer, initData, clients, raw, run } from './lib.mjs';
import { MSG, admin, mkUser, getToken, withToken, shutdown, sleep } from './iam-helpers.mjs';

const LIST = (s) => `/v2/${s.creds.project_id}/workspace-sub-jobs`;
const require = createRequire(import.meta.url);
const core = require('@huaweicloud/huaweicloud-sdk-core');
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');

// A list request signed by the official SDK's signer with k.
function signed(s, k) {
  return raw(s.publicUrl, { method: 'GET', path: LIST(s), query: 'limit=1',
    headers: { 'X-Project-Id': s.creds.project_id }, creds: k });
}

// Signed for limit=1 but sent with limit=2: a signature failure.
function spoiled(s, k) {
  const hdrs = { 'X-Project-Id': s.creds.project_id };
  const cred = new core.BasicCredentials().withAk(k.ak).withSk(k.sk);
  const sig = AKSKSigner.sign({ endpoint: s.publicUrl + LIST(s), headers: hdrs, method: 'GET',
    queryParams: { limit: '1' } }, cred);
  return raw(s.publicUrl, { method: 'GET', path: LIST(s), query: 'limit=2', headers: { ...hdrs, ...sig } });
}

test('an AK locks for --ak-lock-s after 5 consecutive signature failures; the right signature is refused too', async () => {
  const s = await startServer(initData(), ['--ak-lock-s', '3']);
  try {
    const k = { ak: s.creds.access_key, sk: s.creds.secret_key };
    const other = mkUser(s, 'bystander', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
    // 4 failures and a success: no lock.
    for (let i = 0; i < 4; i++) assert.equal((await spoiled(s, k)).status, 401);
    assert.equal((await signed(s, k)).status, 200);
    for (let i = 0; i < 5; i++) {
      const r = await spoiled(s, k);
      assert.equal(r.status, 401);
      assert.equal(r.json.error_msg, `${MSG.iam}: verify aksk signature fail`);
    }
    const locked = await signed(s, k);
    assert.equal(locked.status, 401, locked.text);
    assert.equal(locked.json.error_code, 'APIGW.0301');
    assert.equal(locked.json.error_msg, `${MSG.iam}: AK access failed to reach the limit,forbidden.`);
    assert.equal(locked.json.request_id, locked.headers['x-request-id']);
    // Through the SDK as well, and on the internal listener.
    const sdk = clients(s);
    assert.equal((await sdk.list()).status, 401);
    assert.equal((await sdk.claim({ worker_id: 'w', max: 1, lease_seconds: 60 })).status, 401);
    // Another AK, and a token of the same user, are not locked.
    assert.equal((await clients(s, { ak: other.ak, sk: other.sk }).list()).status, 200);
    admin(s, ['user', 'passwd', 'admin', '--password', 'Root-pass-123']);
    const t = await getToken(s, 'admin', 'Root-pass-123', { project: { id: s.creds.project_id } });
    assert.equal((await withToken(s, t.token, { path: LIST(s) })).status, 200);
    // The lock ends.
    await sleep(3100);
    assert.equal((await signed(s, k)).status, 200);
  } finally {
    await shutdown(s);
  }
});

test('the default AK lock is 5 minutes (still locked a few seconds later)', async () => {
  const s = await startServer();
  try {
    const k = { ak: s.creds.access_key, sk: s.creds.secret_key };
    for (let i = 0; i < 5; i++) await spoiled(s, k);
    await sleep(1500);
    const r = await signed(s, k);
    assert.equal(r.status, 401);
    assert.match(r.json.error_msg, /AK access failed to reach the limit/);
  } finally {
    await shutdown(s);
  }
});

test('--rate-limit N: a burst gets 429 APIGW.0308 with Retry-After in whole seconds; per user and per public route', async () => {
  const s = await startServer(initData(), ['--rate-limit', '3']);
  try {
    const root = clients(s);
    const rs = await Promise.all(Array.from({ length: 12 }, () => root.list()));
    const ok = rs.filter((r) => r.status === 200).length;
    const limited = rs.filter((r) => r.status === 429);
    assert.ok(ok >= 3 && ok <= 6, `200s in a burst of 12 at 3/s: ${ok}`);
    assert.ok(limited.length >= 6, `429s: ${limited.length}`);
    for (const r of limited) {
      assert.equal(r.body.error_code, 'APIGW.0308');
      assert.match(r.body.error_msg, /^The throttling threshold has been reached/);
      assert.ok(r.requestId);
    }
    // Raw, to see the headers: Retry-After is whole seconds.
    const rr = await raw(s.publicUrl, { method: 'GET', path: LIST(s),
      headers: { 'X-Project-Id': s.creds.project_id }, creds: { ak: s.creds.access_key, sk: s.creds.secret_key } });
    assert.equal(rr.status, 429, rr.text);
    assert.match(rr.headers['retry-after'], /^[1-9]\d*$/);
    assert.equal(rr.json.error_code, 'APIGW.0308');
    assert.equal(rr.json.request_id, rr.headers['x-request-id']);
    // Another route of the same user, and another user, are not limited.
    assert.notEqual((await root.show('0'.repeat(32))).status, 429);
    const u = mkUser(s, 'calm', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
    assert.equal((await clients(s, { ak: u.ak, sk: u.sk }).list()).status, 200);
    // After Retry-After the route answers again.
    await sleep(Number(rr.headers['retry-after']) * 1000 + 50);
    assert.equal((await root.list()).status, 200);
    // The internal listener (workers) is not limited.
    const claims = await Promise.all(Array.from({ length: 12 }, () =>
      root.claim({ worker_id: 'w', max: 1, lease_seconds: 60 })));
    assert.ok(claims.every((r) => r.status === 200), 'a 429 on the internal listener');
    // Token requests of one address are limited per route too.
    const logins = await Promise.all(Array.from({ length: 8 }, () => getToken(s, 'calm', 'wrong-password-x')));
    assert.ok(logins.some((r) => r.status === 429), 'no 429 on a burst of logins');
  } finally {
    await shutdown(s);
  }
});

test('--rate-limit 0 turns the limit off; the default is 200 per second', async () => {
  const s = await startServer(initData(), ['--rate-limit', '0']);
  try {
    const rs = await Promise.all(Array.from({ length: 60 }, () => clients(s).list()));
    assert.ok(rs.every((r) => r.status === 200), 'a 429 without a limit');
  } finally {
    await shutdown(s);
  }
  const d = await startServer();
  try {
    const rs = await Promise.all(Array.from({ length: 60 }, () => clients(d).list()));
    assert.ok(rs.every((r) => r.status === 200), 'a 429 under the default 200/s');
    const help = run(['serve', '--help']);
    assert.match(help.stdout, /--rate-limit.*\(default 200\)/);
    assert.match(help.stdout, /--token-lifetime-s.*\(default 86400\)/);
    assert.match(help.stdout, /--ak-lock-s.*\(default 300\)/);
    assert.match(help.stdout, /--password-lock-s.*\(default 900\)/);
  } finally {
    await shutdown(d);
  }
});

test('without credentials the body cap is 8 KiB and the header cap 16 KiB; with them the listener caps apply', async () => {
  const s = await startServer();
  try {
    const P = s.creds.project_id;
    const body = JSON.stringify({ delete_by_status: 'FAILED', pad: 'x'.repeat(9000) });
    const anon = await raw(s.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`, body,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) } });
    assert.equal(anon.status, 413, anon.text);
    assert.equal(anon.json.error_code, 'APIGW.0201');
    // Chunked, without Content-Length: also refused.
    const chunked = await raw(s.publicUrl, { method: 'POST', path: '/v3/auth/tokens', body,
      headers: { 'Content-Type': 'application/json' } });
    assert.equal(chunked.status, 413, chunked.text);
    // The same body with a signature is read (and answered by the handler).
    const signedBig = await raw(s.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
      body, headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
      creds: { ak: s.creds.access_key, sk: s.creds.secret_key } });
    assert.equal(signedBig.status, 200, signedBig.text);
    // A small body without credentials: the usual 401.
    const small = await raw(s.publicUrl, { method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
      body: '{}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(small.status, 401);
    // Headers: 20 KB without credentials is 494; with a token it is read.
    const big = { 'X-Pad': 'y'.repeat(20000) };
    const h1 = await raw(s.publicUrl, { method: 'GET', path: `/v2/${P}/workspace-sub-jobs`, headers: big });
    assert.equal(h1.status, 494, h1.text);
    assert.equal(h1.json.error_code, 'APIGW.0201');
    const h2 = await raw(s.publicUrl, { method: 'GET', path: `/v2/${P}/workspace-sub-jobs`,
      headers: { ...big, 'X-Auth-Token': 'not-a-token' } });
    assert.equal(h2.status, 401, h2.text);
  } finally {
    await shutdown(s);
  }
});
