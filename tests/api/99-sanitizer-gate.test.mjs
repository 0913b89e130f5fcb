// 99-sanitizer-gate: proof that a sanitizer report fails the suite.  Only
// in the sanitizer build of `make test` (the binary carries ASan) and
// where a C compiler is at hand: a library preloaded into `wksjobs serve`
// plants a leak (or a heap overflow) at start-up, and
// an inner test file that starts such a server, uses it and stops it
// WITHOUT looking at its exit code must still fail - through lib.mjs,
// which fails any test file whose child processes printed a sanitizer
// report.  A clean server passes the same inner file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN } from './lib.mjs';

const asan = (() => {
  try { return readFileSync(BIN).includes('__asan_init'); } catch { return false; }
})();
const cc = spawnSync('cc', ['--version'], { encoding: 'utf8' }).status === 0;
const skip = !asan ? 'not a sanitizer build' : (!cc ? 'no C compiler' : false);

let dir;
before(() => { if (!skip) dir = mkdtempSync(path.join(tmpdir(), 'wksjobs-sangate-')); });
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

// A preload library that misbehaves only inside "wksjobs serve".
function plant(kind) {
  const src = path.join(dir, `${kind}.c`);
  const so = path.join(dir, `lib${kind}.so`);
  writeFileSync(src, `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((constructor)) static void plant(void) {
	char buf[4096] = { 0 }, *volatile p;
	FILE *f = fopen("/proc/self/cmdline", "r");
	size_t n, i;
	if (f == NULL) return;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	for (i = 0; i + 6 <= n; i++)
		if (memcmp(buf + i, "serve", 6) == 0) {
			p = malloc(4242);
			memset(p, 1, ${kind === 'overflow' ? 4243 : 4242});
			${kind === 'leak' ? 'p = NULL;' : 'free(p);'}
			return;
		}
}
`);
  const r = spawnSync('cc', ['-shared', '-fPIC', '-O0', '-o', so, src], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return so;
}

// The inner test file: start a server, one request, stop, ignore the code.
function innerFile() {
  const f = path.join(dir, 'inner.test.mjs');
  const lib = path.join(import.meta.dirname, 'lib.mjs');
  writeFileSync(f, `import { test } from 'node:test';
import { startServer, clients } from ${JSON.stringify(lib)};
test('uses a server and ignores its exit code', async () => {
  const srv = await startServer();
  try { await clients(srv).list(); } catch {}
  await srv.stop();
  srv.cleanup();
});
`);
  return f;
}

function runInner(preload) {
  const env = { ...process.env, WKSJOBS_BIN: BIN,
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=1:verify_asan_link_order=0' };
  if (preload) env.LD_PRELOAD = preload;
  // Run it as a top-level test run, not as a child of this one.
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(process.execPath, ['--test', innerFile()], { encoding: 'utf8', env, timeout: 120000 });
}

test('a clean server passes the inner test file (control)', { skip }, () => {
  const r = runInner(null);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test('a leak reported by LeakSanitizer when the server exits fails the test file', { skip }, () => {
  const r = runInner(plant('leak'));
  assert.notEqual(r.status, 0, 'a leaking server went unnoticed');
  assert.match(r.stdout + r.stderr, /LeakSanitizer/);
});

test('a heap overflow reported by AddressSanitizer fails the test file', { skip }, () => {
  const r = runInner(plant('overflow'));
  assert.notEqual(r.status, 0, 'a heap overflow went unnoticed');
  assert.match(r.stdout + r.stderr, /AddressSanitizer|serve exited|serve not ready/);
});
