// 50-cache-coherence: what a node caches (access keys, policies, tokens)
// follows a change made through another node within the bound of
// docs/API.md#authentication (5 s): a disabled access key, a detached
// policy and a disabled user's token stop working on every node, and an
// enabled key works again everywhere.  Changes are made with `wksjobs
// admin` on node 1's data directory and database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { clients } from '../api/lib.mjs';
import { admin, mkUser, getToken, withToken, waitFor } from '../api/iam-helpers.mjs';
import { startCluster } from './cluster-lib.mjs';

const BOUND_MS = 5000;
const SLACK_MS = 1500;	// polling and two busy cores

let cl;
before(async () => { cl = await startCluster({ nodes: 3 }); });
after(async () => { if (cl) await cl.shutdown(); });

// Wait until check(node) holds on every node; the time it took (ms).
async function everywhere(check, what) {
  const t0 = Date.now();
  for (const n of cl.nodes) {
    const ok = await waitFor(() => check(n), BOUND_MS + SLACK_MS - (Date.now() - t0), 100);
    assert.ok(ok, `${what}: not on ${n.publicUrl} within ${BOUND_MS} ms`);
  }
  return Date.now() - t0;
}

const listStatus = async (n, who) => (await clients(n, who).list({ limit: 1 })).status;

test('a disabled access key stops on every node within 5 s, and an enabled one works again', async () => {
  const u = mkUser(cl.nodes[0], 'keyuser', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const k = { ak: u.ak, sk: u.sk };
  // Every node has the key in its cache now.
  for (const n of cl.nodes) assert.equal(await listStatus(n, k), 200);
  admin(cl.nodes[0], ['key', 'disable', k.ak]);
  await everywhere(async (n) => (await listStatus(n, k)) === 401, 'key disabled');
  admin(cl.nodes[0], ['key', 'enable', k.ak]);
  await everywhere(async (n) => (await listStatus(n, k)) === 200, 'key enabled');
});

test('a detached policy stops granting on every node within 5 s', async () => {
  const u = mkUser(cl.nodes[0], 'policyuser', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const k = { ak: u.ak, sk: u.sk };
  for (const n of cl.nodes) assert.equal(await listStatus(n, k), 200);
  admin(cl.nodes[0], ['policy', 'detach', 'Workspace ReadOnlyAccess', '--user', u.name, '--domain']);
  await everywhere(async (n) => (await listStatus(n, k)) === 403, 'policy detached');
});

test('a token of a user disabled through one node stops on the others within 5 s', async () => {
  const u = mkUser(cl.nodes[0], 'tokenuser', { attach: [['Workspace ReadOnlyAccess', 'domain']] });
  const t = await getToken(cl.nodes[0], u.name, u.password);
  assert.equal(t.status, 201, t.text);
  const P = cl.creds.project_id;
  const use = async (n) => (await withToken(n, t.token, { path: `/v2/${P}/workspace-sub-jobs` })).status;
  for (const n of cl.nodes) assert.equal(await use(n), 200);
  admin(cl.nodes[1], ['user', 'disable', u.name]);
  await everywhere(async (n) => (await use(n)) === 401, 'token of a disabled user');
  // A new password revokes as well: enabled again, a new token, a new password.
  admin(cl.nodes[1], ['user', 'enable', u.name]);
  const t2 = await getToken(cl.nodes[2], u.name, u.password);
  assert.equal(t2.status, 201, t2.text);
  const use2 = async (n) => (await withToken(n, t2.token, { path: `/v2/${P}/workspace-sub-jobs` })).status;
  for (const n of cl.nodes) assert.equal(await use2(n), 200);
  admin(cl.nodes[2], ['user', 'passwd', u.name, '--password', 'Another-pass-456']);
  await everywhere(async (n) => (await use2(n)) === 401, 'token after a new password');
});
