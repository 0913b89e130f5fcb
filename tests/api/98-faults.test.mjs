// 98-faults: faults of the store.  A locked database
// (another process holding BEGIN EXCLUSIVE through the sqlite3 shell), a
// full disk (the server's RLIMIT_FSIZE lowered with prlimit, which needs no
// privilege for one's own process) and a read-only database (chattr +i,
// skipped with a message where the immutable flag is not allowed) each make
// writes fail with 503 WKS.00050902 and Retry-After, while reads go on;
// nothing of a refused write is stored, nothing acknowledged is lost, the
// file passes PRAGMA integrity_check, and the service recovers by itself
// (no restart) as soon as the fault clears.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer } from './lib.mjs';
import { shutdown, sleep } from './helpers.mjs';
import { byteSign, send, sqlite, sqlite3Available } from './reliability-lib.mjs';

let srv;
let db;
let P;
let creds;
const stats = { faults: 0, refused: 0 };

before(async () => {
  srv = await startServer(undefined, ['--rate-limit', '0']);
  db = path.join(srv.data, 'wksjobs.db');
  P = srv.creds.project_id;
  creds = { ak: srv.creds.access_key, sk: srv.creds.secret_key };
});

after(async () => {
  if (srv) await shutdown(srv);
  console.log(`faults: ${stats.faults} store faults injected, ${stats.refused} writes refused with 503`);
});

const tag = () => `fault-${randomBytes(6).toString('hex')}`;

// A create of n sub-jobs tagged with pool; { status, json, headers, ms }.
async function create(pool, n = 1) {
  const body = JSON.stringify({ job_type: 'createDesktops',
    sub_jobs: Array.from({ length: n }, () => ({ desktop_pool_id: pool, entity: 'e'.repeat(200) })) });
  const p = `/v1/internal/${P}/jobs`;
  const h = byteSign(srv.internalUrl, { method: 'POST', path: p, headers: { 'Content-Type': 'application/json' }, body, creds });
  const t0 = Date.now();
  const r = await send(srv.internalUrl, { method: 'POST', path: p, headers: h, body });
  return { ...r, ms: Date.now() - t0 };
}

async function list() {
  const p = `/v2/${P}/workspace-sub-jobs`;
  const h = byteSign(srv.publicUrl, { method: 'GET', path: p, query: 'limit=1', headers: {}, creds });
  return send(srv.publicUrl, { method: 'GET', path: p, query: 'limit=1', headers: h });
}

function assertUnavailable(r) {
  assert.equal(r.status, 503, r.text);
  assert.equal(r.json.error_code, 'WKS.00050902');
  assert.equal(r.json.error_msg, 'The service is now unavailable to process the request.');
  assert.equal(r.headers['retry-after'], '1');
  assert.ok(r.headers['x-request-id']);
  stats.refused++;
}

const count = (pool) => Number(sqlite(db, `SELECT count(*) FROM sub_jobs WHERE desktop_pool_id = '${pool}';`));

test('a database locked by another process (BEGIN EXCLUSIVE): 503 with Retry-After after the busy wait, reads go on, recovery on release',
  { skip: sqlite3Available ? false : 'no sqlite3 shell', timeout: 60000 }, async () => {
    const ok = tag();
    assert.equal((await create(ok)).status, 201);
    const holder = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    holder.stdout.on('data', (d) => { out += d; });
    holder.stdin.write('.timeout 5000\nBEGIN EXCLUSIVE;\nSELECT \'locked\';\n');
    for (let i = 0; i < 100 && !out.includes('locked'); i++) await sleep(50);
    assert.ok(out.includes('locked'), 'the sqlite3 shell did not get the lock');
    stats.faults++;
    const bad = tag();
    try {
      const [w1, w2, r] = await Promise.all([create(bad), create(bad), list()]);
      assertUnavailable(w1);
      assertUnavailable(w2);
      // The store waits out another process's lock for a while (5 s), then gives up.
      assert.ok(w1.ms >= 4000 && w1.ms < 15000, `answered after ${w1.ms} ms`);
      assert.equal(r.status, 200, `a read while locked: ${r.text}`);
    } finally {
      holder.stdin.end('COMMIT;\n.quit\n');
      await new Promise((resolve) => holder.on('exit', resolve));
    }
    // Recovered by itself.
    const again = tag();
    const r2 = await create(again);
    assert.equal(r2.status, 201, r2.text);
    assert.equal(count(bad), 0, 'a refused create left rows');
    assert.equal(count(ok), 1);
    assert.equal(count(again), 1);
    assert.equal(sqlite(db, 'PRAGMA integrity_check;').trim(), 'ok');
  });

const prlimit = spawnSync('prlimit', ['--version'], { encoding: 'utf8' }).status === 0;

test('a full disk (RLIMIT_FSIZE of the server lowered with prlimit): 503, no crash, recovery when space returns',
  { skip: !prlimit ? 'no prlimit' : (!sqlite3Available ? 'no sqlite3 shell' : false), timeout: 60000 }, async () => {
    const before = tag();
    assert.equal((await create(before, 10)).status, 201);
    const size = (f) => { try { return statSync(f).size; } catch { return 0; } };
    const limit = Math.max(size(db), size(`${db}-wal`)) + 8192;
    const set = (v) => {
      const r = spawnSync('prlimit', ['--pid', String(srv.proc.pid), `--fsize=${v}:unlimited`], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    };
    set(limit);
    stats.faults++;
    const bad = tag();
    let refused = 0;
    try {
      // Writes that must grow a file past the limit fail; small ones may
      // still fit in pages the WAL already has.
      for (let i = 0; i < 20 && refused < 3; i++) {
        const r = await create(bad, 500);
        if (r.status === 503) {
          assertUnavailable(r);
          refused++;
        } else assert.equal(r.status, 201, r.text);
      }
      assert.ok(refused >= 3, 'no write was refused under the size limit');
      assert.equal(srv.proc.exitCode, null, 'the server died (SIGXFSZ?)');
      assert.equal((await list()).status, 200, 'reads stop on a full disk');
    } finally {
      set('unlimited');
    }
    const again = tag();
    const r = await create(again, 500);
    assert.equal(r.status, 201, `no recovery after the limit was lifted: ${r.text}`);
    assert.equal(count(again), 500);
    assert.equal(count(before), 10);
    // Each create is all or nothing: a multiple of 500 rows at most.
    assert.equal(count(bad) % 500, 0, 'a refused create is partly stored');
    assert.equal(sqlite(db, 'PRAGMA integrity_check;').trim(), 'ok');
  });

// The immutable flag makes the files unwritable even for root.
function chattr(flag, files) {
  return spawnSync('chattr', [flag, ...files], { encoding: 'utf8' });
}
const files = () => [db, `${db}-wal`];
const canImmutable = (() => {
  const r = spawnSync('chattr', ['--help'], { encoding: 'utf8' });
  return r.error === undefined;
})();

test('a read-only database (chattr +i): 503, reads go on, recovery when writable again',
  { skip: !canImmutable ? 'no chattr' : (!sqlite3Available ? 'no sqlite3 shell' : false), timeout: 60000 }, async (t) => {
    const r0 = chattr('+i', files());
    if (r0.status !== 0) {
      t.skip(`chattr +i refused (${r0.stderr.trim()}): needs CAP_LINUX_IMMUTABLE on a file system with the flag`);
      return;
    }
    stats.faults++;
    const bad = tag();
    try {
      for (let i = 0; i < 3; i++) assertUnavailable(await create(bad, 20));
      assert.equal((await list()).status, 200);
    } finally {
      assert.equal(chattr('-i', files()).status, 0);
    }
    const again = tag();
    const r = await create(again, 20);
    assert.equal(r.status, 201, `no recovery: ${r.text}`);
    assert.equal(count(bad), 0);
    assert.equal(count(again), 20);
    assert.equal(sqlite(db, 'PRAGMA integrity_check;').trim(), 'ok');
  });

test('after every fault: the counts still match the rows', { skip: !sqlite3Available }, async () => {
  const bad = sqlite(db, `SELECT j.id FROM jobs j LEFT JOIN (SELECT project_id, job_id,
      sum(status = 0) w, sum(status = 1) r, sum(status = 2) s, sum(status = 3) f
      FROM sub_jobs GROUP BY project_id, job_id) c ON c.project_id = j.project_id AND c.job_id = j.id
    WHERE j.n_waiting != coalesce(c.w, 0) OR j.n_running != coalesce(c.r, 0)
       OR j.n_success != coalesce(c.s, 0) OR j.n_failed != coalesce(c.f, 0);`).trim();
  assert.equal(bad, '');
  const r = await list();
  assert.equal(r.status, 200);
  assert.equal(r.json.total_count, Number(sqlite(db, `SELECT count(*) FROM sub_jobs WHERE project_id = '${P}';`)));
});
