// 60-gateway-memory: the gateway's memory is the cluster's.  An AK locked
// after 5 bad signatures and a user locked after 5 wrong passwords are
// locked on every node when the failures were spread over the nodes
// (docs/API.md#authentication: attempts are counted across nodes); a
// success in between starts the count again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { raw } from '../api/lib.mjs';
import { MSG, mkUser, getToken, waitFor } from '../api/iam-helpers.mjs';
import { startCluster } from './cluster-lib.mjs';

const BOUND_MS = 5000;
const LOCKED = `${MSG.iam}: AK access failed to reach the limit,forbidden.`;

let cl;
before(async () => { cl = await startCluster({ nodes: 3, serveArgs: ['--ak-lock-s', '600'] }); });
after(async () => { if (cl) await cl.shutdown(); });

const LIST = () => `/v2/${cl.creds.project_id}/workspace-sub-jobs`;
function signed(n, k) {
  return raw(n.publicUrl, { method: 'GET', path: LIST(), headers: { 'X-Project-Id': cl.creds.project_id }, creds: k });
}
const spoiled = (n, k) => signed(n, { ak: k.ak, sk: `${k.sk}-wrong` });
const node = (i) => cl.nodes[i % cl.nodes.length];

test('5 bad signatures spread over three nodes lock the AK on every node', async () => {
  const u = mkUser(node(0), 'spreadkey', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const k = { ak: u.ak, sk: u.sk };
  for (let i = 0; i < 3; i++) assert.equal((await signed(node(i), k)).status, 200);
  // 4 spread failures and a success: no lock anywhere.
  for (let i = 0; i < 4; i++) assert.equal((await spoiled(node(i), k)).status, 401);
  assert.equal((await signed(node(1), k)).status, 200);
  for (let i = 0; i < 3; i++) assert.equal((await signed(node(i), k)).status, 200, 'locked after 4 failures');
  // 5 failures, no node saw more than 2 of them.
  for (let i = 0; i < 5; i++) assert.equal((await spoiled(node(i), k)).status, 401);
  for (let i = 0; i < 3; i++) {
    const ok = await waitFor(async () => (await signed(node(i), k)).status === 401, BOUND_MS + 1000, 200);
    assert.ok(ok, `node ${i + 1} still accepts the AK`);
    assert.equal((await signed(node(i), k)).json.error_msg, LOCKED);
  }
});

test('5 wrong passwords spread over three nodes lock the user on every node', async () => {
  const u = mkUser(node(0), 'spreaduser');
  // 4 spread failures and a success: no lock.
  for (let i = 0; i < 4; i++) assert.equal((await getToken(node(i), u.name, 'wrong-password')).status, 401);
  assert.equal((await getToken(node(2), u.name, u.password)).status, 201);
  for (let i = 0; i < 5; i++) assert.equal((await getToken(node(i + 1), u.name, 'wrong-password')).status, 401);
  for (let i = 0; i < 3; i++) {
    const r = await getToken(node(i), u.name, u.password);
    assert.equal(r.status, 401, `node ${i + 1} gave a token: ${r.text}`);
    assert.match(r.body.error.message, /locked/);
  }
});
