// 86-worker-idle: an idle `wksjobs worker` backs off: while nothing
// waits its claims thin out to one every few seconds per slot (counted in
// the server's /metrics), and work that appears is still picked up
// within that bound; a claimed sub-job wakes the other idle slots at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { BIN, initData, startServer } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function envFor(srv) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('WKSJOBS_') && !k.startsWith('HUAWEICLOUD_SDK_')) env[k] = v;
  }
  return { ...env, HUAWEICLOUD_SDK_AK: srv.creds.access_key, HUAWEICLOUD_SDK_SK: srv.creds.secret_key,
    HUAWEICLOUD_SDK_PROJECT_ID: srv.creds.project_id, WKSJOBS_ENDPOINT: srv.publicUrl,
    WKSJOBS_INTERNAL_ENDPOINT: srv.internalUrl };
}

// Claims answered so far, from the server's request counters.
async function claims(srv) {
  const text = await (await fetch(`${srv.internalUrl}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^wksjobs_requests_total\{route="([^"]*)",status="\d+"\} (\d+)$/gm)) {
    if (/claim/i.test(m[1])) n += Number(m[2]);
  }
  return n;
}

function createJob(srv, count) {
  const r = spawnSync(BIN, ['job', 'create', '--type', 'createDesktops', '--count', String(count),
    '--output', 'json'], { env: envFor(srv), encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function statuses(srv, ids) {
  const r = spawnSync(BIN, ['subjobs', 'list', '--output', 'json', '--limit', '100'],
    { env: envFor(srv), encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, r.stderr);
  const by = new Map(JSON.parse(r.stdout).jobs.map((s) => [s.id, s.status]));
  return ids.map((id) => by.get(id));
}

// Bounded: until every id is past WAITING, or fail after ms.
async function claimedWithin(srv, ids, ms) {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (statuses(srv, ids).every((s) => s && s !== 'WAITING')) return Date.now() - t0;
    await sleep(50);
  }
  assert.fail(`not claimed within ${ms} ms: ${statuses(srv, ids)}`);
}

test('an idle worker backs off to a claim every few seconds and still takes new work', async () => {
  const srv = await startServer(initData());
  const w = spawn(BIN, ['worker', '--simulate', '--duration', '0.1', '--fail-rate', '0',
    '--concurrency', '2', '--poll-ms', '100'], { env: envFor(srv), stdio: 'ignore' });
  try {
    // Idle for 8 s: at a fixed 100 ms pause 2 slots would claim ~160
    // times; backing off (100, 200, ... 4000 ms) about 8 times each.
    await sleep(1000);
    const before = await claims(srv);
    assert.ok(before >= 2, `the worker claims at all (${before})`);
    await sleep(8000);
    const idle = (await claims(srv)) - before;
    assert.ok(idle <= 12, `${idle} claims in 8 idle seconds from 2 slots`);

    // New work is still claimed within the longest pause (4 s + jitter).
    const job = createJob(srv, 2);
    const took = await claimedWithin(srv, job.sub_job_ids, 8000);
    assert.ok(took < 6000, `claimed after ${took} ms`);

    // The claim reset the pause: the next work, soon after, goes fast.
    await sleep(300);
    const job2 = createJob(srv, 1);
    const took2 = await claimedWithin(srv, job2.sub_job_ids, 8000);
    assert.ok(took2 < 2000, `claimed after ${took2} ms once work had come`);
  } finally {
    w.kill('SIGTERM');
    await srv.stop();
    srv.cleanup();
  }
});
