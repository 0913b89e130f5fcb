// 90-make-run: `make run` (scripts/run.sh) starts the server and a
// simulating worker, creates demo jobs and prints commands; the exact
// commands it prints work when pasted (run from another directory with a
// clean environment), and stopping the script (Ctrl-C/SIGTERM) or the
// server stops the worker too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN } from './lib.mjs';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/run.sh');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WKSJOBS_') && !k.startsWith('HUAWEICLOUD_SDK_') && k !== 'NO_COLOR') env[k] = v;
  }
  return env;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Start run.sh on free ports; resolves when it has printed everything.
async function startRun(dir) {
  const proc = spawn('bash', [SCRIPT, BIN, path.join(dir, 'data')], {
    env: { ...cleanEnv(), WKSJOBS_LISTEN: '127.0.0.1:0', WKSJOBS_INTERNAL_LISTEN: '127.0.0.1:0' },
    stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const r = { proc, exited, out: () => out, err: () => err };
  const end = Date.now() + 30000;
  while (!/Ctrl-C stops the server and the worker\./.test(out)) {
    if (proc.exitCode !== null || Date.now() > end) {
      await shutdown(r);
      assert.fail(`run.sh did not come up:\n${out}\n${err}`);
    }
    await sleep(50);
  }
  return r;
}

// However a test ends, leave nothing running: SIGTERM lets the script
// stop its worker and server; SIGKILL only if it does not; then any of
// the printed pids still alive.
async function shutdown(r) {
  if (!r) return;
  if (r.proc.exitCode === null && r.proc.signalCode === null) {
    r.proc.kill('SIGTERM');
    await Promise.race([r.exited, sleep(30000)]);
    if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  }
  const m = r.out().match(/pids +server (\d+), worker (\d+)/);
  for (const pid of m ? [Number(m[1]), Number(m[2])] : []) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

// The pasteable block: an export line and three commands.
function commands(out) {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Try it'));
  assert.ok(at >= 0, out);
  const block = [];
  for (let i = at + 1; i < lines.length && lines[i].startsWith('  '); i++) block.push(lines[i].trim());
  return block;
}

// The pids printed, checked to be the server and the worker themselves
// (not a subshell around them, which would leave them running).
function pids(out) {
  const m = out.match(/pids +server (\d+), worker (\d+)/);
  assert.ok(m, out);
  const p = { server: Number(m[1]), worker: Number(m[2]) };
  const cmd = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  assert.deepEqual(cmd(p.server).slice(0, 2), [BIN, 'serve']);
  assert.deepEqual(cmd(p.worker).slice(0, 3), [BIN, 'worker', '--simulate']);
  return p;
}

test('make run: the printed commands work when pasted; Ctrl-C stops server and worker', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-run-'));
  let r;
  try {
    r = await startRun(dir);
    const out = r.out();
    assert.match(out, /public API +http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /internal API +http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /AK +[A-Z0-9]{20}\n +SK +\S{40}/);
    assert.match(out, /demo jobs +createDesktops x6, rebuildDesktops x3, expandVolumes x2, createSnapshot x2/);
    const { server, worker } = pids(out);
    assert.ok(alive(server) && alive(worker));

    const [exp, list, del, node] = commands(out);
    assert.match(exp, /^export HUAWEICLOUD_SDK_AK=\S+ HUAWEICLOUD_SDK_SK=\S+ HUAWEICLOUD_SDK_PROJECT_ID=[0-9a-f]{32} WKSJOBS_ENDPOINT=http:\/\/127\.0\.0\.1:\d+ WKSJOBS_INTERNAL_ENDPOINT=http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(list, `${BIN} subjobs list`);
    assert.equal(del, `${BIN} subjobs delete --status FAILED`);
    assert.equal(node, `node ${path.join(ROOT, 'tests/api/call.mjs')} GET '/v2/{project_id}/workspace-sub-jobs'`);

    // Pasted into a shell elsewhere, with nothing of ours in the environment.
    const paste = (cmd) => spawnSync('bash', ['-c', `${exp}\n${cmd}`], { cwd: tmpdir(), env: cleanEnv(),
      encoding: 'utf8', timeout: 60000 });
    const l = paste(list);
    assert.equal(l.status, 0, l.stderr);
    const lines = l.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^ID +JOB_ID +JOB_TYPE +STATUS/);
    assert.equal(lines.length - 1, 13, 'the 13 demo sub-jobs');
    for (const row of lines.slice(1)) assert.match(row, /^[0-9a-f]{32} {2}[0-9a-f]{32} /);

    // The simulating worker works through them (25% fail): wait for one
    // FAILED so that the delete has something to do.
    const end = Date.now() + 60000;
    let failed = 0;
    while (failed === 0 && Date.now() < end) {
      await sleep(500);
      const f = paste(`${list} --status FAILED --output json`);
      assert.equal(f.status, 0, f.stderr);
      failed = JSON.parse(f.stdout).total_count;
    }
    assert.ok(failed > 0, 'the worker finished sub-jobs, some FAILED');
    const d = paste(del);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /deleted every FAILED sub-job/);

    const n = paste(node);
    assert.equal(n.status, 0, n.stdout + n.stderr);
    assert.match(n.stdout, /^HTTP 200 {2}X-Request-Id: [0-9a-f]{32}/);
    const body = JSON.parse(n.stdout.slice(n.stdout.indexOf('\n') + 1));
    assert.ok(body.total_count >= 1 && body.total_count <= 13);

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

test('make run: when the server stops, the worker stops; a second start reuses the data', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-run-'));
  let r;
  try {
    r = await startRun(dir);
    const first = r.out();
    const { server, worker } = pids(first);
    process.kill(server, 'SIGTERM');
    const ex = await r.exited;
    assert.equal(ex.code, 0, r.err());
    assert.ok(!alive(worker), 'worker stopped with the server');

    // Again on the same data: no new credentials; SIGTERM stops it.
    r = await startRun(dir);
    assert.doesNotMatch(r.out(), /initialised/);
    assert.equal(r.out().match(/AK +(\S+)/)[1], first.match(/AK +(\S+)/)[1]);
    const p2 = pids(r.out());
    r.proc.kill('SIGTERM');
    assert.equal((await r.exited).code, 143);
    assert.ok(!alive(p2.worker) && !alive(p2.server));
  } finally {
    await shutdown(r);
    rmSync(dir, { recursive: true, force: true });
  }
});
