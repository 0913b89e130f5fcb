// run-lib.mjs - driving `make run` (scripts/run.sh) from the tests: start
// it on free ports, wait for its banner, read the pasteable commands and
// the pids it printed, and stop it however a test ends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN } from './lib.mjs';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SCRIPT = path.join(ROOT, 'scripts/run.sh');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A bound for a race that keeps nothing alive once the race is won.
export const bound = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const BANNER_END = /Ctrl-C stops the server and the worker/;

// The environment without anything of ours (as a new terminal has it).
export function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WKSJOBS_') && !k.startsWith('HUAWEICLOUD_SDK_') && k !== 'NO_COLOR') env[k] = v;
  }
  return env;
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Spawn run.sh BIN DATA (free ports unless env says otherwise); returns
// at once with its output so far and a promise of its exit.
export function spawnRun(data, env = {}, cwd = ROOT) {
  const proc = spawn('bash', [SCRIPT, BIN, data], {
    cwd, env: { ...cleanEnv(), WKSJOBS_LISTEN: '127.0.0.1:0', WKSJOBS_INTERNAL_LISTEN: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  return { proc, exited, out: () => out, err: () => err };
}

// run.sh that came up: resolves when it has printed everything (30 s).
export async function startRun(data, env = {}, cwd = ROOT) {
  const r = spawnRun(data, env, cwd);
  const end = Date.now() + 30000;
  while (!BANNER_END.test(r.out())) {
    if (r.proc.exitCode !== null || Date.now() > end) {
      await shutdown(r);
      assert.fail(`run.sh did not come up:\n${r.out()}\n${r.err()}`);
    }
    await sleep(50);
  }
  return r;
}

// However a test ends, leave nothing running: SIGTERM lets the script
// stop its worker and server; SIGKILL only if it does not; then any of
// the printed pids still alive.
export async function shutdown(r) {
  if (!r) return;
  if (r.proc.exitCode === null && r.proc.signalCode === null) {
    r.proc.kill('SIGTERM');
    await Promise.race([r.exited, bound(30000)]);
    if (r.proc.exitCode === null && r.proc.signalCode === null) r.proc.kill('SIGKILL');
  }
  const m = r.out().match(/pids +server (\d+), worker (\d+)/);
  for (const pid of m ? [Number(m[1]), Number(m[2])] : []) {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

// The pasteable block: an export line and three commands.
export function commands(out) {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Try it'));
  assert.ok(at >= 0, out);
  const block = [];
  for (let i = at + 1; i < lines.length && lines[i].startsWith('  '); i++) block.push(lines[i].trim());
  return block;
}

// The pids printed, checked to be the server and the worker themselves
// (not a subshell around them, which would leave them running).
export function pids(out) {
  const m = out.match(/pids +server (\d+), worker (\d+)/);
  assert.ok(m, out);
  const p = { server: Number(m[1]), worker: Number(m[2]) };
  const cmd = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  assert.deepEqual(cmd(p.server).slice(0, 2), [BIN, 'serve']);
  assert.deepEqual(cmd(p.worker).slice(0, 3), [BIN, 'worker', '--simulate']);
  return p;
}
