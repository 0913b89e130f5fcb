// compare.mjs - every figure of two bench/run.sh runs side by side, for
// "nothing else gets slower": the tree before a change and after it, run
// one after the other on the same machine.
//   node bench/compare.mjs before/results.jsonl after/results.jsonl > compare.md
// A row is a rate (higher is better: requests, sub-jobs or deletes per
// second) or a cost (lower is better: seconds, RSS), with the server's CPU
// per request where the run measured it.
import { readFileSync } from 'node:fs';

const load = (p) => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const [before, after] = process.argv.slice(2).map(load);
if (!before || !after) {
  process.stderr.write('usage: node bench/compare.mjs BEFORE.jsonl AFTER.jsonl\n');
  process.exit(2);
}

const cpuPerReq = (r) => (r.cpu_ms !== undefined && r.requests > 0 ?
  ((r.cpu_ms + (r.db_cpu_ms ?? 0)) * 1000) / r.requests : undefined);

// Every row as [key, label, value, higher is better, CPU µs per request].
function figures(rows) {
  const out = [];
  for (const r of rows) {
    const eng = r.engine === 'pg' ? 'PostgreSQL ' : '';
    const res = r.result ?? {};
    switch (r.kind) {
    case 'wrk':
      out.push([`wrk ${r.engine ?? 'sqlite'} ${r.scenario} ${r.server} ${r.conns}`,
        `${eng}${r.scenario}, ${r.server}, ${r.conns} conns (req/s)`,
        res.cycles_per_s ?? res.rps, true, r.server === 'wksjobs' ? cpuPerReq(res) : undefined]);
      break;
    case 'baseline_delete':
      out.push([`base ${r.conns}`, `plain delete loop, paired with ${r.conns} conns (req/s)`, res.rps, true]);
      break;
    case 'delete_by_status':
      out.push(['dbs', 'delete_by_status of 25,000 (s)', r.seconds, false]);
      break;
    case 'server':
      out.push(['idle', 'idle RSS (MiB)', r.idle_rss_kb / 1024, false]);
      out.push(['peak', 'peak RSS (MiB)', r.peak_rss_kb / 1024, false]);
      break;
    case 'pg_claim': {
      const n = r.nodes ?? r.result?.nodes ?? [];
      out.push(['pg_claim', 'PostgreSQL claim → finish, 8 workers over 2 nodes (sub-jobs/s)',
        n.reduce((a, x) => a + x.cycles_per_s, 0), true]);
      break;
    }
    default:
      if (/^pg_baseline/.test(r.kind) && res.rps !== undefined)
        out.push([r.kind, `PostgreSQL ${r.kind.replace(/_/g, ' ')} (per s)`, res.rps, true]);
    }
  }
  return merged(out);
}

const median = (xs) => {
  const v = xs.filter((x) => x !== undefined).sort((x, y) => x - y);
  if (!v.length) return undefined;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

// Rows measured in several rounds (the offsets' alternating runs): one
// figure each, the medians of its rounds, in the order first seen.
function merged(figs) {
  const by = new Map();
  for (const x of figs) by.set(x[0], [...(by.get(x[0]) ?? []), x]);
  return [...by.values()].map((xs) => [xs[0][0], xs[0][1], median(xs.map((x) => x[2])), xs[0][3],
    median(xs.map((x) => x[4]))]);
}

const f = (x, d = 0) => (x === undefined || Number.isNaN(x) ? '—' : x.toLocaleString('en-US',
  { minimumFractionDigits: d, maximumFractionDigits: d }));
const b = new Map(figures(before).map((x) => [x[0], x]));
const lines = ['| Row | Before | After | After ÷ before | Better? | CPU µs/req before | after |',
  '|---|---:|---:|---:|---|---:|---:|'];
for (const [key, label, v, up, cpu] of figures(after)) {
  const o = b.get(key);
  if (!o) {
    lines.push(`| ${label} | — | ${f(v, v < 100 ? 2 : 0)} | — | new | — | ${f(cpu)} |`);
    continue;
  }
  const r = v / o[2];
  const better = Math.abs(r - 1) < 0.05 ? 'same (±5 %)' : (r > 1) === up ? 'better' : '**worse**';
  lines.push(`| ${label} | ${f(o[2], o[2] < 100 ? 2 : 0)} | ${f(v, v < 100 ? 2 : 0)} | ${f(r, 2)} | ${better} | ` +
    `${f(o[4])} | ${f(cpu)} |`);
}
process.stdout.write(lines.join('\n') + '\n');
