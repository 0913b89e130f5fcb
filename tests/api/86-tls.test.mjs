// 86-tls: both listeners over HTTPS (serve --tls-cert/--tls-key), with a
// CA and certificates made here by the openssl CLI.  The official SDKs
// (core and IAM) and the wksjobs clients verify the server's certificate
// against that CA; a CA that did not sign it, an expired certificate and
// plain HTTP to the TLS port fail clearly without harming the server;
// only TLS 1.2 and 1.3 are spoken; a key readable by others is refused;
// SIGHUP swaps the certificate under load with no failed request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { BIN, call, initData, run, sdkClient, spawnServe, startServer } from './lib.mjs';
import { checkResponse, noteRequest } from './openapi.mjs';
import { shutdown, sleep, waitFor } from './helpers.mjs';

let env;
let srv;
let ca;
let otherCa;
let certFile;	// what serve reads, on start and on SIGHUP
let keyFile;

function openssl(args) {
  const r = spawnSync('openssl', args, { cwd: env.dir, encoding: 'utf8', timeout: 30000 });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

// A CA: { pem, key } (paths).
function makeCa(name) {
  const key = path.join(env.dir, `${name}.key`);
  const pem = path.join(env.dir, `${name}.pem`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', pem, '-days', '2', '-subj', `/CN=wksjobs test ${name}`]);
  return { pem, key };
}

// A server certificate for 127.0.0.1 and localhost signed by ca, valid
// for days (-1: expired): { pem, key, serial } with the key mode 0600.
let nCerts = 0;
function makeCert(signer, days = 2) {
  nCerts += 1;
  const base = path.join(env.dir, `srv${nCerts}`);
  const ext = `${base}.ext`;
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', '/CN=127.0.0.1']);
  openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', signer.pem, '-CAkey', signer.key,
    '-set_serial', `0x${(0x7e57000 + nCerts).toString(16)}`, '-days', String(days),
    '-extfile', ext, '-out', `${base}.pem`]);
  chmodSync(`${base}.key`, 0o600);
  return { pem: `${base}.pem`, key: `${base}.key`, serial: (0x7e57000 + nCerts).toString(16).toUpperCase() };
}

// Install cert as the files serve reads.
function install(cert) {
  copyFileSync(cert.pem, certFile);
  copyFileSync(cert.key, keyFile);
  chmodSync(keyFile, 0o600);
}

const https1 = (port) => `https://127.0.0.1:${port}`;
const tlsSrv = () => ({ publicUrl: https1(srv.pubPort), internalUrl: https1(srv.intPort), creds: srv.creds });

// Open a TLS connection (verifying against ca unless opts say otherwise);
// resolves the socket once the handshake is done.
function connect(port, opts = {}) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(ca.pem), ...opts }, () => resolve(s));
    s.once('error', reject);
  });
}

// The serial number of the certificate a new connection gets.
async function servedSerial(port) {
  const s = await connect(port);
  const serial = s.getPeerCertificate().serialNumber.replace(/^0+/, '');
  s.destroy();
  return serial;
}

// GET /healthz over a TLS socket, answer checked against the OpenAPI document.
function healthz(port) {
  return new Promise((resolve, reject) => {
    noteRequest();
    const req = https.get({ host: '127.0.0.1', port, path: '/healthz', ca: readFileSync(ca.pem), agent: false },
      (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => {
          try {
            checkResponse({ method: 'GET', url: '/healthz', status: res.statusCode,
              contentType: res.headers['content-type'], body });
          } catch (e) { reject(e); return; }
          resolve(res.statusCode);
        });
      });
    req.on('error', reject);
  });
}

// The wksjobs CLI with root's credentials in the SDKs' variables and no
// $SSL_CERT_FILE but the one given in extraEnv.
function cli(args, extraEnv = {}, opts = {}) {
  const e = { ...process.env, HUAWEICLOUD_SDK_AK: srv.creds.access_key,
    HUAWEICLOUD_SDK_SK: srv.creds.secret_key, HUAWEICLOUD_SDK_PROJECT_ID: srv.creds.project_id };
  delete e.SSL_CERT_FILE;
  return run(args, { env: { ...e, ...extraEnv }, ...opts });
}

// tls-sdk.mjs in a Node that trusts extraCa (NODE_EXTRA_CA_CERTS).
function sdkChild(extraCa, target = tlsSrv()) {
  const e = { ...process.env, NODE_EXTRA_CA_CERTS: extraCa };
  delete e.NODE_TLS_REJECT_UNAUTHORIZED;
  const r = spawnSync(process.execPath, [path.join(import.meta.dirname, 'tls-sdk.mjs'), JSON.stringify(target)],
    { env: e, encoding: 'utf8', timeout: 60000 });
  const last = r.stdout.trim().split('\n').pop();
  return { status: r.status, out: last ? JSON.parse(last) : {}, stderr: r.stderr };
}

before(async () => {
  env = initData();
  ca = makeCa('ca');
  otherCa = makeCa('other-ca');
  certFile = path.join(env.dir, 'server.pem');
  keyFile = path.join(env.dir, 'server.key');
  install(makeCert(ca));
  srv = await startServer(env, ['--tls-cert', certFile, '--tls-key', keyFile, '--rate-limit', '0']);
});

after(async () => {
  await shutdown(srv);
});

test('the official SDK core (four job endpoints) and the IAM SDK over HTTPS, verifying against the test CA', () => {
  const r = sdkChild(ca.pem);
  assert.equal(r.status, 0, `${JSON.stringify(r.out)} ${r.stderr}`);
  assert.deepEqual(r.out, { list: 200, show: 200, retry: 200, del: 200, iam: 200, iamProject: true });
  // The same SDK, trusting another CA only: the handshake is refused.
  const bad = sdkChild(otherCa.pem);
  assert.equal(bad.status, 1, JSON.stringify(bad.out));
  assert.match(bad.out.error, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i);
  assert.equal(bad.out.list, undefined, 'a call went through');
});

test('wksjobs job, subjobs and worker with --ca-file (or $SSL_CERT_FILE)', async () => {
  const internal = ['--internal-endpoint', https1(srv.intPort)];
  const pub = ['--endpoint', https1(srv.pubPort)];
  const created = cli(['job', 'create', '--type', 'createDesktops', '--count', '2', '--output', 'json',
    ...internal, '--ca-file', ca.pem]);
  assert.equal(created.status, 0, created.stderr);
  const jobId = JSON.parse(created.stdout).job_id;
  const worker = spawn(BIN, ['worker', '--simulate', '--duration', '0.05', '--fail-rate', '0',
    '--poll-ms', '50', ...internal, '--ca-file', ca.pem], { env: { ...process.env,
    HUAWEICLOUD_SDK_AK: srv.creds.access_key, HUAWEICLOUD_SDK_SK: srv.creds.secret_key },
  stdio: ['ignore', 'ignore', 'pipe'] });
  let werr = '';
  worker.stderr.on('data', (d) => { werr += d; });
  try {
    const done = await waitFor(() => {
      const s = cli(['job', 'show', jobId, '--output', 'json', ...pub, '--ca-file', ca.pem]);
      assert.equal(s.status, 0, s.stderr);
      return JSON.parse(s.stdout).status === 'SUCCESS';
    }, 15000);
    assert.ok(done, `the worker did not finish the job over HTTPS: ${werr}`);
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => (worker.exitCode !== null ? r() : worker.once('exit', r)));
  }
  assert.equal(worker.exitCode, 0, werr);
  const list = cli(['subjobs', 'list', '--job-id', jobId, '--output', 'json', ...pub],
    { SSL_CERT_FILE: ca.pem });
  assert.equal(list.status, 0, list.stderr);
  assert.equal(JSON.parse(list.stdout).jobs.length, 2);
});

test('a CA that did not sign the certificate: a clear client error naming the endpoint', async () => {
  const r = cli(['subjobs', 'list', '--endpoint', https1(srv.pubPort), '--ca-file', otherCa.pem]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`no response from https://127\\.0\\.0\\.1:${srv.pubPort}: the server's TLS ` +
    'certificate was not trusted \\(SSL certificate problem: unable to get local issuer certificate\\)'));
  assert.ok(r.stderr.includes(otherCa.pem), r.stderr);
  // The worker says the same and keeps trying, until stopped.
  const w = cli(['worker', '--simulate', '--internal-endpoint', https1(srv.intPort), '--ca-file', otherCa.pem],
    {}, { timeout: 1500, killSignal: 'SIGTERM' });
  assert.match(w.stderr, /claim failed: no response from .*not trusted/);
  assert.equal(await healthz(srv.intPort), 200);
});

test('an expired certificate: the server starts and says so, clients refuse it clearly', async () => {
  const old = makeCert(ca, -1);
  const env2 = initData();
  const s2 = await spawnServe(['serve', '--data', env2.data, '--listen', '127.0.0.1:0',
    '--internal-listen', '127.0.0.1:0', '--tls-cert', old.pem, '--tls-key', old.key]);
  try {
    assert.match(s2.stderr(), /the certificate has expired/);
    const r = cli(['subjobs', 'list', '--endpoint', https1(s2.pubPort), '--ca-file', ca.pem]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /not trusted \(SSL certificate problem: certificate has expired\)/);
    await assert.rejects(connect(s2.pubPort), { code: 'CERT_HAS_EXPIRED' });
    assert.equal(s2.proc.exitCode, null, 'the server died');
  } finally {
    assert.equal(await s2.stop(), 0, s2.stderr());
    rmSync(env2.dir, { recursive: true, force: true });
  }
});

test('plain HTTP to the TLS port: no answer, a hint from the client, the server keeps serving', async () => {
  for (const port of [srv.pubPort, srv.intPort]) {
    const got = await new Promise((resolve) => {
      let data = '';
      const s = net.connect(port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.on('data', (d) => { data += d.toString('latin1'); });
      s.on('error', () => {});
      s.on('close', () => resolve(data));
      s.setTimeout(5000, () => s.destroy());
    });
    assert.doesNotMatch(got, /^HTTP\//, 'a plain HTTP answer came from a TLS port');
  }
  const r = cli(['subjobs', 'list', '--endpoint', `http://127.0.0.1:${srv.pubPort}`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /if the server speaks HTTPS, the endpoint is https:\/\//);
  assert.equal(await healthz(srv.intPort), 200);
  assert.equal(srv.proc.exitCode, null);
});

test('TLS 1.2 and 1.3 are accepted; TLS 1.1 is refused', async (t) => {
  for (const v of ['TLSv1.2', 'TLSv1.3']) {
    const s = await connect(srv.pubPort, { minVersion: v, maxVersion: v });
    assert.equal(s.getProtocol(), v);
    s.destroy();
  }
  if (spawnSync('openssl', ['version']).status !== 0) {
    t.skip('no openssl CLI');
    return;
  }
  // The client side must allow TLS 1.1 for the server to refuse it.
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${srv.pubPort}`, '-tls1_1',
    '-cipher', 'DEFAULT:@SECLEVEL=0'], { input: '', encoding: 'utf8', timeout: 10000 });
  assert.notEqual(r.status, 0, r.stdout);
  assert.match(r.stdout, /Cipher is \(NONE\)/);
  // GnuTLS ends the handshake without an answer.
  assert.match(r.stderr, /unexpected eof|alert|protocol version/i);
});

test('a key readable by others is refused at start; 0640 (a group such as ssl-cert) is fine', () => {
  const c = makeCert(ca);
  chmodSync(c.key, 0o644);
  const r = run(['serve', '--data', env.data, '--listen', '127.0.0.1:0', '--internal-listen', '127.0.0.1:0',
    '--tls-cert', c.pem, '--tls-key', c.key]);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.includes(`wksjobs: serve: public listener: ${c.key} is readable by others (mode 0644)`),
    r.stderr);
  chmodSync(c.key, 0o640);
  const ok = run(['serve', '--data', env.data, '--tls-cert', c.pem, '--tls-key', c.key, '--check']);
  assert.equal(ok.status, 0, ok.stderr);
  // As environment variables, like every flag of serve.
  const mismatched = run(['serve', '--data', env.data, '--check'], { env: { ...process.env,
    WKSJOBS_TLS_CERT: c.pem, WKSJOBS_TLS_KEY: keyFile } });
  assert.equal(mismatched.status, 1);
  assert.match(mismatched.stderr, /is not the key of the certificate in/);
});

test('SIGHUP under load: no request fails; new connections get the new certificate, old ones finish', async (t) => {
  const caPem = readFileSync(ca.pem);
  const first = await servedSerial(srv.pubPort);
  // Signed SDK calls on kept-alive connections and on a new connection
  // (a handshake) each, so that handshakes race with the swap.
  const agents = [new https.Agent({ ca: caPem, keepAlive: true, maxSockets: 2 }),
    new https.Agent({ ca: caPem, keepAlive: false })];
  const loops = [0, 1, 2, 3].map((i) => sdkClient(https1(srv.pubPort), srv.creds.access_key,
    srv.creds.secret_key, srv.creds.project_id, { axiosRequestConfig: { httpsAgent: agents[i % 2] } }));
  // A connection opened before the reload, its request still arriving.
  const old = await connect(srv.intPort);
  let oldAnswer = '';
  old.on('data', (d) => { oldAnswer += d; });
  old.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  let stop = false;
  let ok = 0;
  const failures = [];
  const load = loops.map(async (c) => {
    while (!stop) {
      try {
        const r = await call(c, { method: 'GET', url: '/v2/{project_id}/workspace-sub-jobs',
          pathParams: { project_id: srv.creds.project_id }, queryParams: { limit: 1 } });
        if (r.status === 200) ok += 1; else failures.push(`HTTP ${r.status}`);
      } catch (e) { failures.push(String(e.message ?? e.errorMsg ?? e)); }
    }
  });
  const served = [];
  try {
    await sleep(300);
    for (let i = 0; i < 3; i++) {
      const next = makeCert(ca);
      install(next);
      const before = (srv.stderr().match(/SIGHUP: reload done/g) ?? []).length;
      process.kill(srv.pid, 'SIGHUP');
      assert.ok(await waitFor(() => (srv.stderr().match(/SIGHUP: reload done/g) ?? []).length > before, 5000),
        srv.stderr().slice(-2000));
      assert.match(srv.stderr(), new RegExp(`public listener: subject CN=127\\.0\\.0\\.1, serial 0*${next.serial},`));
      served.push([await servedSerial(srv.pubPort), await servedSerial(srv.intPort), next.serial]);
      await sleep(200);
    }
  } finally {
    stop = true;
    await Promise.all(load);
    agents.forEach((a) => a.destroy());
  }
  assert.deepEqual(failures, [], `${failures.length} of ${ok + failures.length} requests failed`);
  assert.ok(ok >= 20, `only ${ok} requests under load`);
  t.diagnostic(`${ok} signed requests across 3 reloads, none failed`);
  for (const [p, i, want] of served) assert.deepEqual([p, i], [want, want]);
  assert.notEqual(first, served[0][2]);
  // The old connection kept its certificate and its request is answered.
  assert.equal(old.getPeerCertificate().serialNumber.replace(/^0+/, ''), first);
  old.write('\r\n');
  assert.ok(await waitFor(() => /\r\n\r\n\{"status":"ok"\}/.test(oldAnswer), 5000), oldAnswer);
  assert.match(oldAnswer, /^HTTP\/1\.1 200 /);
  old.destroy();
});

test('a reload that fails keeps the certificate in use and says why', async () => {
  const inUse = await servedSerial(srv.pubPort);
  chmodSync(keyFile, 0o604);
  try {
    process.kill(srv.pid, 'SIGHUP');
    assert.ok(await waitFor(() => /SIGHUP: reload incomplete/.test(srv.stderr()), 5000), srv.stderr().slice(-2000));
    assert.match(srv.stderr(), /tls: public listener: reload failed, keeping the certificate it has: .* is readable by others \(mode 0604\)/);
    assert.equal(await servedSerial(srv.pubPort), inUse);
    assert.equal(await healthz(srv.intPort), 200);
  } finally {
    chmodSync(keyFile, 0o600);
  }
});
