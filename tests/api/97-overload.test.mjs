// 97-overload: admission control.  The server runs with a
// small bound on requests in progress per listener (serve --max-inflight);
// a flood of concurrent keep-alive clients (bounded in time) gets, past the
// bound, 503 WKS.00050902 with Retry-After at once instead of queueing,
// while the requests that were admitted keep a p99 latency under 100 ms as
// the server measures it (its access log: request line read to response
// sent; looser under the sanitizers, which slow everything down); the
// service answers normally as soon as the flood stops.  The latency the
// flooding clients see is reported too, but only bounded loosely: on a
// shared 2-core machine the one Node process generating the flood is
// itself a queue (docs/RELIABILITY.md has figures from a quiet machine).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { ENGINE, initData, clients } from './lib.mjs';
import { checkResponse, noteRequest } from './openapi.mjs';
import { shutdown, sleep } from './helpers.mjs';
import { accessLog, byteSign, percentile, serveOn } from './reliability-lib.mjs';

const FLOOD_MS = 6000;
const CLIENTS = 64;
const MAX_INFLIGHT = 4;
// The sanitizer build (make test's second run sets ASAN_OPTIONS) is several
// times slower; its bound only proves that latency stays bounded.
const SANITIZED = process.env.ASAN_OPTIONS !== undefined;
// On PostgreSQL the database's processes share the two cores with the
// server and the flood (its backends, WAL writer and the autovacuum of
// the suite's other databases): alone it stays near 40 ms, in a whole
// ctest run it was seen at 214 ms.
const P99_MS = SANITIZED ? 1000 : ENGINE === 'pg' ? 250 : 100;

let srv;
after(async () => { if (srv) await shutdown(srv); });

const hex = (n) => randomBytes(n).toString('hex');

// One request on a keep-alive agent; resolves { status, ms, headers, text }.
function timed(agent, base, { method, path, body, headers }) {
  const u = new URL(base);
  const t0 = process.hrtime.bigint();
  noteRequest();
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        try {
          checkResponse({ method, url: path, status: res.statusCode, contentType: res.headers['content-type'], body: text });
        } catch { /* recorded: fails the file at exit */ }
        resolve({ status: res.statusCode, headers: res.headers, text, ms });
      });
    });
    req.on('error', (e) => resolve({ status: 0, error: e.message, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    if (body) req.write(body);
    req.end();
  });
}

test(`a flood of ${CLIENTS} clients for ${FLOOD_MS / 1000} s past --max-inflight ${MAX_INFLIGHT}: 503 at once, ` +
  `admitted p99 < ${P99_MS} ms at the server, recovery at once`, { timeout: 120000 }, async () => {
  srv = await serveOn(initData(), { accessLog: true,
    extra: ['--rate-limit', '0', '--max-inflight', String(MAX_INFLIGHT)] });
  srv.cleanup = () => rmSync(srv.dir, { recursive: true, force: true });
  const P = srv.creds.project_id;
  const creds = { ak: srv.creds.access_key, sk: srv.creds.secret_key };
  const c = clients(srv);
  // Something to list and to show.
  const many = await c.create({ job_type: 'createDesktops', sub_jobs: Array.from({ length: 1000 }, () => ({})) });
  assert.equal(many.status, 201);
  const made = await c.create({ job_type: 'createDesktops', sub_jobs: Array.from({ length: 5 }, () => ({})) });
  assert.equal(made.status, 201);

  const requests = [
    // A mix of reads and writes, public and internal, signed by the service's rules.
    () => ({ base: srv.publicUrl, method: 'GET', path: `/v2/${P}/workspace-sub-jobs?limit=20` }),
    () => ({ base: srv.publicUrl, method: 'GET', path: `/v2/${P}/workspace-jobs/${made.body.job_id}` }),
    () => ({ base: srv.publicUrl, method: 'POST', path: `/v2/${P}/workspace-sub-jobs/batch-delete`,
      body: JSON.stringify({ job_ids: [hex(16), hex(16)] }) }),
    () => ({ base: srv.internalUrl, method: 'POST', path: `/v1/internal/${P}/jobs`,
      body: JSON.stringify({ job_type: 'createDesktops',
        sub_jobs: [{ entity: 'flood' }] }) }),
  ];
  const sign = (r) => {
    const [p, q] = r.path.split('?');
    const headers = byteSign(r.base, { method: r.method, path: p, query: q ?? '',
      headers: { 'Content-Type': 'application/json' }, body: r.body, creds });
    if (r.body) headers['Content-Length'] = String(Buffer.byteLength(r.body));
    return headers;
  };

  // Signed once each: a signature stays valid for 15 minutes, and signing
  // per request would make this one client process the bottleneck.
  const signed = requests.map((f) => { const r = f(); return { ...r, headers: sign(r) }; });
  const results = [];
  const agents = [];
  let stop = false;
  const t0 = Date.now();
  const loop = async (i) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    let k = i;
    while (!stop) {
      const kind = k++ % signed.length;
      const r = signed[kind];
      const res = await timed(agent, r.base, r);
      results.push({ ...res, kind });
      // A refused client waits as told (Retry-After, here shortened to a
      // random few ms so the flood goes on).
      if (res.status === 503) await sleep(Math.random() * 20);
    }
  };
  const loops = Array.from({ length: CLIENTS }, (_, i) => loop(i));
  await sleep(FLOOD_MS);
  stop = true;
  await Promise.all(loops);
  const floodMs = Date.now() - t0;
  for (const a of agents) a.destroy();

  // Recovery: right after the flood, requests are admitted and quick.
  const after = [];
  for (let i = 0; i < 20; i++) {
    const r = requests[i % requests.length]();
    after.push(await timed(undefined, r.base, { ...r, headers: sign(r) }));
  }
  // The server's own view (access log: first byte to last byte sent).
  const log = accessLog(srv.stderr());
  const srvAdmitted = log.filter((l) => l.status === 200 || l.status === 201).map((l) => l.us / 1000);
  const srvRefused = log.filter((l) => l.status === 503).map((l) => l.us / 1000);
  const byStatus = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  const admitted = results.filter((r) => r.status === 200 || r.status === 201);
  const refused = results.filter((r) => r.status === 503);
  const other = results.filter((r) => ![200, 201, 503].includes(r.status));
  const stats = {
    requests: results.length, byStatus,
    admittedP50: percentile(admitted.map((r) => r.ms), 50).toFixed(1),
    admittedP99: percentile(admitted.map((r) => r.ms), 99).toFixed(1),
    admittedMax: percentile(admitted.map((r) => r.ms), 100).toFixed(1),
    refusedP99: percentile(refused.map((r) => r.ms), 99).toFixed(1),
    afterMax: percentile(after.map((r) => r.ms), 100).toFixed(1),
    perSecond: Math.round(results.length / (floodMs / 1000)),
    serverAdmittedP99: percentile(srvAdmitted, 99).toFixed(1),
    serverRefusedP99: percentile(srvRefused, 99).toFixed(2),
  };
  stats.admittedP99ByKind = [0, 1, 2, 3].map((kd) =>
    percentile(admitted.filter((r) => r.kind === kd).map((r) => r.ms), 99).toFixed(1));
  console.log(`overload: ${JSON.stringify(stats)}`);
  assert.deepEqual(other.map((r) => `${r.status} ${r.error ?? r.text}`).slice(0, 5), [], 'answers other than 2xx/503');
  assert.ok(refused.length > 0, `the bound was never reached: ${JSON.stringify(stats)}`);
  assert.ok(admitted.length > 0, 'nothing was admitted');
  for (const r of refused.slice(0, 200)) {
    assert.equal(r.headers['retry-after'], '1', 'a 503 without Retry-After');
    const j = JSON.parse(r.text);
    assert.equal(j.error_code, 'WKS.00050902');
    assert.equal(j.error_msg, 'The service is now unavailable to process the request.');
    assert.ok(r.headers['x-request-id']);
  }
  // The service's own latency: admitted requests under the bound, refusals
  // at once (well under a millisecond normally).
  assert.ok(Number(stats.serverAdmittedP99) < P99_MS, `admitted p99 ${stats.serverAdmittedP99} ms at the server: ` +
    JSON.stringify(stats));
  assert.ok(Number(stats.serverRefusedP99) < P99_MS / 10, `refusals took ${stats.serverRefusedP99} ms`);
  // What the clients saw stays bounded (no request waited seconds).
  assert.ok(Number(stats.admittedMax) < 20 * P99_MS, `a client waited ${stats.admittedMax} ms: ${JSON.stringify(stats)}`);
  for (const r of after) assert.ok(r.status === 200 || r.status === 201, `after the flood: ${r.status} ${r.text}`);
  assert.ok(Number(stats.afterMax) < 5 * P99_MS, `slow right after the flood: ${stats.afterMax} ms`);
  const h = await timed(undefined, srv.internalUrl, { method: 'GET', path: '/healthz', headers: {} });
  assert.equal(h.status, 200);
});

test('the connection count is bounded (--max-connections): a request on a connection past it gets 503 at once ' +
  'and the connection is closed; idle ones past it are dropped; service resumes when they go', { timeout: 60000 }, async () => {
  const net = await import('node:net');
  const s = await serveOn(initData(), { extra: ['--rate-limit', '0', '--max-connections', '8', '--threads', '2'] });
  const u = new URL(s.publicUrl);
  const socks = [];
  const closedByServer = new Set();
  const c = clients(s);
  try {
    // 12 idle connections: 8 within the bound, 4 past it.
    for (let i = 0; i < 12; i++) {
      const k = net.connect({ host: u.hostname, port: Number(u.port) });
      k.on('error', () => {});
      k.on('end', () => closedByServer.add(i));
      socks.push(k);
    }
    await sleep(300);
    const t0 = Date.now();
    const r = await c.list({ limit: 1 });
    const ms = Date.now() - t0;
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error_code, 'WKS.00050902');
    assert.ok(ms < 1000, `the refusal took ${ms} ms`);
    // The idle connections past the bound are dropped within seconds;
    // those within it are kept.
    await sleep(3500);
    assert.ok(closedByServer.size >= 4 && closedByServer.size <= 4 + 1,
      `${closedByServer.size} idle connections dropped by the server`);
    for (const k of socks) k.destroy();
    await sleep(200);
    const ok = await c.list({ limit: 1 });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    console.log(`overload: a request on connection 13 of --max-connections 8 got 503 in ${ms} ms; ` +
      `${closedByServer.size} idle connections past the bound dropped; served again once they went`);
  } finally {
    for (const k of socks) k.destroy();
  }
  assert.equal(await s.stop(), 0, s.stderr().slice(-2000));
  rmSync(s.dir, { recursive: true, force: true });
});
