// 83-sd-notify: systemd readiness (the unit is Type=notify).  The test
// owns the NOTIFY_SOCKET: a unix datagram socket bound by a small python3
// helper (Node has no unix datagram sockets) that prints each message as
// one JSON line.  `serve` must say READY=1 only once both listeners
// answer, and STOPPING=1 when SIGTERM starts the drain.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initData, spawnServe, raw } from './lib.mjs';

const HELPER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("bound"), flush=True)
while True:
    print(json.dumps(s.recv(4096).decode()), flush=True)
`;

const dirs = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

// Bind the socket; resolves { path, next(pattern) resolving with the first
// message matching pattern, messages, stop() }.
async function notifySocket() {
  const dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-notify-'));
  dirs.push(dir);
  const sock = path.join(dir, 'notify.sock');
  const proc = spawn('python3', ['-c', HELPER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages = [];
  const waiters = [];
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      messages.push(m);
      for (const w of waiters.splice(0)) if (!w(m)) waiters.push(w);
    }
  });
  const next = (re, ms = 15000) => new Promise((resolve, reject) => {
    const hit = messages.find((m) => re.test(m));
    if (hit !== undefined) return resolve(hit);
    const t = setTimeout(() => reject(new Error(`no ${re} in ${JSON.stringify(messages)}`)), ms);
    waiters.push((m) => { if (!re.test(m)) return false; clearTimeout(t); resolve(m); return true; });
  });
  await next(/^bound$/);
  return { path: sock, next, messages, stop: () => proc.kill('SIGTERM') };
}

test('READY=1 once both listeners answer, STOPPING=1 on SIGTERM', async () => {
  const ns = await notifySocket();
  const env = initData();
  dirs.push(env.dir);
  const ready = ns.next(/(^|\n)READY=1(\n|$)/).then(async (m) => {
    // At the moment READY=1 arrives, both ports it names must answer.
    const ports = m.match(/public [\d.]+:(\d+) internal [\d.]+:(\d+)/);
    assert.ok(ports, `no ports in the STATUS of ${JSON.stringify(m)}`);
    const pub = await raw(`http://127.0.0.1:${ports[1]}`, { method: 'GET', path: '/' });
    const int = await raw(`http://127.0.0.1:${ports[2]}`, { method: 'GET', path: '/healthz' });
    return { ports, pub, int };
  });
  const srv = await spawnServe(['serve', '--data', env.data, '--listen', '127.0.0.1:0',
    '--internal-listen', '127.0.0.1:0', '--access-log=false'], { NOTIFY_SOCKET: ns.path });
  try {
    const r = await ready;
    assert.equal(Number(r.ports[1]), srv.pubPort);
    assert.equal(Number(r.ports[2]), srv.intPort);
    assert.ok(r.pub.status >= 400 && r.pub.status < 500, `public: ${r.pub.status}`);
    assert.equal(r.int.status, 200, r.int.text);
    assert.ok(!ns.messages.some((m) => /STOPPING=1/.test(m)), 'STOPPING before SIGTERM');
    const code = await srv.stop();
    assert.equal(code, 0, srv.stderr());
    await ns.next(/(^|\n)STOPPING=1(\n|$)/, 5000);
    // READY once, then STOPPING once, in that order.
    const kinds = ns.messages.flatMap((m) => m.split('\n')).filter((l) => /^(READY|STOPPING)=/.test(l));
    assert.deepEqual(kinds, ['READY=1', 'STOPPING=1']);
  } finally {
    await srv.stop();
    ns.stop();
  }
});
