// 88-backup: `wksjobs admin backup` under a steady write load (creates,
// claims, finishes and deletes through the official SDK) is consistent: restored with
// `wksjobs admin restore` into a new data directory, the database passes
// PRAGMA integrity_check, holds every write acknowledged before the
// backup began (and no delete acknowledged then is undone), its counts
// agree with its rows, and a server on it serves the SDK with the old
// credentials.  Restore refuses a directory that is not empty.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, startServer, clients, run } from './lib.mjs';
import { create, claim, finish, snapshot, assertCountsConsistent, waitFor, shutdown } from './helpers.mjs';

const WRITES_BEFORE = 40;	// acknowledged writes before the backup
const MAX_CREATES = 150;	// 2 sub-jobs each: within one list page

const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-backup-'));
const servers = [];
after(async () => {
  for (const s of servers) await shutdown(s);
  rmSync(dir, { recursive: true, force: true });
});

// The exit code, stdout and stderr of a command that runs while the
// event loop goes on (the load keeps running meanwhile).
function runAsync(args) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.on('close', (code) => { clearTimeout(t); resolve({ status: code, stdout: out, stderr: err }); });
  });
}

/*
 * Writers, in turn: create a job of 2 sub-jobs, claim one WAITING
 * sub-job, finish it SUCCESS and, every other time, delete it, until
 * stop().  Every acknowledged write gets the next number of one
 * sequence, so "acknowledged before the backup began" is ack <= the
 * number when it began.
 */
function load(c, nWriters = 3) {
  const st = { seq: 0, stop: false, creates: [], finished: new Map(), deletes: new Map(), sent: new Set() };
  const writer = async (w) => {
    for (let i = 0; !st.stop && st.creates.length < MAX_CREATES; i++) {
      const j = await create(c, 'createDesktops', 2);
      st.creates.push({ ids: j.sub_job_ids, ack: ++st.seq });
      const [s] = await claim(c, { max: 1, worker: `w${w}` });
      if (!s) continue;
      await finish(c, s, 'SUCCESS');
      st.finished.set(s.id, ++st.seq);
      if (i % 2 === 1) continue;
      st.sent.add(s.id);
      const r = await c.del({ job_ids: [s.id] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      st.deletes.set(s.id, ++st.seq);
    }
  };
  const done = Promise.all(Array.from({ length: nWriters }, (_, w) => writer(w)));
  return { st, stop: () => { st.stop = true; return done; } };
}

test('backup under load, restore, serve: integrity, every acknowledged write, old credentials', async () => {
  const srv = await startServer();
  servers.push(srv);
  const c = clients(srv);
  const L = load(c);
  await waitFor(() => L.st.seq >= WRITES_BEFORE, 20000, 20);
  const began = L.st.seq;
  const file = path.join(dir, 'wksjobs.backup');
  const b = await runAsync(['admin', 'backup', '--to', file, '--data', srv.data]);
  await waitFor(() => L.st.seq >= began + 10, 10000, 20);
  await L.stop();
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stderr, /warning: the backup holds .* secrets, sealed/, 'the backup warns that it holds sealed secrets');
  assert.ok(began >= WRITES_BEFORE, `a steady load before the backup (${began} writes)`);
  assert.ok(L.st.seq > began, 'writes went on during the backup');
  for (const f of [file, `${file}.key`]) assert.equal(statSync(f).mode & 0o777, 0o600, f);

  const data2 = path.join(dir, 'restored');
  const rs = run(['admin', 'restore', '--from', file, '--data', data2]);
  assert.equal(rs.status, 0, rs.stderr);
  const ic = spawnSync('sqlite3', [path.join(data2, 'wksjobs.db'), 'PRAGMA integrity_check'], { encoding: 'utf8' });
  assert.equal(ic.status, 0, ic.stderr);
  assert.equal(ic.stdout.trim(), 'ok');

  const srv2 = await startServer({ dir, data: data2, creds: srv.creds });
  servers.push(srv2);
  const c2 = clients(srv2);	// the old credentials
  const got = await snapshot(c2);
  const created = new Set(L.st.creates.flatMap((x) => x.ids));
  for (const id of Object.keys(got)) assert.ok(created.has(id), `${id} was never created`);
  let checked = 0;
  for (const { ids, ack } of L.st.creates) {
    if (ack > began) continue;
    for (const id of ids) {
      const del = L.st.deletes.get(id);
      if (del !== undefined && del <= began) assert.equal(got[id], undefined, `${id}: its delete was acknowledged`);
      else if (!L.st.sent.has(id)) {
        assert.ok(got[id], `${id}: acknowledged before the backup, missing`);
        if (L.st.finished.get(id) <= began) assert.equal(got[id].status, 'SUCCESS', `${id}: finished before`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 12, `${checked} sub-jobs checked`);
  await assertCountsConsistent(c2);
  await create(c2, 'createDesktops', 1);

  const again = run(['admin', 'restore', '--from', file, '--data', data2]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /not empty/);
  const exists = run(['admin', 'backup', '--to', file, '--data', srv.data]);
  assert.equal(exists.status, 1, 'an existing backup file is never overwritten');
});
