// 86-privileges: serve --user started as root drops to the service user
// and its groups once its ports are bound (the kernel's view in
// /proc/PID/status), keeps serving, and the data directory is the
// user's; `wksjobs admin` run as root on it keeps that ownership; serve
// as root without --user warns.  Needs root (as CI runs): a throwaway
// system user is created and removed again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { initData, startServer, clients, run } from './lib.mjs';
import { create, snapshot, shutdown } from './helpers.mjs';

const isRoot = process.getuid?.() === 0;
const skip = isRoot ? false : 'needs root (a system user is created): run the tests as root, as CI does';
const NAME = `wjt${process.pid}`;
let user = null;	// { uid, gid }
const envs = [];

before(() => {
  if (!isRoot) return;
  const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin',
    '--user-group', NAME], { encoding: 'utf8' });
  assert.equal(r.status, 0, `useradd: ${r.stderr}`);
  const id = (flag) => Number(spawnSync('id', [flag, NAME], { encoding: 'utf8' }).stdout.trim());
  user = { uid: id('-u'), gid: id('-g') };
});

after(() => {
  for (const e of envs) e.cleanup?.();
  if (user) spawnSync('userdel', [NAME]);
});

// A data directory the service user can reach (mkdtemp's parent is 0700).
function dataDir() {
  const env = initData();
  chmodSync(env.dir, 0o711);
  envs.push({ cleanup: () => spawnSync('rm', ['-rf', env.dir]) });
  return env;
}

// The ids of a /proc status line (Uid, Gid: real, effective, saved and
// filesystem; Groups) of every thread of pid: the store's, the HTTP
// pool's and the reaper were started before the drop.
function ids(pid, key) {
  const seen = new Set();
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const line = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8').split('\n')
      .find((l) => l.startsWith(`${key}:`));
    seen.add(line.split(/\s+/).slice(1).filter(Boolean).join(' '));
  }
  assert.equal(seen.size, 1, `threads differ in ${key}: ${[...seen].join(' | ')}`);
  return [...seen][0].split(' ').map(Number);
}

function assertOwned(dir) {
  assert.equal(statSync(dir).uid, user.uid, `${dir} owner`);
  for (const f of readdirSync(dir)) {
    const st = statSync(path.join(dir, f));
    assert.equal(st.uid, user.uid, `${f} is owned by uid ${st.uid}, not the service user`);
    assert.equal(st.gid, user.gid, `${f} group`);
  }
}

test('serve --user: the process is the user and its group, requests work, the files are the user\'s',
  { skip }, async () => {
    const env = dataDir();
    const srv = await startServer(env, ['--user', NAME]);
    try {
      assert.deepEqual(ids(srv.pid, 'Uid'), [user.uid, user.uid, user.uid, user.uid]);
      assert.deepEqual(ids(srv.pid, 'Gid'), [user.gid, user.gid, user.gid, user.gid]);
      assert.deepEqual(ids(srv.pid, 'Groups'), [user.gid], 'supplementary groups: the user\'s own');
      assert.match(srv.stderr(), new RegExp(`running as user ${NAME}`));
      assert.doesNotMatch(srv.stderr(), /running as root/);
      // Writes and reads as the user: new reader connections, the WAL.
      const c = clients(srv);
      const j = await create(c, 'createDesktops', 3);
      const all = await snapshot(c);
      for (const id of j.sub_job_ids) assert.ok(all[id], id);
      assertOwned(env.data);
    } finally {
      await shutdown({ ...srv, cleanup: () => {} });
    }
    assertOwned(env.data);

    // admin as root keeps the ownership of what it creates (a new key
    // file, the database's -wal and -shm).
    const k = run(['admin', 'key', 'create', '--user', 'admin', '--data', env.data, '--json']);
    assert.equal(k.status, 0, k.stderr);
    const rot = run(['admin', 'rotate-master-key', '--data', env.data]);
    assert.equal(rot.status, 0, rot.stderr);
    assert.ok(readdirSync(env.data).includes('master.key.old'));
    assertOwned(env.data);

    // The user's server runs on it with the new key and the AK made as root.
    const srv2 = await startServer(env, ['--user', NAME]);
    try {
      const key = JSON.parse(k.stdout);
      const r = await clients(srv2, { ak: key.access_key, sk: key.secret_key }).list({ limit: 1 });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assertOwned(env.data);
    } finally {
      await shutdown({ ...srv2, cleanup: () => {} });
    }
  });

test('serve as root without --user runs, with one warning', { skip }, async () => {
  const env = dataDir();
  const srv = await startServer(env);
  try {
    const r = await clients(srv).list({ limit: 1 });
    assert.equal(r.status, 200);
    assert.equal(srv.stderr().match(/running as root/g)?.length, 1, srv.stderr());
  } finally {
    await shutdown({ ...srv, cleanup: () => {} });
  }
});

test('serve --user with an unknown user fails before opening anything', { skip }, () => {
  const env = dataDir();
  const r = run(['serve', '--data', env.data, '--listen', '127.0.0.1:0', '--internal-listen', '127.0.0.1:0',
    '--user', `${NAME}-none`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--user wjt\d+-none: no such user/);
});
