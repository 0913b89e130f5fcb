// paired_report.mjs - the summary of one bench/paired.sh comparison: for
// each side the median and the spread (min-max) of requests/s, server CPU
// per request, write syscalls per request and p99 over its runs; the
// ratio B/A of the medians and of each pair, and whether the two sides'
// spreads overlap; the callgrind instruction counts when there are some.
//
//   node paired_report.mjs paired-NAME.jsonl
import { readFileSync } from "node:fs";

const lines = readFileSync(process.argv[2], "utf8").trim().split("\n")
	.map((l) => JSON.parse(l));
const runs = lines.filter((l) => l.kind === "run");
const cg = lines.filter((l) => l.kind === "callgrind");
const wal = lines.filter((l) => l.kind === "walframes");

const median = (a) => {
	const s = [...a].sort((x, y) => x - y), m = s.length >> 1;
	return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fig = (v, d) => v.toLocaleString("en-US",
	{ minimumFractionDigits: d, maximumFractionDigits: d });
const metrics = {
	rps: { name: "requests/s", d: 0, f: (r) => r.rps, high: true },
	cpu: { name: "server CPU µs/req", d: 1,
		f: (r) => r.cpu_ms * 1000 / r.requests },
	syscw: { name: "write syscalls/req", d: 2,
		f: (r) => r.syscw / r.requests },
	p99: { name: "p99 ms", d: 2, f: (r) => r.p99_ms },
	loop: { name: "the plain loop's requests/s", d: 0,
		f: (r) => r.loop_rps || 0, high: true },
	ratio: { name: "requests/s ÷ the loop's", d: 3,
		f: (r) => r.loop_rps ? r.rps / r.loop_rps : 0, high: true },
};
// CPU and write syscalls per request of each server thread (by name)
// that used any: threads_before/after hold [CPU ticks, write syscalls].
const delta = (r, k, i) => (((r.threads_after || {})[k] || [0, 0])[i] -
	((r.threads_before || {})[k] || [0, 0])[i]) / r.requests;
const names = new Set();
for (const r of runs)
	for (const k of Object.keys(r.result.threads_after || {}))
		if (delta(r.result, k, 0) > 0 || delta(r.result, k, 1) > 0)
			names.add(k);
for (const k of [...names].sort()) {
	metrics["cpu_" + k] = { name: `CPU µs/req, thread ${k}`, d: 1,
		f: (r) => delta(r, k, 0) * 1e6 / r.hz };
	metrics["syscw_" + k] = { name: `write syscalls/req, thread ${k}`,
		d: 2, f: (r) => delta(r, k, 1) };
}
const side = (s) => runs.filter((r) => r.side === s);
const env = (s) => ([...side(s), ...cg.filter((c) => c.side === s)][0] ||
	{}).env || "";
console.log(`A: [${env("A")}]  B: [${env("B")}]  pairs: ${side("A").length}`);
const bad = runs.filter((r) => r.result.recycled > 0 || r.result.non2xx > 0 ||
	r.result.errors > 0);
if (bad.length)
	console.log(`WARNING: ${bad.length} runs with recycled requests, ` +
		"non-2xx answers or socket errors");
if (runs.length)
	console.log("\n| Metric | A median | A min–max | B median | B min–max | " +
	"B/A (medians) | B/A per pair, median (min–max) | Spreads overlap |");
if (runs.length)
	console.log("|---|---:|---:|---:|---:|---:|---:|---|");
for (const m of Object.values(metrics)) {
	const a = side("A").map((r) => m.f(r.result));
	const b = side("B").map((r) => m.f(r.result));
	if (!a.length || !b.length || [...a, ...b].every((x) => x === 0))
		continue;
	const pr = side("A").map((ra) => {
		const rb = side("B").find((x) => x.pair === ra.pair);
		return rb ? m.f(rb.result) / m.f(ra.result) : NaN;
	}).filter((x) => isFinite(x));
	const overlap = Math.min(...b) <= Math.max(...a) &&
		Math.min(...a) <= Math.max(...b);
	console.log(`| ${m.name} | ${fig(median(a), m.d)} | ` +
		`${fig(Math.min(...a), m.d)}–${fig(Math.max(...a), m.d)} | ` +
		`${fig(median(b), m.d)} | ` +
		`${fig(Math.min(...b), m.d)}–${fig(Math.max(...b), m.d)} | ` +
		`${fig(median(b) / median(a), 3)} | ` +
		(pr.length ? `${fig(median(pr), 3)} (${fig(Math.min(...pr), 3)}–` +
		`${fig(Math.max(...pr), 3)})` : "—") +
		` | ${overlap ? "yes" : "no"} |`);
}
// Callgrind: instructions per request of each thread class, per side.
const irOf = (c) => typeof c.ir === "object" ? c.ir : { total: c.ir };
const classes = [...new Set(cg.flatMap((c) => Object.keys(irOf(c))))].sort();
if (cg.length) {
	const c0 = cg[0];
	console.log(`\nCallgrind: instructions per request, ${c0.requests} ` +
		`requests over ${c0.conns} connection(s), ` +
		`${cg.filter((c) => c.side === "A").length} runs per side ` +
		`(answers: ${cg.map((c) => JSON.stringify(c.sent.status)).join(" ")})`);
	console.log("\n| Thread | A median | A min–max | B median | B min–max | B/A |");
	console.log("|---|---:|---:|---:|---:|---:|");
	for (const k of classes) {
		const v = (s) => cg.filter((c) => c.side === s)
			.map((c) => (irOf(c)[k] || 0) / c.requests);
		const a = v("A"), b = v("B");
		if (!a.length || !b.length || [...a, ...b].every((x) => x < 1))
			continue;
		console.log(`| ${k} | ${fig(median(a), 0)} | ` +
			`${fig(Math.min(...a), 0)}–${fig(Math.max(...a), 0)} | ` +
			`${fig(median(b), 0)} | ` +
			`${fig(Math.min(...b), 0)}–${fig(Math.max(...b), 0)} | ` +
			`${fig(median(b) / median(a), 3)} |`);
	}
}
// The WAL frames per request of each side, and of each B-tree.
if (wal.length) {
	const trees = [...new Set(wal.flatMap((w) =>
		Object.keys(w.result.per_request)))];
	console.log("\n| WAL per request | " + wal.map((w) => w.side)
		.join(" | ") + " |");
	console.log("|---|" + wal.map(() => "---:").join("|") + "|");
	console.log("| bytes | " + wal.map((w) =>
		fig(w.result.bytes_per_request, 0)).join(" | ") + " |");
	console.log("| frames | " + wal.map((w) =>
		fig(w.result.frames_per_request, 2)).join(" | ") + " |");
	for (const t of trees)
		console.log(`| frames: ${t} | ` + wal.map((w) =>
			fig(w.result.per_request[t] || 0, 2)).join(" | ") + " |");
}
