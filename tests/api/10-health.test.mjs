// 10-health: /healthz, /readyz and /metrics on the internal listener
// (docs/API.md#health-and-metrics), and that they are not served on the
// public one; GET /openapi.json on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, clients, raw } from './lib.mjs';
import { OPENAPI_YAML, checkResponse, stats } from './openapi.mjs';
import {
  create, claim, finish, waitFor, assertGatewayRaw, MSG, shutdown,
} from './helpers.mjs';

let srv;
let c;

before(async () => {
  srv = await startServer();
  c = clients(srv);
});

after(async () => {
  await shutdown(srv);
});

test('GET /healthz answers 200 {"status":"ok"} without credentials', async () => {
  const r = await raw(srv.internalUrl, { method: 'GET', path: '/healthz' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { status: 'ok' });
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.ok(r.headers['x-request-id'], 'X-Request-Id missing');
});

test('GET /readyz answers 200 {"status":"ready"} without credentials', async () => {
  const r = await raw(srv.internalUrl, { method: 'GET', path: '/readyz' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { status: 'ready' });
  assert.ok(r.headers['x-request-id']);
});

test('health endpoints are not on the public listener (404 APIGW.0101)', async () => {
  for (const p of ['/healthz', '/readyz', '/metrics']) {
    const r = await raw(srv.publicUrl, { method: 'GET', path: p });
    assertGatewayRaw(r, 404, 'APIGW.0101', MSG.noRoute);
  }
});

test('POST /healthz is 405 with Allow: GET', async () => {
  const r = await raw(srv.internalUrl, { method: 'POST', path: '/healthz', body: '{}',
    headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 405, r.text);
  assert.equal(r.json.error_code, 'WKS.00000405');
  assert.equal(r.headers.allow, 'GET');
});

test('GET /openapi.json: the OpenAPI 3.1 document as JSON, without credentials, the same bytes on both listeners', async () => {
  const pub = await raw(srv.publicUrl, { method: 'GET', path: '/openapi.json' });
  const int = await raw(srv.internalUrl, { method: 'GET', path: '/openapi.json' });
  for (const r of [pub, int]) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.ok(r.json, 'not JSON');
    assert.match(r.json.openapi, /^3\.1\.\d+$/);
  }
  assert.equal(pub.text, int.text, 'the listeners answer different documents');
  // What the build embedded is docs/openapi.yaml as it is now.
  const YAML = createRequire(import.meta.url)('yaml');
  assert.deepEqual(pub.json, YAML.parse(readFileSync(OPENAPI_YAML, 'utf8')),
    'the binary embeds another docs/openapi.yaml: rebuild');
});

test('the OpenAPI check refuses an answer that does not match, naming the operation and the member', () => {
  const n = stats.failures.length;
  assert.throws(() => checkResponse({ method: 'GET', url: '/v2/p1/workspace-jobs/j1', status: 200,
    contentType: 'application/json', body: '{"id":"x","job_type":"t","status":"DONE","sub_jobs_total":0,"sub_jobs":[]}' }),
  /ShowJob GET \/v2\/\{project_id\}\/workspace-jobs\/\{job_id\}: status 200: [^]*\/status must be equal to one of the allowed values/);
  assert.throws(() => checkResponse({ method: 'GET', url: '/healthz', status: 418, contentType: 'application/json',
    body: '{"status":"ok"}' }), /status 418 is not documented/);
  stats.failures.splice(n);	// deliberate: not failures of the server
});

function metricLines(text, name, labels) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/);
    if (!m || m[1] !== name) continue;
    const got = {};
    for (const p of (m[2] ?? '{}').slice(1, -1).split(',').filter(Boolean)) {
      const [k, v] = p.split('=');
      got[k] = JSON.parse(v);
    }
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) out.push(Number(m[3]));
  }
  return out;
}

function metricSum(text, name, labels) {
  return metricLines(text, name, labels).reduce((a, b) => a + b, 0);
}

function metricValue(text, name, labels) {
  const v = metricLines(text, name, labels);
  assert.ok(v.length <= 1, `${name} ${JSON.stringify(labels)} matches ${v.length} lines`);
  return v[0];
}

test('GET /metrics: request counters by route, latency histogram, sub-jobs by status', async () => {
  // 3 sub-jobs: one SUCCESS, one FAILED, one RUNNING, plus a WAITING job of 2.
  const j = await create(c, 'createDesktops', 3);
  const got = await claim(c, { max: 3 });
  assert.equal(got.length, 3);
  await finish(c, got[0], 'SUCCESS');
  await finish(c, got[1], 'FAILED');
  await create(c, 'createDesktops', 2);
  assert.equal((await c.list()).status, 200);
  assert.equal((await c.list()).status, 200);
  assert.equal((await c.show(j.job_id)).status, 200);
  assert.equal((await c.show('0'.repeat(32))).status, 404);

  // Counters are bumped when a response completes: poll briefly.
  const text = await waitFor(async () => {
    const r = await raw(srv.internalUrl, { method: 'GET', path: '/metrics' });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.headers['x-request-id']);
    const ok = (metricValue(r.text, 'wksjobs_requests_total', { route: 'ListItaSubJobs', status: '200' }) ?? 0) >= 2 &&
      (metricValue(r.text, 'wksjobs_requests_total', { route: 'ShowJob', status: '404' }) ?? 0) >= 1;
    return ok ? r.text : null;
  }, 3000);
  assert.ok(text, 'request counters did not show the calls made');

  assert.match(text, /^# TYPE wksjobs_requests_total counter$/m);
  assert.equal(metricValue(text, 'wksjobs_requests_total', { route: 'ListItaSubJobs', status: '200' }), 2);
  assert.equal(metricValue(text, 'wksjobs_requests_total', { route: 'ShowJob', status: '200' }), 1);
  assert.equal(metricValue(text, 'wksjobs_requests_total', { route: 'ShowJob', status: '404' }), 1);
  assert.equal(metricValue(text, 'wksjobs_requests_total', { route: 'CreateJob', status: '201' }), 2);
  assert.equal(metricValue(text, 'wksjobs_requests_total', { route: 'ClaimSubJobs', status: '200' }), 1);
  assert.equal(metricValue(text, 'wksjobs_requests_total', { route: 'FinishSubJob', status: '200' }), 2);

  // The latency histogram: cumulative buckets ending in +Inf = _count.
  assert.match(text, /^# TYPE wksjobs_request_duration_seconds histogram$/m);
  const buckets = [...text.matchAll(/^wksjobs_request_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)]
    .map((m) => [m[1], Number(m[2])]);
  assert.ok(buckets.length >= 2, 'no histogram buckets');
  assert.equal(buckets.at(-1)[0], '+Inf');
  for (let i = 1; i < buckets.length; i++) {
    assert.ok(buckets[i][1] >= buckets[i - 1][1], 'buckets are not cumulative');
    if (buckets[i][0] !== '+Inf') assert.ok(Number(buckets[i][0]) > Number(buckets[i - 1][0]));
  }
  const count = metricValue(text, 'wksjobs_request_duration_seconds_count', {});
  assert.equal(count, buckets.at(-1)[1]);
  assert.ok(count >= 10, `request count ${count}`);
  const sum = metricValue(text, 'wksjobs_request_duration_seconds_sum', {});
  assert.ok(Number.isFinite(sum) && sum > 0, `sum ${sum}`);

  // Sub-jobs by status.
  assert.match(text, /^# TYPE wksjobs_sub_jobs gauge$/m);
  assert.equal(metricValue(text, 'wksjobs_sub_jobs', { status: 'WAITING' }), 2);
  assert.equal(metricValue(text, 'wksjobs_sub_jobs', { status: 'RUNNING' }), 1);
  assert.equal(metricValue(text, 'wksjobs_sub_jobs', { status: 'SUCCESS' }), 1);
  assert.equal(metricValue(text, 'wksjobs_sub_jobs', { status: 'FAILED' }), 1);
});

test('GET /metrics is served as Prometheus text (Content-Type text/plain; version=0.0.4)', async () => {
  const r = await raw(srv.internalUrl, { method: 'GET', path: '/metrics' });
  assert.equal(r.status, 200);
  // Prometheus 3 refuses a scrape without a valid Content-Type.
  assert.match(r.headers['content-type'] ?? '', /^text\/plain(;|$)/,
    `Content-Type of /metrics is ${r.headers['content-type']}`);
});

test('/metrics counts requests that matched no route', async () => {
  const m0 = await raw(srv.internalUrl, { method: 'GET', path: '/metrics' });
  const before404 = metricSum(m0.text, 'wksjobs_requests_total', { status: '404' });
  await raw(srv.publicUrl, { method: 'GET', path: '/no/such/path' });
  const after404 = await waitFor(async () => {
    const r = await raw(srv.internalUrl, { method: 'GET', path: '/metrics' });
    const n = metricSum(r.text, 'wksjobs_requests_total', { status: '404' });
    return n > before404 ? n : 0;
  }, 3000);
  assert.equal(after404, before404 + 1, 'the 404 of an unknown path was not counted');
});
