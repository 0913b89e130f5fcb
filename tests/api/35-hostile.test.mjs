// 35-hostile: a battery of malformed and hostile requests, table-driven.
// Every case gets exactly its documented status and error body
// (docs/API.md#errors), a valid UTF-8 body and an X-Request-Id;
// none gets a 5xx; the server answers /healthz after all of them and exits
// cleanly (under ASan/LSan that also means no leak and no report).
//
// Bodies are signed with the official SDK signer (lib.mjs raw() way: the
// body through X-Sdk-Content-Sha256); queries and paths the SDK signer
// cannot express byte for byte (%FF, %00, repeated keys) are signed by
// reliability-lib.mjs byteSign (docs/API.md#authentication, over the raw
// bytes),
// which a control case checks against the SDK.  Malformed HTTP goes over
// raw sockets (node:net).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, clients } from './lib.mjs';
import { MSG, signHeaders, mkKey, create, claim, finish, shutdown } from './helpers.mjs';
import { byteSign, send, rawSocket, healthy, sdkDate } from './reliability-lib.mjs';

let srv;
let P;
let creds;
let kAuth;	// key for the authentication-failure cases (reset after each)
const fx = {};	// fixture IDs

const hex32 = () => randomBytes(16).toString('hex');

before(async () => {
  // No rate limit: the battery sends hundreds of requests a second.
  srv = await startServer(undefined, ['--rate-limit', '0']);
  P = srv.creds.project_id;
  creds = { ak: srv.creds.access_key, sk: srv.creds.secret_key };
  kAuth = mkKey(srv);
  const c = clients(srv);
  // A job with one SUCCESS sub-job, a job with a RUNNING sub-job whose
  // lease we hold, and one WAITING sub-job of a type nobody claims here.
  const done = await create(c, 'createDesktops', 1);
  const [s1] = await claim(c, { max: 1, jobTypes: ['createDesktops'] });
  await finish(c, s1, 'SUCCESS');
  const run = await create(c, 'deleteDesktops', 1);
  const [s2] = await claim(c, { max: 1, jobTypes: ['deleteDesktops'] });
  const wait = await create(c, 'desktopToImage', 1);
  Object.assign(fx, { J: done.job_id, S: done.sub_job_ids[0], RJ: run.job_id, RS: s2.id, lease: s2.lease_id,
    WS: wait.sub_job_ids[0] });
});

after(async () => {
  await shutdown(srv);
});

// ---- expectations -----------------------------------------------------------

const wks = (status, code, msg, detail) => ({ status, code, msg, detail });
const INVALID = (detail) => wks(400, 'WKS.00211102', MSG.invalid, detail);
const EMPTY = wks(400, 'WKS.0001', MSG.empty);
const MEDIA = wks(415, 'WKS.00000415', MSG.media);
const NOTFOUND = wks(404, 'WKS.0202', MSG.notFound);
const CONFLICT = wks(409, 'WKS.00211103', MSG.conflict);
const METHOD = (allow) => ({ ...wks(405, 'WKS.00000405', MSG.method), allow });
const gw = (status, code, msg, exact = true) => ({ status, code, msg, gw: true, exact });
const NOROUTE = gw(404, 'APIGW.0101', MSG.noRoute);
const TOOLARGE = gw(413, 'APIGW.0201', MSG.tooLarge);
const URILARGE = gw(414, 'APIGW.0201', 'Request URI too large.');
const HDRLARGE = gw(494, 'APIGW.0201', 'Request headers too large.');
const SIGFAIL = gw(401, 'APIGW.0301', `${MSG.iam}: verify aksk signature fail`, false);
const AUTH = (reason) => gw(401, 'APIGW.0301', reason ? `${MSG.iam}: ${reason}` : MSG.iam, !!reason);
const SCOPE = gw(403, 'APIGW.0306', MSG.denied);
const OK = (status = 200) => ({ status });

// ---- the table ----------------------------------------------------------------

const cases = [];
// req: { to: 'pub'|'int', method, path (fn of fixtures), query, headers, body,
//        ct (Content-Type; null = none), sign: 'sdk'|'bytes'|'none',
//        key: 'auth' to use kAuth, mutate(parts) after signing, chunked }
const add = (name, req, expect) => cases.push({ name, req, expect });

const LIST = () => `/v2/${P}/workspace-sub-jobs`;
const DEL = () => `/v2/${P}/workspace-sub-jobs/batch-delete`;
const SHOW = (j) => `/v2/${P}/workspace-jobs/${j}`;
const ACT = (j) => `/v2/${P}/workspace-jobs/${j}/actions`;
const CREATE = () => `/v1/internal/${P}/jobs`;
const CLAIM = '/v1/internal/sub-jobs/claim';
const HB = (id) => `/v1/internal/sub-jobs/${id}/heartbeat`;
const FIN = (id) => `/v1/internal/sub-jobs/${id}/finish`;

const del = (name, body, expect, extra = {}) => add(`batch-delete: ${name}`,
  { method: 'POST', path: DEL, body, ...extra }, expect);
const retry = (name, body, expect, extra = {}) => add(`retry: ${name}`,
  { method: 'POST', path: () => ACT(hex32()), body, ...extra }, expect);
const createJ = (name, body, expect, extra = {}) => add(`create: ${name}`,
  { to: 'int', method: 'POST', path: CREATE, body, ...extra }, expect);
const claimJ = (name, body, expect) => add(`claim: ${name}`, { to: 'int', method: 'POST', path: () => CLAIM, body }, expect);
const list = (name, query, expect) => add(`list: ${name}`, { method: 'GET', path: LIST, query, sign: 'bytes' }, expect);
const show = (name, id, expect, extra = {}) => add(`show: ${name}`,
  { method: 'GET', path: () => SHOW(typeof id === 'function' ? id() : id), sign: 'bytes', ...extra }, expect);

const J = (o) => JSON.stringify(o);
const ids = (n) => J({ job_ids: Array.from({ length: n }, hex32) });
const deep = (n) => '['.repeat(n) + ']'.repeat(n);

// -- JSON syntax: invalid and truncated -------------------------------------
del('empty body', '', EMPTY);
del('one space', ' ', INVALID());
del('only whitespace and newlines', '\r\n\t \n', INVALID());
del('a lone {', '{', INVALID('not valid JSON'));
del('a lone }', '}', INVALID('not valid JSON'));
del('truncated after the key', '{"job_ids":', INVALID('not valid JSON'));
del('truncated inside the array', '{"job_ids":["a"', INVALID('not valid JSON'));
del('truncated inside a string', '{"delete_by_status":"FAIL', INVALID('not valid JSON'));
del('missing the closing brace', '{"delete_by_status":"FAILED"', INVALID('not valid JSON'));
del('single quotes', "{'delete_by_status':'FAILED'}", INVALID('not valid JSON'));
del('unquoted key', '{delete_by_status:"FAILED"}', INVALID('not valid JSON'));
del('trailing comma in the object', '{"delete_by_status":"FAILED",}', INVALID('not valid JSON'));
del('trailing comma in the array', `{"job_ids":["${'a'.repeat(32)}",]}`, INVALID('not valid JSON'));
del('a comment', '{"delete_by_status":"FAILED"} // c', INVALID('not valid JSON'));
del('garbage after the object', '{"delete_by_status":"FAILED"}x', INVALID('not valid JSON'));
del('two objects', '{"delete_by_status":"FAILED"}{"delete_by_status":"FAILED"}', INVALID('not valid JSON'));
del('a UTF-8 byte-order mark first', '\ufeff{"delete_by_status":"FAILED"}', INVALID('not valid JSON'));
del('NaN', '{"job_ids":[NaN]}', INVALID('not valid JSON'));
del('Infinity', '{"job_ids":[Infinity]}', INVALID('not valid JSON'));
del('a bad escape', '{"delete_by_status":"FAI\\qLED"}', INVALID('not valid JSON'));
del('a short \\u escape', '{"delete_by_status":"\\u00"}', INVALID('not valid JSON'));
del('a raw newline inside a string', '{"delete_by_status":"FAI\nLED"}', INVALID('not valid JSON'));
del('a raw tab inside a string', '{"delete_by_status":"FAI\tLED"}', INVALID('not valid JSON'));
// -- JSON arrays and scalars as bodies -----------------------------------------
del('an empty array', '[]', INVALID('JSON object'));
del('an array of the right object', '[{"delete_by_status":"FAILED"}]', INVALID('JSON object'));
del('a string', '"FAILED"', INVALID());
del('a number', '42', INVALID());
del('true', 'true', INVALID());
del('null', 'null', INVALID());
retry('an array body', '["retry"]', INVALID('JSON object'));
retry('a string body', '"retry"', INVALID());
createJ('an array body', '[{"job_type":"createDesktops","sub_jobs":[{}]}]', INVALID('JSON object'));
claimJ('a number body', '7', INVALID());
// -- wrong types -----------------------------------------------------------------
del('job_ids a string', J({ job_ids: 'abc' }), INVALID('job_ids'));
del('job_ids an object', J({ job_ids: { a: 1 } }), INVALID('job_ids'));
del('job_ids a number', J({ job_ids: 1 }), INVALID('job_ids'));
del('job_ids true', J({ job_ids: true }), INVALID('job_ids'));
del('job_ids [1]', J({ job_ids: [1] }), INVALID('job_ids[0]'));
del('job_ids [null]', J({ job_ids: [null] }), INVALID('job_ids[0]'));
del('job_ids [true]', J({ job_ids: [true] }), INVALID('job_ids[0]'));
del('job_ids [[id]]', J({ job_ids: [[hex32()]] }), INVALID('job_ids[0]'));
del('job_ids [{}]', J({ job_ids: [{}] }), INVALID('job_ids[0]'));
del('a good id then a number', J({ job_ids: [hex32(), 5] }), INVALID('job_ids[1]'));
del('delete_by_status a number', J({ delete_by_status: 1 }), INVALID('delete_by_status'));
del('delete_by_status an array', J({ delete_by_status: ['FAILED'] }), INVALID('delete_by_status'));
del('delete_by_status an object', J({ delete_by_status: { s: 'FAILED' } }), INVALID('delete_by_status'));
del('delete_by_status false', J({ delete_by_status: false }), INVALID('delete_by_status'));
retry('op_type a number', J({ op_type: 1 }), INVALID('op_type'));
retry('op_type an array', J({ op_type: ['retry'] }), INVALID('op_type'));
retry('op_type null', J({ op_type: null }), INVALID('op_type'));
createJ('job_type a number', J({ job_type: 7, sub_jobs: [{}] }), INVALID('job_type'));
createJ('sub_jobs an object', J({ job_type: 'createDesktops', sub_jobs: {} }), INVALID('sub_jobs'));
createJ('sub_jobs [1]', J({ job_type: 'createDesktops', sub_jobs: [1] }), INVALID('sub_jobs[0]'));
createJ('sub_jobs [null]', J({ job_type: 'createDesktops', sub_jobs: [null] }), INVALID('sub_jobs[0]'));
createJ('entities a string', J({ job_type: 'createDesktops', sub_jobs: [{ entities: 'x' }] }),
  INVALID('sub_jobs[0].entities'));
createJ('entities.desktop_id a number', J({ job_type: 'createDesktops', sub_jobs: [{ entities: { desktop_id: 1 } }] }),
  INVALID('sub_jobs[0].entities.desktop_id'));
createJ('desktop_pool_id an object', J({ job_type: 'createDesktops', sub_jobs: [{ desktop_pool_id: {} }] }),
  INVALID('sub_jobs[0].desktop_pool_id'));
claimJ('max a string', J({ worker_id: 'w', max: '1' }), INVALID('max'));
claimJ('max a real', J({ worker_id: 'w', max: 1.5 }), INVALID('max'));
claimJ('max 1e2 (a real in JSON)', '{"worker_id":"w","max":1e2}', INVALID('max'));
claimJ('lease_seconds true', J({ worker_id: 'w', lease_seconds: true }), INVALID('lease_seconds'));
claimJ('worker_id a number', J({ worker_id: 5 }), INVALID('worker_id'));
claimJ('job_types a string', J({ worker_id: 'w', job_types: 'createDesktops' }), INVALID('job_types'));
claimJ('project_ids [1]', J({ worker_id: 'w', project_ids: [1] }), INVALID('project_ids'));
// -- missing and empty members ------------------------------------------------------
del('{}', '{}', INVALID('exactly one of job_ids and delete_by_status'));
del('both selectors', J({ job_ids: [hex32()], delete_by_status: 'FAILED' }), INVALID('exactly one'));
del('both null', J({ job_ids: null, delete_by_status: null }), INVALID('exactly one'));
del('only unknown members', J({ ids: [hex32()] }), INVALID('exactly one'));
retry('{}', '{}', INVALID('op_type is required'));
retry('an empty body', '', EMPTY);
createJ('{}', '{}', INVALID('job_type is required'));
createJ('no sub_jobs', J({ job_type: 'createDesktops' }), INVALID('sub_jobs'));
createJ('an empty body', '', EMPTY);
claimJ('{} (no worker_id)', '{}', INVALID('worker_id is required'));
claimJ('an empty body', '', EMPTY);
add('heartbeat: {} (no lease_id)', { to: 'int', method: 'POST', path: () => HB(fx.RS), body: '{}' },
  INVALID('lease_id is required'));
add('finish: no status', { to: 'int', method: 'POST', path: () => FIN(fx.RS), body: J({ lease_id: 'x' }) },
  INVALID('status is required'));
// -- duplicate keys -----------------------------------------------------------------
del('delete_by_status twice', '{"delete_by_status":"FAILED","delete_by_status":"SUCCESS"}', INVALID('not valid JSON'));
del('job_ids twice', `{"job_ids":["${hex32()}"],"job_ids":["${hex32()}"]}`, INVALID('not valid JSON'));
del('the same value twice', '{"delete_by_status":"FAILED","delete_by_status":"FAILED"}', INVALID('not valid JSON'));
retry('op_type twice', '{"op_type":"retry","op_type":"retry"}', INVALID('not valid JSON'));
createJ('a duplicate inside entities',
  '{"job_type":"createDesktops","sub_jobs":[{"entities":{"user_name":"a","user_name":"b"}}]}', INVALID('not valid JSON'));
claimJ('worker_id twice', '{"worker_id":"a","worker_id":"b"}', INVALID('not valid JSON'));
// -- deep nesting -------------------------------------------------------------------
del('10000 nested arrays', `{"x":${deep(10000)},"delete_by_status":"FAILED"}`, INVALID('not valid JSON'));
del('10000 nested objects', `${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}`, INVALID('not valid JSON'));
del('2100 nested arrays as job_ids', `{"job_ids":${deep(2100)}}`, INVALID('not valid JSON'));
del('50 nested arrays as job_ids', `{"job_ids":${deep(50)}}`, INVALID('job_ids'));
del('an unknown member nested 100 deep (ignored)', `{"x":${deep(100)},"delete_by_status":"FAILED"}`, OK());
createJ('20000 nested arrays in entities', `{"job_type":"createDesktops","sub_jobs":[{"entities":${deep(20000)}}]}`,
  INVALID('not valid JSON'));
createJ('nested objects in entities', J({ job_type: 'createDesktops', sub_jobs: [{ entities: { desktop_id: { a: { b: {} } } } }] }),
  INVALID('sub_jobs[0].entities.desktop_id'));
// -- huge numbers ---------------------------------------------------------------------
del('job_ids [1e999]', '{"job_ids":[1e999]}', INVALID('not valid JSON'));
del('job_ids [a 40-digit integer]', `{"job_ids":[${'9'.repeat(40)}]}`, INVALID('not valid JSON'));
claimJ('max 2^63', '{"worker_id":"w","max":9223372036854775808}', INVALID('not valid JSON'));
claimJ('max 2^63-1', '{"worker_id":"w","max":9223372036854775807}', INVALID('max'));
claimJ('max -2^63', '{"worker_id":"w","max":-9223372036854775808}', INVALID('max'));
claimJ('max 0', J({ worker_id: 'w', max: 0 }), INVALID('max'));
claimJ('max 101', J({ worker_id: 'w', max: 101 }), INVALID('max'));
claimJ('lease_seconds 4', J({ worker_id: 'w', lease_seconds: 4 }), INVALID('lease_seconds'));
claimJ('lease_seconds 3601', J({ worker_id: 'w', lease_seconds: 3601 }), INVALID('lease_seconds'));
claimJ('lease_seconds 1e400', '{"worker_id":"w","lease_seconds":1e400}', INVALID('not valid JSON'));
claimJ('max -0 (an integer 0)', '{"worker_id":"w","max":-0}', INVALID('max'));
claimJ('a valid claim of a type nobody has', J({ worker_id: 'w', max: 100, lease_seconds: 3600,
  job_types: ['noSuchType'] }), OK());
add('heartbeat: process 101', { to: 'int', method: 'POST', path: () => HB(fx.RS),
  body: () => J({ lease_id: fx.lease, process: 101 }) }, INVALID('process'));
add('heartbeat: process -1', { to: 'int', method: 'POST', path: () => HB(fx.RS),
  body: () => J({ lease_id: fx.lease, process: -1 }) }, INVALID('process'));
add('heartbeat: process 1e10', { to: 'int', method: 'POST', path: () => HB(fx.RS),
  body: () => `{"lease_id":"${fx.lease}","process":1e10}` }, INVALID('process'));
// -- NUL bytes --------------------------------------------------------------------------
del('an escaped NUL in delete_by_status', '{"delete_by_status":"FAILED\\u0000"}', INVALID('not valid JSON'));
del('an escaped NUL in an id', `{"job_ids":["${'a'.repeat(8)}\\u0000b"]}`, INVALID('not valid JSON'));
del('a raw NUL inside a string', Buffer.from('{"delete_by_status":"FAI\0LED"}', 'latin1'), INVALID('not valid JSON'));
del('a raw NUL after the object', Buffer.from('{"delete_by_status":"FAILED"}\0', 'latin1'), INVALID('not valid JSON'));
del('a raw NUL first', Buffer.from('\0{"delete_by_status":"FAILED"}', 'latin1'), INVALID('not valid JSON'));
retry('an escaped NUL in op_type', '{"op_type":"retry\\u0000"}', INVALID('not valid JSON'));
createJ('an escaped NUL in job_type', '{"job_type":"create\\u0000Desktops","sub_jobs":[{}]}', INVALID('not valid JSON'));
// -- invalid UTF-8 ----------------------------------------------------------------------------
const bytes = (...parts) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
del('a 0xFF byte in an id', bytes('{"job_ids":["a', [0xff], 'b"]}'), INVALID('not valid JSON'));
del('an overlong "/" (C0 AF)', bytes('{"job_ids":["a', [0xc0, 0xaf], 'b"]}'), INVALID('not valid JSON'));
del('a truncated 3-byte sequence', bytes('{"job_ids":["a', [0xe2, 0x82], '"]}'), INVALID('not valid JSON'));
del('an encoded surrogate (ED A0 80)', bytes('{"job_ids":["', [0xed, 0xa0, 0x80], '"]}'), INVALID('not valid JSON'));
del('a code point over U+10FFFF (F4 90 80 80)', bytes('{"job_ids":["', [0xf4, 0x90, 0x80, 0x80], '"]}'), INVALID('not valid JSON'));
del('a lone continuation byte', bytes('{"delete_by_status":"', [0x80], '"}'), INVALID('not valid JSON'));
del('a lone high surrogate escape', '{"job_ids":["\\ud800"]}', INVALID('not valid JSON'));
del('a lone low surrogate escape', '{"job_ids":["\\udc00x"]}', INVALID('not valid JSON'));
del('Latin-1 text', bytes('{"job_ids":["caf', [0xe9], '"]}'), INVALID('not valid JSON'));
del('UTF-16 body', Buffer.from('{"delete_by_status":"FAILED"}', 'utf16le'), INVALID('not valid JSON'));
createJ('invalid UTF-8 in a member name', bytes('{"job_type":"createDesktops","sub_jobs":[{"entities":{"', [0xff], '":"x"}}]}'),
  INVALID('not valid JSON'));
// -- control and unicode characters in IDs --------------------------------------------------
for (const [label, ch] of [['\\u0001', '\u0001'], ['\\u001f', '\u001f'], ['\\u007f (DEL)', '\u007f'], ['\\n', '\n'],
  ['\\r', '\r'], ['\\t', '\t'], ['\\u001b (ESC)', '\u001b']]) {
  del(`${label} in an id`, J({ job_ids: [`ab${ch}cd`] }), INVALID('job_ids[0]'));
}
del('\\u0007 in delete_by_status', J({ delete_by_status: 'FAI\u0007LED' }), INVALID('delete_by_status'));
retry('\\n in op_type', J({ op_type: 'retry\n' }), INVALID('op_type'));
createJ('\\u0001 in job_type', J({ job_type: 'create\u0001', sub_jobs: [{}] }), INVALID('job_type'));
createJ('\\u0000-free but \\u0002 in entities.user_name', J({ job_type: 'createDesktops',
  sub_jobs: [{ entities: { user_name: 'a\u0002' } }] }), INVALID('sub_jobs[0].entities.user_name'));
claimJ('\\u0003 in worker_id', J({ worker_id: 'w\u0003' }), INVALID('worker_id'));
del('U+2028 in an id (text: unknown id, skipped)', J({ job_ids: ['a\u2028b'] }), OK());
del('an emoji id (skipped)', J({ job_ids: ['\u{1F600}'] }), OK());
del('a right-to-left override in an id (skipped)', J({ job_ids: ['\u202Eabc'] }), OK());
del('U+FFFF in an id (skipped)', J({ job_ids: ['\uffff'] }), OK());
del('a zero-width joiner id (skipped)', J({ job_ids: ['\u200d'] }), OK());
del('"RUNNING" as delete_by_status', J({ delete_by_status: 'RUNNING' }), INVALID('delete_by_status'));
del('"WAITING" as delete_by_status', J({ delete_by_status: 'WAITING' }), INVALID('delete_by_status'));
del('"failed" (lower case)', J({ delete_by_status: 'failed' }), INVALID('delete_by_status'));
del('" FAILED" (leading space)', J({ delete_by_status: ' FAILED' }), INVALID('delete_by_status'));
del('"" as delete_by_status', J({ delete_by_status: '' }), INVALID('delete_by_status'));
del('Cyrillic look-alike "FАILED"', J({ delete_by_status: 'F\u0410ILED' }), INVALID('delete_by_status'));
del('delete_by_status of 56 characters', J({ delete_by_status: 'F'.repeat(56) }), INVALID('delete_by_status'));
retry('"RETRY"', J({ op_type: 'RETRY' }), INVALID('op_type'));
retry('"retry " (trailing space)', J({ op_type: 'retry ' }), INVALID('op_type'));
retry('"" as op_type', J({ op_type: '' }), INVALID('op_type'));
retry('"cancel"', J({ op_type: 'cancel' }), INVALID('op_type'));
retry('a 256-character op_type', J({ op_type: 'r'.repeat(256) }), INVALID('op_type'));
// -- 256-character IDs and 11 IDs -----------------------------------------------------------
del('an id of 256 characters', J({ job_ids: ['a'.repeat(256)] }), INVALID('job_ids[0]'));
del('an id of 255 characters (unknown: skipped)', J({ job_ids: ['a'.repeat(255)] }), OK());
del('an id of 256 two-byte characters', J({ job_ids: ['\u00e9'.repeat(256)] }), INVALID('job_ids[0]'));
del('an id of 255 two-byte characters (skipped)', J({ job_ids: ['\u00e9'.repeat(255)] }), OK());
del('an id of 255 four-byte characters (skipped)', J({ job_ids: ['\u{1F600}'.repeat(255)] }), OK());
del('an id of 10000 characters', J({ job_ids: ['a'.repeat(10000)] }), INVALID('job_ids[0]'));
del('an empty id', J({ job_ids: [''] }), INVALID('job_ids[0]'));
del('11 ids', ids(11), INVALID('job_ids must have 1..10 items'));
del('11 copies of one id', J({ job_ids: Array(11).fill(hex32()) }), INVALID('1..10'));
del('1000 ids', ids(1000), INVALID('1..10'));
del('10 ids (unknown: skipped)', ids(10), OK());
del('job_ids []', J({ job_ids: [] }), INVALID('1..10'));
del('a job id where sub-job ids go', () => J({ job_ids: [fx.J] }), INVALID(() => fx.J));
del('a WAITING sub-job', () => J({ job_ids: [fx.WS] }), INVALID(() => fx.WS));
createJ('job_type of 56 characters', J({ job_type: 'c'.repeat(56), sub_jobs: [{}] }), INVALID('job_type'));
createJ('sub_jobs []', J({ job_type: 'createDesktops', sub_jobs: [] }), INVALID('sub_jobs'));
createJ('1001 sub_jobs', J({ job_type: 'createDesktops', sub_jobs: Array(1001).fill({}) }), INVALID('sub_jobs'));
createJ('entities.desktop_id of 56 characters', J({ job_type: 'createDesktops',
  sub_jobs: [{ entities: { desktop_id: 'd'.repeat(56) } }] }), INVALID('sub_jobs[0].entities.desktop_id'));
createJ('an unknown entities member', J({ job_type: 'createDesktops', sub_jobs: [{ entities: { owner: 'x' } }] }),
  INVALID('sub_jobs[0].entities.owner'));
createJ('an unknown entities member of 3000 two-byte characters',
  J({ job_type: 'createDesktops', sub_jobs: [{ entities: { ['\u00e9'.repeat(3000)]: 'x' } }] }),
  INVALID('sub_jobs[0].entities.'));
createJ('an unknown entities member of 1000 three-byte characters',
  J({ job_type: 'createDesktops', sub_jobs: [{ entities: { ['\u20ac'.repeat(1000)]: 'x' } }] }),
  INVALID('sub_jobs[0].entities.'));
createJ('attach_user of 256 characters', J({ job_type: 'createDesktops', sub_jobs: [{ attach_user: 'u'.repeat(256) }] }),
  INVALID('sub_jobs[0].attach_user'));
createJ('X-Client-Token with a space', J({ job_type: 'createDesktops', sub_jobs: [{}] }),
  INVALID('X-Client-Token'), { headers: { 'X-Client-Token': 'a b' } });
createJ('X-Client-Token of 65 characters', J({ job_type: 'createDesktops', sub_jobs: [{}] }),
  INVALID('X-Client-Token'), { headers: { 'X-Client-Token': 't'.repeat(65) } });
createJ('X-Client-Token with a tab', J({ job_type: 'createDesktops', sub_jobs: [{}] }),
  INVALID('X-Client-Token'), { headers: { 'X-Client-Token': 'a\tb' } });
claimJ('17 job_types', J({ worker_id: 'w', job_types: Array.from({ length: 17 }, (_, i) => `t${i}`) }), INVALID('job_types'));
claimJ('a job_types entry of 256 characters', J({ worker_id: 'w', job_types: ['t'.repeat(256)] }), INVALID('job_types'));
claimJ('a worker_id of 256 characters', J({ worker_id: 'w'.repeat(256) }), INVALID('worker_id'));
add('finish: status RUNNING', { to: 'int', method: 'POST', path: () => FIN(fx.RS),
  body: () => J({ lease_id: fx.lease, status: 'RUNNING' }) }, INVALID('status'));
add('finish: FAILED without error_code', { to: 'int', method: 'POST', path: () => FIN(fx.RS),
  body: () => J({ lease_id: fx.lease, status: 'FAILED' }) }, INVALID('error_code'));
add('finish: SUCCESS with an error_code', { to: 'int', method: 'POST', path: () => FIN(fx.RS),
  body: () => J({ lease_id: fx.lease, status: 'SUCCESS', error_code: 'X' }) }, INVALID('error_code'));
add('finish: error_code of 56 characters', { to: 'int', method: 'POST', path: () => FIN(fx.RS),
  body: () => J({ lease_id: fx.lease, status: 'FAILED', error_code: 'E'.repeat(56) }) }, INVALID('error_code'));
add('finish: another lease id', { to: 'int', method: 'POST', path: () => FIN(fx.RS),
  body: J({ lease_id: hex32(), status: 'SUCCESS' }) }, CONFLICT);
add('heartbeat: another lease id', { to: 'int', method: 'POST', path: () => HB(fx.RS),
  body: J({ lease_id: hex32() }) }, CONFLICT);
add('finish: an unknown sub-job', { to: 'int', method: 'POST', path: () => FIN(hex32()),
  body: J({ lease_id: hex32(), status: 'SUCCESS' }) }, NOTFOUND);
add('heartbeat: a job id in place of a sub-job id', { to: 'int', method: 'POST', path: () => HB(fx.RJ),
  body: () => J({ lease_id: fx.lease }) }, NOTFOUND);
add('heartbeat: a sub-job id of 256 characters', { to: 'int', method: 'POST', path: () => HB('s'.repeat(256)),
  body: J({ lease_id: 'x' }) }, INVALID('path parameter 1'));
// -- path parameters: percent-encoding tricks, %2F, dot segments -----------------------------
show('a job id with %2F', 'abc%2Fdef', NOTFOUND);
show('a job id that is %2F%2F', '%2F%2F', NOTFOUND);
show('".."', '..', NOTFOUND);
show('"."', '.', NOTFOUND);
show('"%2e%2e"', '%2e%2e', NOTFOUND);
show('"%2E%2E%2F%2E%2E"', '%2E%2E%2F%2E%2E', NOTFOUND);
show('a truncated escape "a%2"', 'a%2', NOTFOUND);
show('a bare "%"', '%', NOTFOUND);
show('"%zz"', '%zz', NOTFOUND);
show('"+"', 'a+b', NOTFOUND);
show('"%20"', 'a%20b', NOTFOUND);
show('"%C3%A9" (é)', '%C3%A9', NOTFOUND);
show('an emoji (%F0%9F%98%80)', '%F0%9F%98%80', NOTFOUND);
show('%00 inside', 'abc%00def', INVALID('path parameter 2'));
show('%00 alone', '%00', INVALID('path parameter 2'));
show('%00 at the end of a real job id', () => `${fx.J}%00`, INVALID('path parameter 2'));
show('%01', 'abc%01def', INVALID('path parameter 2'));
show('%0A', 'abc%0Adef', INVALID('path parameter 2'));
show('%7F', 'abc%7F', INVALID('path parameter 2'));
show('%FF', '%FF', INVALID('path parameter 2'));
show('an overlong encoding %C0%AF', '%C0%AF', INVALID('path parameter 2'));
show('an encoded surrogate %ED%A0%80', '%ED%A0%80', INVALID('path parameter 2'));
show('256 characters', 'j'.repeat(256), INVALID('path parameter 2'));
show('255 characters (looked up)', 'j'.repeat(255), NOTFOUND);
show('256 characters percent-encoded', '%41'.repeat(256), INVALID('path parameter 2'));
show('255 characters percent-encoded (looked up)', '%41'.repeat(255), NOTFOUND);
show('2000 characters', 'j'.repeat(2000), INVALID('path parameter 2'));
show('a sub-job id (not a job id)', () => fx.S, NOTFOUND);
show('a job id in upper case', () => fx.J.toUpperCase(), NOTFOUND);
show('a job id with a trailing space (%20)', () => `${fx.J}%20`, NOTFOUND);
add('show: a trailing slash', { method: 'GET', path: () => `${SHOW(fx.J)}/`, sign: 'bytes' }, NOROUTE);
add('show: ../ to reach another route', { method: 'GET', path: () => `/v2/${P}/workspace-jobs/../workspace-sub-jobs`,
  sign: 'bytes' }, NOROUTE);
add('list: ./ in the path', { method: 'GET', path: () => `/v2/${P}/./workspace-sub-jobs`, sign: 'bytes' }, NOROUTE);
add('list: a double slash', { method: 'GET', path: () => `/v2/${P}//workspace-sub-jobs`, sign: 'bytes' }, NOROUTE);
add('list: %2F in place of a separator', { method: 'GET', path: () => `/v2/${P}%2Fworkspace-sub-jobs`, sign: 'bytes' },
  NOROUTE);
add('list: an encoded route name (%77orkspace)', { method: 'GET', path: () => `/v2/${P}/%77orkspace-sub-jobs`,
  sign: 'bytes' }, NOROUTE);
add('list: a project id with %00', { method: 'GET', path: () => `/v2/${P}%00x/workspace-sub-jobs`, sign: 'bytes',
  headers: {} }, INVALID('path parameter 1'));
add('list: a project id in upper case', { method: 'GET', path: () => `/v2/${P.toUpperCase()}/workspace-sub-jobs`,
  sign: 'bytes' }, SCOPE);
add('list: a project id of 256 characters', { method: 'GET', path: () => `/v2/${'p'.repeat(256)}/workspace-sub-jobs`,
  sign: 'bytes' }, INVALID('path parameter 1'));
add('list: a project id with %2F', { method: 'GET', path: () => `/v2/${P}%2F..%2F${P}/workspace-sub-jobs`,
  sign: 'bytes' }, SCOPE);
add('retry: %2F in the job id', { method: 'POST', path: () => ACT('a%2Fb'), body: J({ op_type: 'retry' }) }, NOTFOUND);
add('retry: a job id with %00', { method: 'POST', path: () => ACT(`${fx.J}%00`), body: J({ op_type: 'retry' }) },
  INVALID('path parameter 2'));
add('retry: a job that is not FAILED', { method: 'POST', path: () => ACT(fx.J), body: J({ op_type: 'retry' }) },
  INVALID());
// -- query strings ---------------------------------------------------------------------------
list('limit=-1', 'limit=-1', INVALID('limit'));
list('limit=1001', 'limit=1001', INVALID('limit'));
list('limit=abc', 'limit=abc', INVALID('limit'));
list('limit=1e3', 'limit=1e3', INVALID('limit'));
list('limit=0x10', 'limit=0x10', INVALID('limit'));
list('limit= (empty)', 'limit=', INVALID('limit'));
list('limit without =', 'limit', INVALID('limit'));
list('limit=+5', 'limit=%2B5', INVALID('limit'));
list('limit=5%00', 'limit=5%00', INVALID('limit'));
list('limit=%205', 'limit=%205', INVALID('limit'));
list('limit of 30 digits', `limit=${'9'.repeat(30)}`, INVALID('limit'));
list('limit=1.0', 'limit=1.0', INVALID('limit'));
list('offset=10001', 'offset=10001', INVALID('offset'));
list('offset=-0', 'offset=-0', INVALID('offset'));
list('limit=0 (allowed)', 'limit=0', OK());
list('limit=00010 (leading zeros)', 'limit=00010', OK());
list('status=%00', 'status=%00', INVALID('status'));
list('status=FAILED%00RUNNING', 'status=FAILED%00RUNNING', INVALID('status'));
list('status=%FF', 'status=%FF', INVALID('status'));
list('status=%C0%AF', 'status=%C0%AF', INVALID('status'));
list('job_id=%01', 'job_id=%01', INVALID('job_id'));
list('job_type=%1B', 'job_type=%1B', INVALID('job_type'));
list('desktop_pool_id=%7F', 'desktop_pool_id=%7F', INVALID('desktop_pool_id'));
list('job_id of 256 characters', `job_id=${'j'.repeat(256)}`, INVALID('job_id'));
list('job_id of 255 characters', `job_id=${'j'.repeat(255)}`, OK());
list('job_id of 256 two-byte characters', `job_id=${'%C3%A9'.repeat(256)}`, INVALID('job_id'));
list('17 status keys', Array.from({ length: 17 }, () => 'status=FAILED').join('&'), INVALID('status'));
list('16 status keys', Array.from({ length: 16 }, () => 'status=FAILED').join('&'), OK());
list('65 parameters', Array.from({ length: 65 }, (_, i) => `x${i}=1`).join('&'), INVALID('query parameters'));
list('64 parameters', Array.from({ length: 64 }, (_, i) => `x${i}=1`).join('&'), OK());
list('only separators', '&&&&', OK());
list('"=" alone', '=', OK());
list('a bare %', '%', OK());
list('unknown parameters with odd bytes', 'x%FF=%00&%00=1', OK());
list('a %2526 double encoding', 'job_id=%2526', OK());
list('a + in a value', 'job_type=create+Desktops', OK());
list('limit repeated: the last one wins only if valid', 'limit=5&limit=abc', INVALID('limit'));
// -- Content-Type -------------------------------------------------------------------------------
del('no Content-Type', J({ delete_by_status: 'FAILED' }), MEDIA, { ct: null });
del('text/plain', J({ delete_by_status: 'FAILED' }), MEDIA, { ct: 'text/plain' });
del('application/x-www-form-urlencoded', 'delete_by_status=FAILED', MEDIA, { ct: 'application/x-www-form-urlencoded' });
del('application/jsonp', J({ delete_by_status: 'FAILED' }), MEDIA, { ct: 'application/jsonp' });
del('application/json-patch+json', J({ delete_by_status: 'FAILED' }), MEDIA, { ct: 'application/json-patch+json' });
del('multipart/form-data', J({ delete_by_status: 'FAILED' }), MEDIA, { ct: 'multipart/form-data; boundary=x' });
del('an empty Content-Type', J({ delete_by_status: 'FAILED' }), MEDIA, { ct: '' });
del('"json" alone', J({ delete_by_status: 'FAILED' }), MEDIA, { ct: 'json' });
del('text/plain and an empty body (415 first)', '', MEDIA, { ct: 'text/plain' });
del('APPLICATION/JSON (case-insensitive)', J({ delete_by_status: 'FAILED' }), OK(), { ct: 'APPLICATION/JSON' });
del('application/json ; charset=utf-8', J({ delete_by_status: 'FAILED' }), OK(), { ct: 'application/json ; charset=utf-8' });
retry('no Content-Type', J({ op_type: 'retry' }), MEDIA, { ct: null });
createJ('text/json', J({ job_type: 'createDesktops', sub_jobs: [{}] }), MEDIA, { ct: 'text/json' });
claimJ('a valid body', J({ worker_id: 'w', job_types: ['noSuchType'] }), OK());
// -- oversized bodies, URIs and headers ---------------------------------------------------------
del('a body of 65537 bytes', `{"delete_by_status":"FAILED"}${' '.repeat(65537 - 29)}`, TOOLARGE);
del('a body of 1 MiB, chunked', `{"x":"${'y'.repeat(1 << 20)}"}`, TOOLARGE, { chunked: true });
del('Content-Length of 2^63-1', J({ delete_by_status: 'FAILED' }), TOOLARGE,
  { sign: 'none', headers: { 'Content-Length': '9223372036854775807' }, noBody: true });
del('a body of 65536 bytes (the cap)', `{"delete_by_status":"FAILED"}${' '.repeat(65536 - 29)}`, OK());
add('list: a URI of 8193 characters', { method: 'GET', path: LIST, query: () => `x=${'a'.repeat(8193 - 2 - LIST().length - 1)}`,
  sign: 'bytes' }, URILARGE);
add('list: a URI of 8192 characters', { method: 'GET', path: LIST, query: () => `x=${'a'.repeat(8192 - 2 - LIST().length - 1)}`,
  sign: 'bytes' }, OK());
add('list: a URI of 64 KiB, unsigned', { method: 'GET', path: LIST, query: `x=${'a'.repeat(65536)}`, sign: 'none' },
  URILARGE);
add('list: a header value of 40001 bytes', { method: 'GET', path: LIST, sign: 'bytes',
  headers: { 'X-Pad': 'p'.repeat(40001) } }, HDRLARGE);
add('list: headers of 70000 bytes in all', { method: 'GET', path: LIST, sign: 'bytes',
  headers: { 'X-Pad1': 'p'.repeat(35000), 'X-Pad2': 'p'.repeat(35000) } }, HDRLARGE);
add('list: a URI of 8192 characters and 65,000 bytes of headers (both caps at once)', { method: 'GET', path: LIST,
  query: () => `x=${'a'.repeat(8192 - 2 - LIST().length - 1)}`, sign: 'bytes',
  headers: { 'X-Pad1': 'p'.repeat(32000), 'X-Pad2': 'p'.repeat(32000) } }, OK());
add('list: 70 headers', { method: 'GET', path: LIST, sign: 'bytes',
  headers: Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`X-H${i}`, 'v'])) }, HDRLARGE);
add('list: an X-Auth-Token of 40000 bytes', { method: 'GET', path: LIST, sign: 'none',
  headers: { 'X-Auth-Token': 't'.repeat(40000) } }, AUTH('decrypt token fail'));
add('list: a 50-header signed request (under the cap)', { method: 'GET', path: LIST, sign: 'bytes',
  headers: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`X-H${i}`, 'v'])) }, OK());
// -- methods ---------------------------------------------------------------------------------------
add('list: PUT', { method: 'PUT', path: LIST, sign: 'none' }, METHOD('GET'));
add('list: PATCH', { method: 'PATCH', path: LIST, sign: 'none' }, METHOD('GET'));
add('list: OPTIONS', { method: 'OPTIONS', path: LIST, sign: 'none' }, METHOD('GET'));
add('batch-delete: GET', { method: 'GET', path: DEL, sign: 'none' }, METHOD('POST'));
add('claim: DELETE', { to: 'int', method: 'DELETE', path: () => CLAIM, sign: 'none' }, METHOD('POST'));
// -- credentials: stale and future dates, tampered signatures and bodies --------------------------
const authCase = (name, req, expect) => add(`auth: ${name}`, { method: 'GET', path: LIST, sign: 'bytes', key: 'auth',
  ...req }, expect);
authCase('X-Sdk-Date 16 minutes old', { headers: { 'X-Sdk-Date': sdkDate(Date.now() - 16 * 60000) } }, SIGFAIL);
authCase('X-Sdk-Date 16 minutes ahead', { headers: { 'X-Sdk-Date': sdkDate(Date.now() + 16 * 60000) } }, SIGFAIL);
authCase('X-Sdk-Date a year old', { headers: { 'X-Sdk-Date': sdkDate(Date.now() - 365 * 86400000) } }, SIGFAIL);
authCase('X-Sdk-Date in the year 9999', { headers: { 'X-Sdk-Date': '99991231T235959Z' } }, SIGFAIL);
authCase('X-Sdk-Date of the epoch', { headers: { 'X-Sdk-Date': '19700101T000000Z' } }, SIGFAIL);
authCase('X-Sdk-Date malformed (date only)', { headers: { 'X-Sdk-Date': '20250101' } }, SIGFAIL);
authCase('X-Sdk-Date month 13', { headers: { 'X-Sdk-Date': '20251301T000000Z' } }, SIGFAIL);
authCase('X-Sdk-Date ISO with dashes', { headers: { 'X-Sdk-Date': new Date().toISOString() } }, SIGFAIL);
authCase('X-Sdk-Date empty', { headers: { 'X-Sdk-Date': '' } }, SIGFAIL);
authCase('X-Sdk-Date changed after signing', { mutate: (x) => { x.headers['X-Sdk-Date'] = sdkDate(Date.now() - 60000); } },
  SIGFAIL);
authCase('one signature digit flipped', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/Signature=(.)/, (m, d) => `Signature=${d === '0' ? '1' : '0'}`);
} }, SIGFAIL);
authCase('signature truncated', { mutate: (x) => { x.headers.Authorization = x.headers.Authorization.slice(0, -2); } },
  SIGFAIL);
authCase('signature in upper case', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/Signature=(\w+)/, (m, s) => `Signature=${s.toUpperCase()}`);
} }, SIGFAIL);
authCase('signature of 10000 hex digits', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/Signature=\w+/, `Signature=${'ab'.repeat(5000)}`);
} }, AUTH());
authCase('signature not hex', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/Signature=\w+/, `Signature=${'zz'.repeat(32)}`);
} }, AUTH());
authCase('Signature missing', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/, Signature=\w+/, '');
} }, AUTH());
authCase('Access repeated', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/Access=/, `Access=${kAuth.ak}, Access=`);
} }, AUTH());
authCase('SignedHeaders without host', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/host;/, '');
} }, AUTH());
authCase('SignedHeaders without x-sdk-date', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/;x-sdk-date/, '');
} }, AUTH());
authCase('SignedHeaders naming an absent header', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/SignedHeaders=/, 'SignedHeaders=a-missing-header;');
} }, AUTH());
authCase('a signed header dropped', { headers: { 'X-Extra': '1' }, mutate: (x) => { delete x.headers['X-Extra']; } },
  AUTH());
authCase('the Host header changed', { mutate: (x) => { x.headers.Host = 'evil.example:80'; } }, SIGFAIL);
authCase('an unsigned query added', { mutate: (x) => { x.query = 'limit=1'; } }, SIGFAIL);
authCase('a signed query changed', { query: 'limit=1', mutate: (x) => { x.query = 'limit=2'; } }, SIGFAIL);
authCase('the method changed (GET signed, sent as POST)', { mutate: (x) => {
  x.method = 'POST';
  x.path = DEL();
} }, SIGFAIL);
authCase('Authorization of 30000 bytes', { mutate: (x) => { x.headers.Authorization += `, X=${'a'.repeat(30000)}`; } },
  AUTH());
authCase('an unknown access key', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/Access=\w+/, 'Access=NOSUCHKEY0000000000');
} }, AUTH('Get secretKey failed'));
authCase('an access key of 200 characters', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace(/Access=\w+/, `Access=${'A'.repeat(200)}`);
} }, AUTH());
authCase('algorithm SDK-HMAC-MD5', { mutate: (x) => {
  x.headers.Authorization = x.headers.Authorization.replace('SDK-HMAC-SHA256', 'SDK-HMAC-MD5');
} }, AUTH());
authCase('Authorization "SDK-HMAC-SHA256" alone', { mutate: (x) => { x.headers.Authorization = 'SDK-HMAC-SHA256'; } },
  AUTH());
authCase('Authorization "Basic YTpi"', { mutate: (x) => { x.headers.Authorization = 'Basic YTpi'; } }, AUTH());
authCase('Authorization empty', { mutate: (x) => { x.headers.Authorization = ''; } }, AUTH());
authCase('both X-Auth-Token and Authorization', { mutate: (x) => { x.headers['X-Auth-Token'] = 'MIIE'; } }, AUTH());
authCase('X-Auth-Token garbage', { sign: 'none', headers: { 'X-Auth-Token': 'garbage' } }, AUTH('decrypt token fail'));
authCase('no credentials at all', { sign: 'none' }, AUTH('x-auth-token not found'));
authCase('X-Project-Id of another project', { headers: { 'X-Project-Id': 'f'.repeat(32) } }, SCOPE);
const tamperBody = (name, mutate, expect = SIGFAIL) => add(`auth: ${name}`, { method: 'POST', path: DEL, key: 'auth',
  body: J({ job_ids: ['a'.repeat(32)] }), mutate }, expect);
tamperBody('the body changed after signing (same length)', (x) => { x.body = J({ job_ids: ['b'.repeat(32)] }); });
tamperBody('the body cut short after signing', (x) => { x.body = x.body.slice(0, 10); });
tamperBody('a byte appended to the body', (x) => { x.body = `${x.body} `; });
tamperBody('X-Sdk-Content-Sha256 not matching the body', (x) => {
  x.headers['X-Sdk-Content-Sha256'] = 'f'.repeat(64);
});
// An empty body with X-Sdk-Content-Sha256 verifies
// either way; the request is then simply empty.
tamperBody('the body dropped after signing', (x) => { x.body = ''; }, EMPTY);
add('auth: the SDK signer and byteSign agree (control)', { method: 'GET', path: LIST, query: 'limit=1&status=FAILED',
  sign: 'sdk', key: 'auth' }, OK());
add('auth: a byteSign request with raw odd bytes is accepted (control)', { method: 'GET', path: LIST,
  query: 'x%FF=%00&job_type=a+b', sign: 'bytes', key: 'auth' }, OK());

// ---- runner -----------------------------------------------------------------------------------------

function resolveReq(c) {
  const q = { ...c.req };
  for (const k of ['path', 'body', 'query']) if (typeof q[k] === 'function') q[k] = q[k]();
  return q;
}

async function exec(c) {
  const q = resolveReq(c);
  const base = q.to === 'int' ? srv.internalUrl : srv.publicUrl;
  const method = q.method;
  const k = q.key === 'auth' ? kAuth : creds;
  const headers = { ...(q.headers ?? {}) };
  const isPost = method.toUpperCase() === 'POST';
  if (q.ct !== undefined) {
    if (q.ct !== null) headers['Content-Type'] = q.ct;
  } else if (isPost) headers['Content-Type'] = 'application/json';
  if (q.to !== 'int' && q.sign !== 'none' && headers['X-Project-Id'] === undefined &&
      !(q.path ?? '').includes('%00')) headers['X-Project-Id'] = P;
  const sign = q.sign ?? (q.query ? 'bytes' : 'sdk');
  let signed = headers;
  const body = q.noBody ? undefined : q.body;
  if (sign === 'sdk') {
    signed = signHeaders(base, { method, path: q.path, headers, body,
      queryParams: Object.fromEntries(new URLSearchParams(q.query ?? '')), creds: k });
  } else if (sign === 'bytes') {
    signed = byteSign(base, { method, path: q.path, query: q.query ?? '', headers, body, creds: k });
  }
  const parts = { method, path: q.path, query: q.query ?? '', headers: { ...signed }, body };
  if (q.mutate) q.mutate(parts);
  return send(base, { ...parts, chunked: q.chunked });
}

function check(c, r) {
  const e = c.expect;
  const where = `${c.name}: ${r.status} ${r.text.slice(0, 300)}`;
  assert.ok(r.status < 500, `5xx: ${where}`);
  assert.equal(r.status, e.status, where);
  assert.ok(r.headers['x-request-id'], `no X-Request-Id: ${where}`);
  assert.ok(r.utf8, `body is not valid UTF-8: ${where}`);
  if (e.code === undefined) return;
  assert.ok(r.json && typeof r.json === 'object', `body is not a JSON object: ${where}`);
  assert.match(r.headers['content-type'] ?? '', /^application\/json/, where);
  assert.equal(r.json.error_code, e.code, where);
  if (e.exact === false) assert.ok(r.json.error_msg.startsWith(e.msg), where);
  else assert.equal(r.json.error_msg, e.msg, where);
  assert.ok(r.json.error_msg.length <= 1000, where);
  if (e.gw) {
    assert.equal(r.json.request_id, r.headers['x-request-id'], `request_id differs: ${where}`);
    assert.equal(r.json.error_detail, undefined, where);
  } else {
    assert.equal(r.json.request_id, undefined, where);
    if (r.json.error_detail !== undefined) {
      assert.equal(typeof r.json.error_detail, 'string', where);
      assert.ok([...r.json.error_detail].length <= 1000, `error_detail over 1000 characters: ${where}`);
    }
  }
  assert.equal(r.json.encoded_authorization_message, undefined, where);
  if (e.allow) assert.equal(r.headers.allow, e.allow, where);
  const d = typeof e.detail === 'function' ? e.detail() : e.detail;
  if (d !== undefined) {
    assert.equal(typeof r.json.error_detail, 'string', `no error_detail: ${where}`);
    assert.ok(r.json.error_detail.includes(d), `error_detail does not name ${JSON.stringify(d)}: ${where}`);
  }
  for (const [k2, v] of Object.entries(r.json)) assert.equal(typeof v, 'string', `member ${k2}: ${where}`);
}

// After a 401 with the dedicated key, one good request keeps it from
// locking (5 consecutive failures lock an AK: docs/API.md#authentication).
async function resetLock() {
  const h = byteSign(srv.publicUrl, { method: 'GET', path: LIST(), headers: { 'X-Project-Id': P }, creds: kAuth });
  const r = await send(srv.publicUrl, { method: 'GET', path: LIST(), headers: h });
  assert.equal(r.status, 200, `the auth key no longer works: ${r.text}`);
}

// ---- raw sockets: malformed HTTP ------------------------------------------------------------------

const CRLF = '\r\n';
const CC = `Connection: close${CRLF}`;
const rawCases = [
  // [name, bytes (fn), expected status; null = connection closed without a reply]
  ['a request line of garbage', () => `GARBAGE${CRLF}${CRLF}`, null],
  ['a header line without a colon', () => `GET ${LIST()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}Bad header${CRLF}${CRLF}`, 400],
  ['Content-Length not a number', () => `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}Content-Length: abc${CRLF}${CRLF}`, 400],
  // libmicrohttpd 0.9.75 answers these two itself (before any callback),
  // with its status line written twice; the connection is then closed.
  ['Content-Length of 10^30', () => `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}Content-Length: 1${'0'.repeat(30)}` +
    `${CRLF}${CRLF}`, 413],
  ['Content-Length negative', () => `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}Content-Length: -5${CRLF}${CRLF}`, 400],
  ['a bad chunk size', () => `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}`, 400],
  ['a NUL in the request line (the URI ends there)', () => `GET /v2/\0/x HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`, 404],
  ['a lower-case method', () => `post ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}Content-Length: 2${CRLF}${CRLF}{}`, 405],
  ['an unknown method', () => `BREW ${LIST()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`, 405],
  ['Content-Length and Transfer-Encoding together', () => `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}` +
    `Content-Length: 2${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}2${CRLF}{}${CRLF}0${CRLF}${CRLF}`, 400],
  ['absolute-form URI to a foreign host', () => `GET http://evil.example${LIST()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`, 404],
  ['asterisk-form OPTIONS *', () => `OPTIONS * HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`, 404],
  ['a control character in the path', () => `GET ${LIST()}\x01 HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`, 404],
  ['a raw UTF-8 job id in the path', () => `GET ${SHOW('caf\xc3\xa9')} HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`, 401],
  ['a raw 0xFF in the path', () => `GET ${SHOW('\xff')} HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`, 401],
  ['HTTP/1.0 without Host', () => `GET ${LIST()} HTTP/1.0${CRLF}${CC}${CRLF}`, 401],
  ['a body shorter than Content-Length, then EOF', () => `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}` +
    `Content-Type: application/json${CRLF}Content-Length: 100${CRLF}${CRLF}{"delete_by`, null, { halfClose: true }],
  ['a URI of 200 KiB (libmicrohttpd answers)', () => `GET /v2/x?${'a'.repeat(200 * 1024)} HTTP/1.1${CRLF}Host: x${CRLF}${CC}${CRLF}`,
    414],
  ['headers of 200 KiB (libmicrohttpd answers)', () => `GET /v2/x HTTP/1.1${CRLF}Host: x${CRLF}${CC}X-Big: ${'a'.repeat(200 * 1024)}` +
    `${CRLF}${CRLF}`, 431],
  ['an obsolete folded header', () => `GET ${LIST()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}X-A: 1${CRLF} folded${CRLF}${CRLF}`, 401],
  ['two Content-Length headers that differ', () => `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}Content-Length: 2${CRLF}` +
    `Content-Length: 5${CRLF}${CRLF}{}`, 400],
];

// ---- the tests ------------------------------------------------------------------------------------

test(`the hostile battery: ${cases.length} signed or unsigned requests, each its documented answer`, async () => {
  assert.ok(cases.length >= 150, `only ${cases.length} cases`);
  const failures = [];
  for (const c of cases) {
    let r;
    try {
      r = await exec(c);
      check(c, r);
    } catch (e) {
      failures.push(`${c.name}: ${e.message.split('\n')[0]}`);
    }
    if (c.req.key === 'auth' && r && r.status === 401) await resetLock();
  }
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n')}`);
  assert.ok(await healthy(srv), 'no /healthz after the battery');
});

test(`malformed HTTP over raw sockets (${rawCases.length} cases): the expected status, never a 5xx`, async () => {
  const failures = [];
  for (const [name, bytes, status, opts = {}] of rawCases) {
    const r = await rawSocket(srv.publicUrl, bytes(), { halfClose: false, ...opts });
    if (r.status !== null && r.status >= 500) failures.push(`${name}: 5xx ${r.status}`);
    else if (r.status !== status) failures.push(`${name}: ${r.status} (expected ${status}) ${r.text.slice(0, 200)}`);
    else if (status === null && !r.closed) failures.push(`${name}: connection left open`);
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.ok(await healthy(srv), 'no /healthz after the raw cases');
});

// The raw case above, many times: with libmicrohttpd's epoll loop the end
// of the stream was missed in 8-19 % of tries (the connection stayed open
// until its timeout), so one try rarely caught it.
test('a partial request then EOF: the server closes the connection, 60 tries out of 60', async () => {
  const bytes = `POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}${CC}` +
    `Content-Type: application/json${CRLF}Content-Length: 100${CRLF}${CRLF}{"delete_by`;
  const open = [];
  for (let round = 0; round < 6; round++) {
    const rs = await Promise.all(Array.from({ length: 10 },
      () => rawSocket(srv.publicUrl, bytes, { timeoutMs: 3000 })));
    rs.forEach((r, i) => { if (!r.closed || r.status !== null) open.push(`try ${round * 10 + i}: ${JSON.stringify(r).slice(0, 120)}`); });
  }
  assert.deepEqual(open, [], `${open.length} of 60 left open (or answered)`);
});

test('an unsupported HTTP version is answered 505 by libmicrohttpd (protocol level) and the server stays up', async () => {
  const r = await rawSocket(srv.publicUrl, `GET ${LIST()} HTTP/2.0${CRLF}${CRLF}`);
  assert.equal(r.status, 505, r.text);
  assert.ok(await healthy(srv));
});

test('a client that sends half a request and stalls does not block others', async () => {
  const u = new URL(srv.publicUrl);
  const net = await import('node:net');
  const socks = [];
  for (let i = 0; i < 20; i++) {
    const s = net.connect({ host: u.hostname, port: Number(u.port) });
    s.on('error', () => {});
    s.write(`POST ${DEL()} HTTP/1.1${CRLF}Host: x${CRLF}Content-Length: 1000${CRLF}${CRLF}{"a`);
    socks.push(s);
  }
  try {
    const t0 = Date.now();
    assert.ok(await healthy(srv));
    const h = byteSign(srv.publicUrl, { method: 'GET', path: LIST(), headers: { 'X-Project-Id': P }, creds });
    const r = await send(srv.publicUrl, { method: 'GET', path: LIST(), headers: h });
    assert.equal(r.status, 200, r.text);
    assert.ok(Date.now() - t0 < 2000, 'stalled clients delayed a request');
  } finally {
    for (const s of socks) s.destroy();
  }
});

test('after everything: /healthz answers and the fixtures are intact', async () => {
  assert.ok(await healthy(srv));
  const c = clients(srv);
  const r = await c.show(fx.J);
  assert.equal(r.status, 200);
  assert.equal(r.body.sub_jobs_total, 1);
  assert.equal(r.body.status, 'SUCCESS');
});
