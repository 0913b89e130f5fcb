// 90-make-run: `make run` (scripts/run.sh) starts the server and a
// simulating worker, creates demo jobs once and prints commands; the exact
// commands it prints work when pasted (run from another directory with a
// clean environment), and stopping the script (Ctrl-C/SIGTERM) or the
// server stops the worker too.  It works on a directory made by
// `wksjobs init`; a second start while one runs (same data or same ports)
// fails at once, saying why, and touches nothing of the running one; a
// restart keeps the previous logs.  `serve` on an address in use says why
// and how to choose another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN, run, startServer } from './lib.mjs';
import { ROOT, alive, bound, cleanEnv, commands, pids, shutdown, sleep, spawnRun, startRun } from './run-lib.mjs';

// A command pasted into a shell elsewhere, with nothing of ours in the
// environment but the export line.
function paste(exp, cmd, cwd = tmpdir()) {
  return spawnSync('bash', ['-c', `${exp}\n${cmd}`], { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 120000 });
}

test('make run: the printed commands work when pasted; Ctrl-C stops server and worker', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-run-'));
  let r;
  try {
    r = await startRun(path.join(dir, 'data'));
    const out = r.out();
    assert.match(out, /public API +http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /internal API +http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /AK +[A-Z0-9]{20}\n +SK +\S{40}/);
    assert.match(out, /worker +simulating, 2 at a time, 1\.\.4 s each, 25% FAILED \(make run FAIL_RATE=0\.\.1 chooses\)/);
    assert.match(out, /demo jobs +createDesktops x6, rebuildDesktops x3, expandVolumes x2, createSnapshot x2/);
    const { server, worker } = pids(out);
    assert.ok(alive(server) && alive(worker));

    const [exp, list, create, node] = commands(out);
    assert.match(exp, /^export HUAWEICLOUD_SDK_AK=\S+ HUAWEICLOUD_SDK_SK=\S+ HUAWEICLOUD_SDK_PROJECT_ID=[0-9a-f]{32} WKSJOBS_ENDPOINT=http:\/\/127\.0\.0\.1:\d+ WKSJOBS_INTERNAL_ENDPOINT=http:\/\/127\.0\.0\.1:\d+ WKSJOBS_DATA=\S+$/);
    assert.equal(list, `${BIN} subjobs list`);
    assert.equal(create, `${BIN} job create --type createDesktops --count 5 --wait`);
    assert.equal(node, `node ${path.join(ROOT, 'tests/api/call.mjs')} GET '/v2/{project_id}/workspace-sub-jobs'`);

    const l = paste(exp, list);
    assert.equal(l.status, 0, l.stderr);
    const lines = l.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^ID +JOB_ID +JOB_TYPE +STATUS/);
    assert.equal(lines.length - 1, 13, 'the 13 demo sub-jobs');
    for (const row of lines.slice(1)) assert.match(row, /^[0-9a-f]{32} {2}[0-9a-f]{32} /);

    // The worker runs the new job after the demo's: exit 0 when every
    // sub-job succeeded, 1 when the job FAILED (25% of sub-jobs fail).
    const c = paste(exp, create);
    assert.ok(c.status === 0 || c.status === 1, c.stderr);
    assert.match(c.stdout, c.status === 0 ? /^status +SUCCESS$/m : /^status +FAILED$/m);

    const n = paste(exp, node);
    assert.equal(n.status, 0, n.stdout + n.stderr);
    assert.match(n.stdout, /^HTTP 200 {2}X-Request-Id: [0-9a-f]{32}/);
    const body = JSON.parse(n.stdout.slice(n.stdout.indexOf('\n') + 1));
    assert.equal(body.total_count, 18);

    // The console's URL and login, as printed, let one in.
    const cm = out.match(/console +(http:\/\/\S+\/console\/) +\(account (\S+), user (\S+), password (\S+);/);
    assert.ok(cm, out);
    assert.equal((await fetch(cm[1])).status, 200);
    const login = await fetch(new URL('api/login', cm[1]), { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ account: cm[2], user: cm[3], password: cm[4] }) });
    assert.equal(login.status, 200, await login.clone().text());
    assert.match(login.headers.get('set-cookie'), /^wksjobs_session=/);

    // Ctrl-C: SIGINT to the script stops the worker and the server.
    r.proc.kill('SIGINT');
    const ex = await r.exited;
    assert.equal(ex.code, 130, r.err());
    assert.match(r.out(), /worker and server stopped/);
    assert.ok(!alive(worker), 'worker stopped');
    assert.ok(!alive(server), 'server stopped');
  } finally {
    await shutdown(r);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('make run: when the server stops, the worker stops; a restart reuses the data, keeps the last logs, seeds no more demo jobs', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-run-'));
  const data = path.join(dir, 'data');
  let r;
  try {
    // DATA as `make run` gives it: ./data, relative to the directory.
    r = await startRun('./data', {}, dir);
    const first = r.out();
    assert.doesNotMatch(first, /\/\.\//, 'no path with /./');
    assert.match(first, new RegExp(`data +${data} +\\(WKSJOBS_DATA, for wksjobs admin\\)`));
    assert.match(first, new RegExp(`logs +${data}/serve\\.log +${data}/worker\\.log +\\(the previous start's: \\*\\.log\\.1\\)`));
    const [exp] = commands(first);
    assert.match(exp, new RegExp(` WKSJOBS_DATA=${data}$`));
    // admin finds the data directory from anywhere with the export line.
    const k = paste(exp, `${BIN} admin key list`);
    assert.equal(k.status, 0, k.stderr);
    assert.ok(k.stdout.includes(first.match(/AK +(\S+)/)[1]), k.stdout);

    const { server, worker } = pids(first);
    process.kill(server, 'SIGTERM');
    const ex = await r.exited;
    assert.equal(ex.code, 0, r.err());
    assert.ok(!alive(worker), 'worker stopped with the server');
    const log1 = readFileSync(path.join(data, 'serve.log'), 'utf8');
    assert.match(log1, /serving: public/);

    // Again on the same data: no new credentials, no more demo jobs, the
    // first start's logs kept as *.log.1; SIGTERM stops it.
    r = await startRun('./data', {}, dir);
    assert.doesNotMatch(r.out(), /initialised/);
    assert.match(r.out(), /demo jobs +created on the first start only/);
    assert.equal(r.out().match(/AK +(\S+)/)[1], first.match(/AK +(\S+)/)[1]);
    assert.equal(readFileSync(path.join(data, 'serve.log.1'), 'utf8'), log1);
    assert.ok(existsSync(path.join(data, 'worker.log.1')));
    const l = paste(commands(r.out())[0], `${BIN} subjobs list --output json`);
    assert.equal(l.status, 0, l.stderr);
    assert.equal(JSON.parse(l.stdout).total_count, 13, 'the demo jobs once');
    const p2 = pids(r.out());
    r.proc.kill('SIGTERM');
    assert.equal((await r.exited).code, 143);
    assert.ok(!alive(p2.worker) && !alive(p2.server));
  } finally {
    await shutdown(r);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('make run on a directory made by wksjobs init', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-run-'));
  const data = path.join(dir, 'data');
  let r;
  try {
    const i = run(['init', '--data', data]);
    assert.equal(i.status, 0, i.stderr);
    r = await startRun(data);
    assert.match(r.out(), new RegExp(`^${data} was made by wksjobs init: created an access key for its root user admin for the demo`, 'm'));
    assert.equal(r.err(), '');
    const [exp, list] = commands(r.out());
    const l = paste(exp, list);
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /^ID +JOB_ID/);
  } finally {
    await shutdown(r);
    rmSync(dir, { recursive: true, force: true });
  }
});

// Two loopback ports free a moment ago.
async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

const hasNul = (f) => readFileSync(f).includes(0);

test('a second make run while one runs fails at once, says why, and touches nothing of the running one', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-run-'));
  const data = path.join(dir, 'data');
  const other = path.join(dir, 'other');
  let r;
  try {
    const [pub, int] = await freePorts(2);
    const fixed = { WKSJOBS_LISTEN: `127.0.0.1:${pub}`, WKSJOBS_INTERNAL_LISTEN: `127.0.0.1:${int}` };
    r = await startRun(data, fixed);
    await sleep(1000);	// the worker has claimed: both logs have lines
    const files = readdirSync(data).sort();
    const before = {};
    for (const f of ['serve.log', 'worker.log', 'demo-credentials.json']) before[f] = readFileSync(path.join(data, f));
    assert.ok(before['serve.log'].length > 0 && before['worker.log'].length > 0);

    // The same data directory (on other ports).
    const same = spawnRun(data);
    const a = await Promise.race([same.exited, bound(30000)]);
    await shutdown(same);
    assert.equal(a?.code, 1, same.out() + same.err());
    assert.equal(same.out(), '');
    assert.match(same.err(), new RegExp(`^run\\.sh: ${data} is in use by another make run \\(pid \\d+\\); stop it first \\(Ctrl-C in its terminal\\), or give this one its own: make run DATA=\\./data2 WKSJOBS_LISTEN=127\\.0\\.0\\.1:0 WKSJOBS_INTERNAL_LISTEN=127\\.0\\.0\\.1:0\\n$`));

    // Other data, the same ports.
    const ports = spawnRun(other, fixed);
    const b = await Promise.race([ports.exited, bound(30000)]);
    await shutdown(ports);
    assert.equal(b?.code, 1, ports.out() + ports.err());
    assert.equal(ports.out(), '');
    assert.match(ports.err(), new RegExp(`^run\\.sh: 127\\.0\\.0\\.1:${pub} is already in use \\(another make run or wksjobs serve\\?\\); stop that one, or choose other addresses: make run WKSJOBS_LISTEN=127\\.0\\.0\\.1:${pub + 10} WKSJOBS_INTERNAL_LISTEN=127\\.0\\.0\\.1:${int + 10}\\n$`));
    assert.deepEqual(readdirSync(other), ['run.lock'], 'nothing but the lock made in the other directory');

    // The running instance's files: only grown, never cut or replaced.
    assert.deepEqual(readdirSync(data).sort(), files);
    for (const [f, bytes] of Object.entries(before)) {
      const now = readFileSync(path.join(data, f));
      assert.ok(now.subarray(0, bytes.length).equals(bytes), `${f} was rewritten`);
      assert.ok(!hasNul(path.join(data, f)), `${f} has NUL bytes`);
    }
    const [exp, list] = commands(r.out());
    const l = paste(exp, list);
    assert.equal(l.status, 0, l.stderr);
  } finally {
    await shutdown(r);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serve on an address in use says why and how to choose another', async () => {
  const srv = await startServer();
  try {
    const pub = Number(new URL(srv.publicUrl).port);
    const int = Number(new URL(srv.internalUrl).port);
    const p = run(['serve', '--data', srv.data, '--listen', `127.0.0.1:${pub}`, '--internal-listen', '127.0.0.1:0']);
    assert.equal(p.status, 1, p.stderr);
    assert.match(p.stderr, new RegExp(`wksjobs: serve: cannot listen on 127\\.0\\.0\\.1:${pub}: Address already in use \\(is another wksjobs serve running\\?\\); choose another address with --listen HOST:PORT or WKSJOBS_LISTEN \\(port 0 picks a free one\\)`));
    const i = run(['serve', '--data', srv.data, '--listen', '127.0.0.1:0', '--internal-listen', `127.0.0.1:${int}`]);
    assert.equal(i.status, 1, i.stderr);
    assert.match(i.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${int}: Address already in use .*--internal-listen HOST:PORT or WKSJOBS_INTERNAL_LISTEN`));
  } finally {
    await srv.stop();
    srv.cleanup();
  }
});
