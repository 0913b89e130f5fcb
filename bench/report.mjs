// report.mjs - the markdown report of one bench/run.sh run.
//   node bench/report.mjs results.jsonl machine.txt > results.md
// Every ratio compares figures of this one run: wksjobs against nginx
// serving the same bytes, the group-committed deletes against the plain
// one-transaction-per-request loop.
import { readFileSync } from 'node:fs';

const [resPath, machinePath] = process.argv.slice(2);
const rows = readFileSync(resPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const machine = machinePath ? readFileSync(machinePath, 'utf8').trim() : '';
const one = (kind) => rows.find((r) => r.kind === kind);
// Rows without an engine are SQLite's (bench/run.sh); bench/run-pg.sh tags its own.
const wrkAll = (scenario, server, conns, engine = 'sqlite') => rows.filter((r) => r.kind === 'wrk' &&
  r.scenario === scenario && r.server === server && r.conns === conns &&
  (r.engine ?? 'sqlite') === engine).map((r) => r.result);
const wrk = (...a) => wrkAll(...a)[0];
const median = (xs) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
const bytes = (scenario) => rows.find((r) => r.kind === 'response' && r.scenario === scenario)?.bytes;
const pgRow = (kind) => rows.find((r) => r.kind === kind)?.result;

const f0 = (x) => (x === undefined || x === null || Number.isNaN(x) ? '—' : Math.round(x).toLocaleString('en-US'));
const f1 = (x) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x.toFixed(1));
const f2 = (x) => (x === undefined || x === null || Number.isNaN(x) ? '—' : x.toFixed(2));
const mb = (kb) => (kb / 1024).toFixed(1);
const cpuPerReq = (r, n) => (r && r.cpu_ms !== undefined && n > 0 ? (r.cpu_ms * 1000) / n : undefined);
const valid = (r) => r && r.non2xx === 0 && r.errors === 0 && !(r.recycled > 0);
const flag = (r) => (!r ? '' : [r.non2xx ? `${r.non2xx} non-2xx` : '', r.errors ? `${r.errors} socket errors` : '',
  r.recycled ? `${r.recycled} IDs reused: INVALID` : ''].filter(Boolean).join(', '));

const out = [];
const peaks = rows.filter((r) => r.kind === 'wrk' && r.result.hwm_kb).map((r) => [r.scenario, r.conns, r.result.hwm_kb]);
const peakAll = Math.max(0, ...peaks.map((p) => p[2]), ...rows.filter((r) => r.kind === 'server').map((r) => r.peak_rss_kb));
const peakOf = (pred) => Math.max(0, ...peaks.filter(pred).map((p) => p[2]));
const seed = one('seed');
const srv = one('server');
out.push('# wksjobs benchmark (bench/run.sh)', '');
out.push('```', machine, '```', '');
if (seed) {
  out.push(`Data set: ${f0(seed.subjobs)} sub-jobs in ${f0(seed.jobs)} jobs over ${f0(seed.projects)} projects, ` +
    `seeded in ${seed.seconds} s; ${f0(seed.delete_groups)} groups of 10 deletable IDs.` +
    (srv ? ` Database ${f0(srv.db_bytes / 1048576)} MiB (+ WAL ${f0(srv.wal_bytes / 1048576)} MiB) at the end.` : ''), '');
}

const reads = [
  ['list_big_100', 'ListItaSubJobs limit=100, project of 100,000'],
  ['list_big_100_failed', 'ListItaSubJobs limit=100 status=FAILED, project of 100,000'],
  ['list_big_100_pages', 'ListItaSubJobs limit=100, project of 100,000, 100 different pages (offset 0–99) in turn, each rendered'],
  ['list_big_100_failed_pages', 'ListItaSubJobs limit=100 status=FAILED, project of 100,000, 100 different pages (offset 0–99) in turn'],
  ['list_small_100', 'ListItaSubJobs limit=100, project of ~700'],
  ['list_small_100_failed', 'ListItaSubJobs limit=100 status=FAILED, project of ~700'],
  ['list_big_1000', 'ListItaSubJobs limit=1000, project of 100,000'],
  ['list_huge_100', 'ListItaSubJobs limit=100, project of 200,000'],
  ['list_huge_100_failed', 'ListItaSubJobs limit=100 status=FAILED, project of 200,000'],
  ['list_huge_100_pages', 'ListItaSubJobs limit=100, project of 200,000, 100 different pages (offset 0–99) in turn'],
  ['list_huge_400_pages', 'ListItaSubJobs limit=100, project of 200,000, 400 different pages in turn (offsets 0–9,900 by 100 × no filter / SUCCESS / FAILED / WAITING)'],
  ['show_job', 'ShowJob, 10 sub-jobs'],
];
out.push('## Reads: wksjobs against nginx serving the same bytes', '');
out.push('| Request | Conns | Bytes | wksjobs req/s | p50 ms | p99 ms | nginx req/s | nginx p50 | nginx p99 | Ratio | Server CPU µs/req | Server peak RSS MiB (this run) | Notes |');
out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
for (const [name, label] of reads) {
  for (const c of [32, 256]) {
    const w = wrk(name, 'wksjobs', c);
    const n = wrk(name, 'nginx', c);
    if (!w) continue;
    out.push(`| ${label} | ${c} | ${f0(bytes(name))} | ${f0(w.rps)} | ${f2(w.p50_ms)} | ${f2(w.p99_ms)} | ` +
      `${f0(n?.rps)} | ${f2(n?.p50_ms)} | ${f2(n?.p99_ms)} | ${n ? f2(w.rps / n.rps) : '—'} | ` +
      `${f0(cpuPerReq(w, w.requests))} | ${w.hwm_kb ? mb(w.hwm_kb) : '—'} | ${[flag(w), flag(n)].filter(Boolean).join('; ')} |`);
  }
}
out.push('');

// The per-request-transaction loop: each server delete run has its own
// loop run just before it, from the same seeded state and on the same
// requests ("conns" names its pair).  Older results (no "conns") had one
// loop before and one after all server runs: the reference was their mean.
const baseRows = rows.filter((r) => r.kind === 'baseline_delete');
const mean = (bs) => bs.length ? {
  rps: bs.reduce((a, b) => a + b.rps, 0) / bs.length,
  p50_ms: bs.reduce((a, b) => a + b.p50_ms, 0) / bs.length,
  p99_ms: Math.max(...bs.map((b) => b.p99_ms)),
  requests: bs.map((b) => b.requests).join(' + '),
  runs: bs.map((b) => f0(b.rps)).join(' and '),
} : undefined;
const paired = baseRows.some((r) => r.conns !== undefined);
const baseOf = (c) => mean(baseRows.filter((r) => !paired || r.conns === c).map((r) => r.result));
const base = baseOf(32);
// The same loop with synchronous = OFF: not durable, the CPU rate of one
// thread doing this SQL (a reference, not a baseline of a target).
const nosync = one('baseline_delete_nosync')?.result;
out.push('## Writes', '');
out.push('| Request | Conns | wksjobs req/s | p50 ms | p99 ms | Ratio to the per-request-transaction loop | nginx empty 200 req/s | Ratio to nginx | Server CPU µs/req | Server peak RSS MiB (this run) | Notes |');
out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
if (base && !paired) {
  out.push(`| Plain C loop: one transaction per 10-ID delete (same disk, same pragmas) | 1 | ${f0(base.rps)} | ` +
    `${f2(base.p50_ms)} | ${f2(base.p99_ms)} | 1.00 | — | — | — | — | mean of ${base.runs} tx/s (before and after); ${base.requests} requests |`);
}
if (nosync) {
  out.push(`| Plain C loop, synchronous = OFF (not durable: no disk wait; what one thread doing this SQL does on this CPU) | 1 | ` +
    `${f0(nosync.rps)} | ${f2(nosync.p50_ms)} | ${f2(nosync.p99_ms)} | ${base ? f2(nosync.rps / base.rps) : '—'} | — | — | — | — | ` +
    `${nosync.requests} requests from the seeded state; reference only |`);
}
for (const c of [32, 256]) {
  const w = wrk('delete_10', 'wksjobs', c);
  const n = wrk('delete_10', 'nginx', c);
  const b = baseOf(c);
  if (paired && b) {
    out.push(`| Plain C loop: one transaction per 10-ID delete (same disk, same pragmas; the pair of the run below) | 1 | ` +
      `${f0(b.rps)} | ${f2(b.p50_ms)} | ${f2(b.p99_ms)} | 1.00 | — | — | — | — | ${b.requests} requests from the seeded state |`);
  }
  if (!w) continue;
  out.push(`| BatchDeleteSubJobs, 10 new IDs each, durable | ${c} | ${f0(w.rps)} | ${f2(w.p50_ms)} | ${f2(w.p99_ms)} | ` +
    `${b ? f2(w.rps / b.rps) : '—'} | ${f0(n?.rps)} | ${n ? f2(w.rps / n.rps) : '—'} | ` +
    `${f0(cpuPerReq(w, w.requests))} | ${w.hwm_kb ? mb(w.hwm_kb) : '—'} | ` +
    `${[flag(w), nosync ? `${f2(w.rps / nosync.rps)} of the loop without fsync` : ''].filter(Boolean).join('; ')} |`);
}
const cf = wrk('claim_finish', 'wksjobs', 8);
const cfn = wrk('claim_finish', 'nginx', 8);
if (cf) {
  out.push(`| Claim → finish cycles (8 workers; 2 signed requests each) | 8 | ${f0(cf.cycles_per_s)} cycles/s ` +
    `(${f0(cf.rps)} req/s) | ${f2(cf.p50_ms)} | ${f2(cf.p99_ms)} | ${base ? f2(cf.cycles_per_s / base.rps) : '—'} | ` +
    `${f0(cfn?.rps)} | ${cfn ? f2(cf.rps / cfn.rps) : '—'} | ${f0(cpuPerReq(cf, cf.requests))} | ` +
    `${cf.hwm_kb ? mb(cf.hwm_kb) : '—'} | ` +
    `${[flag(cf), cf.empty_claims ? `${cf.empty_claims} empty claims` : ''].filter(Boolean).join('; ')} |`);
}
const warm = one('warm');
if (warm) {
  out.push('', `Before the write runs the database file (${mb(warm.db_bytes / 1024)} MiB) was read once into ` +
    'the page cache, for the loop and the server alike' + (warm.cached_before >= 0
    ? `: ${mb(warm.cached_before / 1024)} MiB of it were still cached after the reads.` : '.'));
}
const restores = rows.filter((r) => r.kind === 'restore');
if (restores.length) {
  out.push('', `Each delete run (loop and server) started from the seeded file (${mb(restores[0].db_bytes / 1024)} MiB), ` +
    `written back from a copy in 4 KiB writes and synced before it (${restores.map((r) => r.seconds).join(', ')} s), and sent the same ` +
    'requests in the same order; the claim cycles and delete_by_status ran after the last of them.');
}
const dbs = one('delete_by_status');
if (dbs) {
  out.push('', `delete_by_status SUCCESS on the project of 100,000: HTTP ${dbs.http}, ` +
    `${f0(dbs.before - dbs.after)} sub-jobs deleted in ${f2(dbs.seconds)} s (client-measured, durable)` +
    (dbs.hwm_kb ? `; server peak RSS meanwhile ${mb(dbs.hwm_kb)} MiB.` : '.'));
}
out.push('');
if (srv) {
  out.push('## Server', '', `Idle RSS after start: ${mb(srv.idle_rss_kb)} MiB; peak RSS (VmHWM) of each ` +
    `measurement in the tables above (the high-water mark is reset before each); over the whole run ` +
    `${mb(peakAll)} MiB. Whole run: ${srv.bench_seconds} s.`, '');
}

// ---- PostgreSQL (bench/run-pg.sh), beside SQLite ------------------------
const pgSetup = one('pg_setup');
const pgCl = one('pg_claim');
const pgBaseClaim = pgRow('pg_baseline_claim');
const pgDel = wrk('delete_10', 'wksjobs', 32, 'pg');
const pgBaseDel = pgRow('pg_baseline_delete');
const pgBaseDel1 = pgRow('pg_baseline_delete_1');
const pgLocks = (name) => rows.find((r) => r.kind === 'pg_locks' && r.scenario === name)?.result;
const perUnit = (ms, n) => (ms !== undefined && n > 0 ? (ms * 1000) / n : undefined);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
let pgClaim;
if (pgCl) {
  const n = pgCl.nodes;
  const secs = Math.max(...n.map((x) => x.duration_us)) / 1e6;
  pgClaim = {
    rate: sum(n.map((x) => x.cycles_per_s)), cycles: sum(n.map((x) => x.cycles)),
    p50: Math.max(...n.map((x) => x.p50_ms)), p99: Math.max(...n.map((x) => x.p99_ms)),
    bad: sum(n.map((x) => x.non2xx + x.errors)), empty: sum(n.map((x) => x.empty_claims)),
    secs, cpu: pgCl.cpu_ms, db: pgCl.db_cpu_ms, max: pgCl.max,
  };
}
if (pgSetup) {
  const tot = one('pg_totals');
  out.push('## PostgreSQL, beside SQLite (bench/run-pg.sh)', '');
  out.push(`${pgSetup.settings}. The seeded installation copied in by \`wksjobs admin migrate\` in ` +
    `${pgSetup.copy_seconds} s, then VACUUM (ANALYZE) and CHECKPOINT in ${pgSetup.vacuum_seconds} s; database ` +
    `${f0(pgSetup.db_bytes / 1048576)} MiB` + (tot ? ` (${f0(tot.db_bytes / 1048576)} MiB at the end); phase ${tot.bench_seconds} s.` : '.'), '');
  out.push('CPU per unit counts the wksjobs processes and the PostgreSQL cluster (postmaster, its backends ' +
    'and background processes, live and exited); for a plain loop, the cluster only.', '');
  out.push('| Row | Engine | Rate | p50 ms | p99 ms | Against | Ratio | CPU µs per unit (server + database) | Notes |');
  out.push('|---|---|---:|---:|---:|---|---:|---:|---|');
  const cf8 = wrk('claim_finish', 'wksjobs', 8);
  if (cf8) {
    out.push(`| Claim → finish, 8 workers, claims of 1, one node | SQLite | ${f0(cf8.cycles_per_s)} sub-jobs/s | ` +
      `${f2(cf8.p50_ms)} | ${f2(cf8.p99_ms)} | — | — | ${f0(cpuPerReq(cf8, cf8.cycles))} | ${flag(cf8)} |`);
  }
  if (pgBaseClaim) {
    out.push(`| Plain libpq loop: one transaction per claim (LIMIT 1 FOR UPDATE SKIP LOCKED + UPDATE, counts, audit) and one per finish, 8 connections | PostgreSQL | ` +
      `${f0(pgBaseClaim.rps)} sub-jobs/s | ${f2(pgBaseClaim.p50_ms)} | ${f2(pgBaseClaim.p99_ms)} | — | 1.00 | ` +
      `${f0(perUnit(pgBaseClaim.db_cpu_ms, pgBaseClaim.sub_jobs))} (database) | p50/p99 of a claim + finish; ${pgBaseClaim.retries} retries |`);
  }
  if (pgClaim) {
    out.push(`| Claim → finish, 8 workers over 2 nodes (4 each), claims of ${pgClaim.max} | PostgreSQL | ${f0(pgClaim.rate)} sub-jobs/s | ` +
      `${f2(pgClaim.p50)} | ${f2(pgClaim.p99)} | the loop | ${pgBaseClaim ? f2(pgClaim.rate / pgBaseClaim.rps) : '—'} | ` +
      `${f0(perUnit(pgClaim.cpu + pgClaim.db, pgClaim.cycles))} (${f0(perUnit(pgClaim.cpu, pgClaim.cycles))} + ${f0(perUnit(pgClaim.db, pgClaim.cycles))}) | ` +
      `p50/p99 per request (claim or finish)${pgClaim.cycles === 0 ? '; NO sub-job finished within the run' : ''}${pgClaim.bad ? `; ${pgClaim.bad} errors or non-2xx` : ''}${pgClaim.empty ? `; ${pgClaim.empty} empty claims` : ''} |`);
  }
  for (const [name, label] of [['list_huge_100', 'ListItaSubJobs limit=100, project of 200,000, one page polled, 32 conns'],
    ['list_huge_100_pages', 'same, 100 different pages in turn'],
    ['list_huge_400_pages', 'same, 400 different pages in turn (offsets 0–9,900 by 100 × 4 filters)']]) {
    for (const engine of ['sqlite', 'pg']) {
      const w = wrk(name, 'wksjobs', 32, engine);
      const n = wrk(name, 'nginx', 32, engine);
      if (!w) continue;
      out.push(`| ${label} | ${engine === 'pg' ? 'PostgreSQL' : 'SQLite'} | ${f0(w.rps)} req/s | ${f2(w.p50_ms)} | ${f2(w.p99_ms)} | ` +
        `nginx, same bytes (${f0(n?.rps)} req/s) | ${n ? f2(w.rps / n.rps) : '—'} | ` +
        `${f0(perUnit((w.cpu_ms ?? 0) + (w.db_cpu_ms ?? 0), w.requests))}` +
        `${w.db_cpu_ms !== undefined ? ` (${f0(perUnit(w.cpu_ms, w.requests))} + ${f0(perUnit(w.db_cpu_ms, w.requests))})` : ''} | ${[flag(w), flag(n)].filter(Boolean).join('; ')} |`);
    }
  }
  const sd = wrk('delete_10', 'wksjobs', 32);
  if (sd) {
    out.push(`| BatchDeleteSubJobs, 10 IDs, durable, 32 conns | SQLite | ${f0(sd.rps)} req/s | ${f2(sd.p50_ms)} | ${f2(sd.p99_ms)} | ` +
      `its loop (1 conn) | ${baseOf(32) ? f2(sd.rps / baseOf(32).rps) : '—'} | ${f0(cpuPerReq(sd, sd.requests))} | ${flag(sd)} |`);
  }
  for (const [b, label] of [[pgBaseDel1, '1 connection'], [pgBaseDel, '32 connections']]) {
    if (!b) continue;
    out.push(`| Plain libpq loop: one transaction per 10-ID delete (rows locked and checked, deleted, counts, audit), ${label} | PostgreSQL | ` +
      `${f0(b.rps)} req/s | ${f2(b.p50_ms)} | ${f2(b.p99_ms)} | — | 1.00 | ${f0(perUnit(b.db_cpu_ms, b.requests))} (database) | ` +
      `${b.requests} requests; ${b.retries} retries |`);
  }
  if (pgDel) {
    out.push(`| BatchDeleteSubJobs, 10 IDs, durable, 32 conns | PostgreSQL | ${f0(pgDel.rps)} req/s | ${f2(pgDel.p50_ms)} | ${f2(pgDel.p99_ms)} | ` +
      `the loop on 32 (on 1) | ${pgBaseDel ? f2(pgDel.rps / pgBaseDel.rps) : '—'} (${pgBaseDel1 ? f2(pgDel.rps / pgBaseDel1.rps) : '—'}) | ` +
      `${f0(perUnit(pgDel.cpu_ms + pgDel.db_cpu_ms, pgDel.requests))} (${f0(perUnit(pgDel.cpu_ms, pgDel.requests))} + ${f0(perUnit(pgDel.db_cpu_ms, pgDel.requests))}) | ${flag(pgDel)} |`);
  }
  out.push('');
  const lk = [['baseline_claim', 'plain loop, claim → finish'], ['claim_finish', 'wksjobs, claim → finish']]
    .map(([k, label]) => [label, pgLocks(k)]).filter(([, l]) => l);
  if (lk.length) {
    out.push('### Lock waits during claim → finish', '',
      `Sampled every ${lk[0][1].interval_ms} ms from \`pg_stat_activity\` (sessions of the measured side, \`wait_event_type = 'Lock'\`) ` +
      'and `pg_locks` (the table of the row waited for: the tuple lock the waiter holds or waits for; without one, the start of the waiting statement).', '');
    out.push('| Side | Samples | Samples with a lock wait | Lock waiters per sample | Active sessions per sample | Lock waits by kind (session-samples) | Other waits (session-samples) |');
    out.push('|---|---:|---:|---:|---:|---|---|');
    for (const [label, l] of lk) {
      const kinds = Object.entries(l.locks).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join('; ');
      const waits = Object.entries(l.waits).filter(([k]) => !k.startsWith('Lock:')).sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k}: ${n}`).join('; ');
      out.push(`| ${label} | ${l.samples} | ${l.samples_waiting} (${f0((100 * l.samples_waiting) / l.samples)} %) | ` +
        `${f2(l.lock_waiters / l.samples)} | ${f2(l.active / l.samples)} | ${kinds || 'none'} | ${waits || 'none'} |`);
    }
    out.push('');
  }
}

// Offsets: the server's CPU per request (with the database's on
// PostgreSQL) for 64 different pages from offset 9,900 against 64 from 0;
// the rounds of the two alternate (bench/lib.sh), and each side counts by
// its medians.
const offsetRows = (engine) => {
  const res = [];
  const cpu = (w) => perUnit((w.cpu_ms ?? 0) + (w.db_cpu_ms ?? 0), w.requests);
  const side = (ws) => ({
    rps: median(ws.map((w) => w.rps)), cpu: median(ws.map(cpu)),
    lo: Math.min(...ws.map(cpu)), hi: Math.max(...ws.map(cpu)), n: ws.length,
    non2xx: ws.reduce((m, w) => m + (w.non2xx ?? 0), 0), errors: ws.reduce((m, w) => m + (w.errors ?? 0), 0),
  });
  for (const f of ['all', 'SUCCESS', 'FAILED', 'WAITING']) {
    for (const lim of [100, 1000]) {
      const as = wrkAll(`offset_${f}_${lim}_0`, 'wksjobs', 8, engine);
      const bs = wrkAll(`offset_${f}_${lim}_9900`, 'wksjobs', 8, engine);
      if (!as.length || !bs.length) continue;
      const a = side(as);
      const b = side(bs);
      res.push({ f, lim, a, b, ca: a.cpu, cb: b.cpu, ok: valid(a) && valid(b) });
    }
  }
  return res;
};
for (const engine of ['sqlite', 'pg']) {
  const rs = offsetRows(engine);
  if (!rs.length) continue;
  out.push(`## Deep pages on ${engine === 'pg' ? 'PostgreSQL' : 'SQLite'}: offset 9,900 against offset 0`, '');
  out.push('Project of 200,000 sub-jobs; 64 different pages from each offset (more than the memo keeps), 8 connections, ' +
    `the runs of the two offsets alternating (${rs[0].a.n} each; medians, CPU range in brackets). ` +
    `CPU per request is the server's${engine === 'pg' ? ' and the database cluster\'s' : ''}.`, '');
  out.push('| Filter | limit | Offset 0: req/s | CPU µs/req | Offset 9,900: req/s | CPU µs/req | CPU ratio | Notes |');
  out.push('|---|---:|---:|---:|---:|---:|---:|---|');
  const range = (s) => (s.n > 1 ? ` (${f0(s.lo)}–${f0(s.hi)})` : '');
  for (const x of rs) {
    out.push(`| ${x.f === 'all' ? 'none' : `status=${x.f}`} | ${x.lim} | ${f0(x.a.rps)} | ${f0(x.ca)}${range(x.a)} | ` +
      `${f0(x.b.rps)} | ${f0(x.cb)}${range(x.b)} | ${f2(x.cb / x.ca)} | ${[flag(x.a), flag(x.b)].filter(Boolean).join('; ')} |`);
  }
  out.push('');
}

// The performance targets.
const t = [];
for (const engine of ['sqlite', 'pg']) {
  const rs = offsetRows(engine);
  if (!rs.length) continue;
  const worst = rs.reduce((m, x) => (x.cb / x.ca > m.cb / m.ca ? x : m));
  t.push([`${engine === 'pg' ? 'PostgreSQL' : 'SQLite'}: a page at offset 9,900 costs ≤ 1.2× the page at offset 0 (CPU per request; ` +
    'no filter and each status filter, limit 100 and 1000)',
    `worst ${f2(worst.cb / worst.ca)} (${worst.f === 'all' ? 'no filter' : worst.f}, limit ${worst.lim}); ` +
    `${rs.filter((x) => x.cb / x.ca <= 1.2).length} of ${rs.length} rows within`,
    rs.length === 8 && rs.every((x) => x.ok && x.cb / x.ca <= 1.2)]);
}
const ratio32 = (name) => {
  const w = wrk(name, 'wksjobs', 32);
  const n = wrk(name, 'nginx', 32);
  return w && n ? { r: w.rps / n.rps, p99: w.p99_ms, ok: valid(w) } : undefined;
};
for (const name of ['list_big_100', 'list_big_100_failed', 'list_huge_100', 'list_huge_100_failed',
  'list_big_100_pages', 'list_big_100_failed_pages', 'list_huge_100_pages', 'list_huge_400_pages']) {
  const x = ratio32(name);
  if (x) {
    t.push([`${name} @32: ≥ 0.50 of nginx, p99 < 10 ms`, `${f2(x.r)}, p99 ${f2(x.p99)} ms`,
      x.ok && x.r >= 0.5 && x.p99 < 10]);
  }
}
for (const c of [32, 256]) {
  const w = wrk('delete_10', 'wksjobs', c);
  const b = baseOf(c);
  if (w && b) t.push([`BatchDeleteSubJobs @${c}: ≥ 3× the per-request loop`, `${f2(w.rps / b.rps)}×`, valid(w) && w.rps >= 3 * b.rps]);
}
if (dbs) t.push(['delete_by_status of 25,000: < 1 s', `${f2(dbs.seconds)} s for ${f0(dbs.before - dbs.after)}`, dbs.http === 200 && dbs.seconds < 1 && dbs.before - dbs.after >= 25000]);
if (srv) {
  const p100 = peakOf((p) => p[1] === 256 && p[0] !== 'list_big_1000');
  const p1000 = peakOf((p) => p[0] === 'list_big_1000');
  t.push(['Peak RSS < 64 MiB at 256 connections (lists of 100, ShowJob, deletes)', `${mb(p100)} MiB`, p100 > 0 && p100 < 64 * 1024]);
  t.push(['Peak RSS < 64 MiB at 256 connections, limit=1000 (≈0.5 MB answers)', `${mb(p1000)} MiB`, p1000 > 0 && p1000 < 64 * 1024]);
  t.push(['Idle RSS < 16 MiB', `${mb(srv.idle_rss_kb)} MiB`, srv.idle_rss_kb < 16 * 1024]);
}
if (pgClaim && pgBaseClaim) {
  t.push(['PostgreSQL claim → finish, 8 workers over 2 nodes: ≥ 2× the plain loop',
    `${f2(pgClaim.rate / pgBaseClaim.rps)}× (${f0(pgClaim.rate)} against ${f0(pgBaseClaim.rps)} sub-jobs/s)`,
    pgClaim.bad === 0 && pgClaim.rate >= 2 * pgBaseClaim.rps]);
}
for (const name of ['list_huge_100', 'list_huge_100_pages', 'list_huge_400_pages']) {
  const w = wrk(name, 'wksjobs', 32, 'pg');
  const n = wrk(name, 'nginx', 32, 'pg');
  const sw = wrk(name, 'wksjobs', 32);
  const sn = wrk(name, 'nginx', 32);
  if (w && n) {
    const r = w.rps / n.rps;
    const sr = sw && sn ? sw.rps / sn.rps : undefined;
    t.push([`PostgreSQL ${name} @32: the ratio to nginx of SQLite's`, `${f2(r)}${sr !== undefined ? ` (SQLite ${f2(sr)})` : ''}, ` +
      `${f0(perUnit(w.cpu_ms + w.db_cpu_ms, w.requests))} µs CPU/req with the database's`, valid(w) && sr !== undefined && r >= sr]);
  }
}
if (pgDel && pgBaseDel) {
  t.push(['PostgreSQL BatchDeleteSubJobs @32, durable: ≥ 2× the plain loop on as many connections',
    `${f2(pgDel.rps / pgBaseDel.rps)}× (${f0(pgDel.rps)} against ${f0(pgBaseDel.rps)} req/s)`, valid(pgDel) && pgDel.rps >= 2 * pgBaseDel.rps]);
}
if (pgDel && pgBaseDel1) {
  t.push(['PostgreSQL BatchDeleteSubJobs @32, durable: ≥ 2× the plain loop on one connection',
    `${f2(pgDel.rps / pgBaseDel1.rps)}×`, valid(pgDel) && pgDel.rps >= 2 * pgBaseDel1.rps]);
}
const con = one('console');
if (con) {
  out.push('## Web console', '', `First render of the sub-jobs page (navigation start to the first table row, ` +
    `files revalidated from the browser's cache) on the project of ${f0(con.total_count)} sub-jobs, ` +
    `${con.runs.length} loads: median ${f0(con.median_ms)} ms, slowest ${f0(con.max_ms)} ms ` +
    `(${con.runs.join(', ')}); one refresh makes ${con.calls_per_refresh} API call(s).`, '');
  t.push(['Console: first render of the sub-jobs page, 200,000 sub-jobs: < 200 ms (median of the loads)',
    `${f0(con.median_ms)} ms (slowest ${f0(con.max_ms)} ms)`, con.median_ms < 200]);
  t.push(['Console: one API call per refresh of the sub-jobs table', String(con.calls_per_refresh), con.calls_per_refresh === 1]);
}
out.push('## Targets', '', '| Target | Measured | Met |', '|---|---|---|');
for (const [what, got, ok] of t) out.push(`| ${what} | ${got} | ${ok ? 'yes' : '**no**'} |`);
out.push('');
process.stdout.write(out.join('\n'));
