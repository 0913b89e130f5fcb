// reliability-lib.mjs - shared pieces of the reliability tests (hostile
// inputs, isolation, crash, concurrency, faults, overload); not a test file
// itself (CMake only globs *.test.mjs).  Builds on lib.mjs and helpers.mjs.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dbQuery, spawnServe } from './lib.mjs';
import { checkResponse, noteRequest } from './openapi.mjs';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner');

export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const sha256hex = (b) => createHash('sha256').update(b).digest('hex');
const isHex = (c) => /^[0-9a-fA-F]$/.test(c);

// The canonical query's decoding (docs/API.md#authentication): name or
// value bytes ('+' as space; a '%'
// without two hex digits stays literal), as the server does.
function pctDecodeBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%' && i + 2 < s.length && isHex(s[i + 1] ?? '') && isHex(s[i + 2] ?? '')) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+') out.push(0x20);
    else for (const b of Buffer.from(c, 'latin1')) out.push(b);
  }
  return Buffer.from(out);
}

// RFC 3986 encoding of bytes (unreserved kept, %XX upper case).
function pctEncodeBytes(buf) {
  let s = '';
  for (const b of buf) {
    const ch = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(ch)) s += ch;
    else s += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return s;
}

// The canonical query (docs/API.md#authentication) of a raw query,
// byte-exact.
export function canonicalQuery(raw) {
  if (!raw) return '';
  const items = raw.split('&').filter((x) => x.length > 0).map((it) => {
    const eq = it.indexOf('=');
    const name = pctDecodeBytes(eq < 0 ? it : it.slice(0, eq));
    const value = pctDecodeBytes(eq < 0 ? '' : it.slice(eq + 1));
    return { name, value };
  });
  items.sort((a, b) => Buffer.compare(a.name, b.name) || Buffer.compare(a.value, b.value));
  return items.map((p) => `${pctEncodeBytes(p.name)}=${pctEncodeBytes(p.value)}`).join('&');
}

export function sdkDate(ms = Date.now()) {
  return new Date(ms).toISOString().replace(/\.\d{3}/, '').replace(/[-:]/g, '');
}

/*
 * An SDK-HMAC-SHA256 signature over the exact bytes of a request
 * (docs/API.md#authentication), for requests the SDK signer cannot express (raw
 * query bytes such as %FF, repeated keys in a given order).  The canonical
 * URI is the SDK's own (AKSKSigner.CanonicalURI).  Returns the headers to
 * send (given ones + Host + X-Sdk-Date + Authorization).
 */
export function byteSign(base, { method, path, query = '', headers = {}, body, creds }) {
  const u = new URL(base);
  const hdrs = { ...headers };
  const lower = Object.fromEntries(Object.keys(hdrs).map((k) => [k.toLowerCase(), k]));
  if (!lower['x-sdk-date']) hdrs['X-Sdk-Date'] = sdkDate();
  if (!lower.host) hdrs.Host = u.host;
  const names = Object.keys(hdrs).map((k) => k.toLowerCase()).sort();
  const byName = Object.fromEntries(Object.entries(hdrs).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const canonHeaders = names.map((n) => `${n}:${byName[n].trim()}\n`).join('');
  const bodyBuf = body === undefined || body === null ? Buffer.alloc(0) : Buffer.from(body);
  let payload = EMPTY_SHA256;
  if (bodyBuf.length > 0) payload = byName['x-sdk-content-sha256'] ?? sha256hex(bodyBuf);
  const cr = [method, AKSKSigner.CanonicalURI(path), canonicalQuery(query), canonHeaders,
    names.join(';'), payload].join('\n');
  const date = byName['x-sdk-date'];
  const sts = `SDK-HMAC-SHA256\n${date}\n${sha256hex(cr)}`;
  const sig = createHmac('sha256', creds.sk).update(sts).digest('hex');
  hdrs.Authorization = `SDK-HMAC-SHA256 Access=${creds.ak}, SignedHeaders=${names.join(';')}, Signature=${sig}`;
  return hdrs;
}

/*
 * Send exact bytes over HTTP/1.1 (node:http).  body: string or Buffer; a
 * Content-Length is added unless chunked is asked for.  Resolves
 * { status, headers, bytes, text, json, utf8 } where utf8 says whether
 * the body is valid UTF-8.
 */
export function send(base, { method, path, query = '', headers = {}, body, chunked = false, timeoutMs = 30000 }) {
  const u = new URL(base);
  const hdrs = { ...headers };
  const buf = body === undefined || body === null ? null : Buffer.from(body);
  if (buf !== null && !chunked && !Object.keys(hdrs).some((k) => k.toLowerCase() === 'content-length')) {
    hdrs['Content-Length'] = String(buf.length);
  }
  noteRequest();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: path + (query ? `?${query}` : ''),
      headers: hdrs, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        let utf8 = true;
        try { new TextDecoder('utf-8', { fatal: true }).decode(bytes); } catch { utf8 = false; }
        const text = bytes.toString('utf8');
        let json = null;
        try { json = text ? JSON.parse(text) : null; } catch { json = null; }
        try {
          checkResponse({ method, url: path, status: res.statusCode, contentType: res.headers['content-type'], body: text });
        } catch (e) { reject(e); return; }
        resolve({ status: res.statusCode, headers: res.headers, bytes, text, json, utf8 });
      });
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    if (buf !== null) req.write(buf);
    req.end();
  });
}

/*
 * Check the first answer in text (what a raw socket read) against
 * docs/openapi.yaml, if wksjobs wrote it: answers without X-Request-Id
 * come from libmicrohttpd itself (malformed or oversized requests it
 * refuses before wksjobs sees them) and are not in the document.  A
 * mismatch is recorded and fails the file at exit.
 */
function checkRawAnswer(request, text) {
  const head = text.indexOf('\r\n\r\n');
  const line = request.match(/^(\S+) (\S+) HTTP\//);
  if (head < 0 || !line) return;
  const lines = text.slice(0, head).split('\r\n');
  const m = lines[0].match(/^HTTP\/1\.[01] (\d{3})/);
  const hdr = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(),
    l.slice(l.indexOf(':') + 1).trim()]));
  if (!m || !hdr['x-request-id']) return;
  const len = Number(hdr['content-length'] ?? 0);
  const body = Buffer.from(text.slice(head + 4, head + 4 + len), 'latin1').toString('utf8');
  try {
    checkResponse({ method: line[1], url: line[2], status: Number(m[1]), contentType: hdr['content-type'], body });
  } catch { /* recorded */ }
}

/*
 * Write bytes on a fresh TCP connection and read until the server closes
 * it (or timeoutMs passes).  Resolves { status (null if no status line),
 * text, closed }.
 */
export function rawSocket(base, bytes, { timeoutMs = 5000, halfClose = true } = {}) {
  const u = new URL(base);
  return new Promise((resolve) => {
    const chunks = [];
    let done = false;
    const s = net.connect({ host: u.hostname, port: Number(u.port) });
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = text.match(/^HTTP\/1\.[01] (\d{3})/);
      checkRawAnswer(String(bytes), text);
      resolve({ status: m ? Number(m[1]) : null, text, closed });
    };
    const t = setTimeout(() => finish(false), timeoutMs);
    s.on('connect', () => {
      s.write(Buffer.from(bytes, 'latin1'));
      if (halfClose) s.end();
    });
    s.on('data', (c) => chunks.push(c));
    s.on('end', () => finish(true));
    s.on('close', () => finish(true));
    s.on('error', () => finish(true));
  });
}

// GET /healthz on the internal listener: 200 {"status":"ok"...}.
export async function healthy(srv) {
  const r = await send(srv.internalUrl, { method: 'GET', path: '/healthz' });
  return r.status === 200;
}

export const sqlite3Available = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;

// Run SQL with the sqlite3 shell on a database file; returns stdout.
export function sqlite(file, sql, { timeoutMs = 5000 } = {}) {
  const r = spawnSync('sqlite3', ['-cmd', `.timeout ${timeoutMs}`, file, sql],
    { encoding: 'utf8', timeout: 60000, maxBuffer: 512 * 1024 * 1024 });
  assert.equal(r.status, 0, `sqlite3: ${r.stderr}`);
  return r.stdout;
}

// The jobs of data directory data's database (either engine) whose
// per-status counters differ from the statuses of their sub-jobs: their
// IDs, one a line ('' when none).
export function jobsWithWrongCounts(data) {
  return dbQuery(data, `SELECT j.id FROM jobs j LEFT JOIN (SELECT project_id, job_id,
      count(*) FILTER (WHERE status = 0) w, count(*) FILTER (WHERE status = 1) r,
      count(*) FILTER (WHERE status = 2) s, count(*) FILTER (WHERE status = 3) f
      FROM sub_jobs GROUP BY project_id, job_id) c ON c.project_id = j.project_id AND c.job_id = j.id
    WHERE j.n_waiting != coalesce(c.w, 0) OR j.n_running != coalesce(c.r, 0)
       OR j.n_success != coalesce(c.s, 0) OR j.n_failed != coalesce(c.f, 0);`).trim();
}

// Percentile p (0..100) of numbers.
export function percentile(xs, p) {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

/*
 * `wksjobs serve` on given loopback ports (0 = any) with extra flags, for
 * tests that restart a server on the same ports or pass listener flags of
 * their own.  Resolves with env's members and what lib.mjs spawnServe
 * gives (publicUrl, internalUrl, ports, pid, stderr(), stop(), kill()).
 */
export async function serveOn(env, { pub = 0, int = 0, extra = [], envVars = {}, accessLog = false } = {}) {
  const srv = await spawnServe(['serve', '--data', env.data, '--listen', `127.0.0.1:${pub}`,
    '--internal-listen', `127.0.0.1:${int}`, `--access-log=${accessLog}`, ...extra], envVars);
  return { ...env, ...srv };
}

// Access-log lines of a server's stderr: { rid, method, path, status, us }.
export function accessLog(stderr) {
  const out = [];
  for (const m of stderr.matchAll(/ access (\S+) (\S+) (\S+) (\d+) (\d+)us /g)) {
    out.push({ rid: m[1], method: m[2], path: m[3], status: Number(m[4]), us: Number(m[5]) });
  }
  return out;
}
