// 16-config: the configuration file (serve --config, $WKSJOBS_CONFIG) and
// its precedence flag > environment > file > default; serve --check's
// messages (file and line, the closest key, the data directory's
// problems) and exit status; --version and /metrics' wksjobs_build_info;
// SIGHUP re-reading the reloadable keys without stopping the server; JSON
// log lines (--log-format json) with the access log's fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run, initData, spawnServe, clients } from './lib.mjs';
import { waitFor } from './helpers.mjs';

// serve --check with args and env in cwd; { status, stdout, stderr }.
function check(args, env = {}, cwd = undefined) {
  return run(['serve', '--check', ...args], { env: { ...process.env, ...env }, cwd });
}

test('precedence: flag > environment > file > default', () => {
  const e = initData();
  try {
    const conf = path.join(e.dir, 'wksjobs.conf');
    // Each level names a different (initialised) data directory.
    for (const d of ['file', 'env', 'flag']) assert.equal(run(['init', '--data', path.join(e.dir, d), '--json']).status, 0);
    writeFileSync(conf, `# a comment\n\ndata = "${path.join(e.dir, 'file')}"\n`);
    const dflt = check(['--config', ''], {}, e.dir);
    assert.equal(dflt.status, 0, dflt.stderr);
    assert.match(dflt.stdout, /no configuration file, data directory \.\/data\n$/);
    const file = check(['--config', conf], {}, e.dir);
    assert.equal(file.status, 0, file.stderr);
    assert.match(file.stdout, new RegExp(`ok: ${conf}, data directory ${path.join(e.dir, 'file')}\n$`));
    // $WKSJOBS_CONFIG names the file as --config does.
    const viaEnv = check([], { WKSJOBS_CONFIG: conf }, e.dir);
    assert.match(viaEnv.stdout, new RegExp(`data directory ${path.join(e.dir, 'file')}\n$`));
    const env = check(['--config', conf], { WKSJOBS_DATA: path.join(e.dir, 'env') }, e.dir);
    assert.match(env.stdout, new RegExp(`data directory ${path.join(e.dir, 'env')}\n$`));
    const flag = check(['--config', conf, '--data', path.join(e.dir, 'flag')],
      { WKSJOBS_DATA: path.join(e.dir, 'env') }, e.dir);
    assert.match(flag.stdout, new RegExp(`data directory ${path.join(e.dir, 'flag')}\n$`));
    // A named file that is not there is a problem, not silence.
    const missing = check(['--config', path.join(e.dir, 'nope.conf'), '--data', e.data]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.conf: cannot read the configuration file: No such file/);
  } finally {
    rmSync(e.dir, { recursive: true, force: true });
  }
});

test('serve --check names file and line of every problem, and the data directory\'s', () => {
  const e = initData();
  try {
    const conf = path.join(e.dir, 'bad.conf');
    writeFileSync(conf, [
      'listn = 127.0.0.1:9000', // 1: a misspelt key
      'threads = lots', // 2: a bad value
      'just words', // 3: malformed
      `data = ${e.data}  # trailing comment`, // 4: fine
      'check = true', // 5: a flag only
      'log-format = yaml', // 6: not one of text|json
      'threads = 4', // 7: twice (after a bad first one: fine)
      'rate-limit = 5', 'rate-limit = 6', // 8, 9: twice
    ].join('\n') + '\n');
    chmodSync(path.join(e.data, 'master.key'), 0o644);
    const r = check(['--config', conf]);
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    const at = (n) => `wksjobs: ${conf}:${n}: `;
    assert.deepEqual(lines, [
      `${at(1)}unknown key 'listn' (did you mean 'listen'?)`,
      `${at(2)}bad value for 'threads': must be an integer from 0 to 256`,
      `${at(3)}expected 'key = value'`,
      `${at(5)}'check' is a flag only, not a key of the configuration file`,
      `${at(6)}bad value for 'log-format': must be one of text|json`,
      `${at(9)}'rate-limit' given twice (first on line 8)`,
      `wksjobs: ${e.data}/master.key: unsafe mode 0644: the master key must be readable by its owner only (chmod 600 ${e.data}/master.key)`,
      'wksjobs: serve --check: 7 problem(s)',
    ]);
    // Started for real, the same file is refused before anything opens.
    const serve = run(['serve', '--config', conf]);
    assert.equal(serve.status, 2);
    assert.match(serve.stderr, /6 problem\(s\) in the configuration/);
    chmodSync(path.join(e.data, 'master.key'), 0o600);
    unlinkSync(path.join(e.data, 'master.key'));
    const nokey = check(['--data', e.data, '--config', '']);
    assert.equal(nokey.status, 1);
    assert.match(nokey.stderr, /master\.key: No such file or directory: the master key is missing/);
    const nodir = check(['--data', path.join(e.dir, 'none'), '--config', '']);
    assert.equal(nodir.status, 1);
    assert.match(nodir.stderr, /data directory .*none: No such file or directory \(run: wksjobs init --data /);
  } finally {
    rmSync(e.dir, { recursive: true, force: true });
  }
});

test('--version, version, and wksjobs_build_info in /metrics', async () => {
  const v = run(['--version']);
  assert.equal(v.status, 0);
  const m = v.stdout.match(/^wksjobs (\d+\.\d+\.\d+) \(commit ([0-9a-f]{7,40}|unknown)\)\n$/);
  assert.ok(m, v.stdout);
  assert.equal(run(['version']).stdout, v.stdout);
  const e = initData();
  const srv = await spawnServe(['serve', '--config', '', '--data', e.data, '--listen', '127.0.0.1:0',
    '--internal-listen', '127.0.0.1:0', '--access-log=false']);
  try {
    const text = await (await fetch(`${srv.internalUrl}/metrics`)).text();
    assert.match(text, /# TYPE wksjobs_build_info gauge\n/);
    assert.ok(text.includes(`wksjobs_build_info{version="${m[1]}",commit="${m[2]}"} 1\n`), text);
  } finally {
    await srv.stop();
    rmSync(e.dir, { recursive: true, force: true });
  }
});

test('SIGHUP reloads the reloadable keys, names the rest, and keeps serving; JSON logs', async () => {
  const e = initData();
  const conf = path.join(e.dir, 'wksjobs.conf');
  writeFileSync(conf, `data = ${e.data}\naccess-log = false\nrate-limit = 200\n`);
  const srv = await spawnServe(['serve', '--config', conf, '--listen', '127.0.0.1:0',
    '--internal-listen', '127.0.0.1:0']);
  try {
    const c = clients({ ...e, ...srv });
    assert.equal((await c.list()).status, 200);
    writeFileSync(conf, `data = ${e.data}\naccess-log = true\nlog-format = json\nrate-limit = 100\n` +
      'threads = 3\n');
    process.kill(srv.pid, 'SIGHUP');
    await waitFor(() => /reload: configuration .*: 3 setting\(s\) changed/.test(srv.stderr()), 10000);
    const log = srv.stderr();
    assert.match(log, /info SIGHUP: reloading\n/);
    assert.match(log, /reload: access-log: false -> true/);
    assert.match(log, /reload: log-format: text -> json/);
    assert.match(log, /reload: rate-limit: 200 -> 100/);
    assert.match(log, /reload: threads: 3 in the configuration, 0 running: takes a restart/);
    // Still serving, now with JSON access lines.
    const listed = await c.list();
    assert.equal(listed.status, 200);
    await waitFor(() => srv.stderr().includes(`"request_id":"${listed.requestId}"`), 10000);
    const lines = srv.stderr().split('\n').filter((l) => l.startsWith('{'));
    const objs = lines.map((l) => JSON.parse(l));
    const access = objs.find((o) => o.request_id === listed.requestId);
    assert.deepEqual(Object.keys(access).sort(), ['level', 'message', 'method', 'microseconds', 'path',
      'principal', 'project', 'request_id', 'route', 'status', 'time']);
    assert.equal(access.message, 'access');
    assert.equal(access.method, 'GET');
    assert.equal(access.route, 'ListItaSubJobs');
    assert.equal(access.status, 200);
    assert.equal(access.project, e.creds.project_id);
    assert.match(access.principal, /^[^/]+\/[^/]+$/, 'account/user'); // the caller
    assert.ok(Number.isInteger(access.microseconds));
    assert.match(access.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    // A bad file on SIGHUP changes nothing.
    writeFileSync(conf, `data = ${e.data}\nrate-limit = many\n`);
    process.kill(srv.pid, 'SIGHUP');
    await waitFor(() => /problem\(s\) in the configuration \(said above\): nothing changed/.test(srv.stderr()), 10000);
    assert.equal((await c.list()).status, 200);
    assert.equal(await srv.stop(), 0);
    // The last lines (drain, stop) are JSON objects with time, level and message.
    const last = JSON.parse(srv.stderr().trim().split('\n').pop());
    assert.deepEqual(Object.keys(last), ['time', 'level', 'message']);
    assert.equal(last.message, 'stopped');
  } finally {
    await srv.stop();
    rmSync(e.dir, { recursive: true, force: true });
  }
});
