// 15-readme-config: the README's configuration table is exactly what
// `wksjobs serve --config-markdown` prints from the option table that also
// drives parsing, validation and --help, so the two cannot drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './lib.mjs';

test('README configuration table equals serve --config-markdown', () => {
  const r = run(['serve', '--config-markdown']);
  assert.equal(r.status, 0, r.stderr);
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
  const m = readme.match(/<!-- config:serve -->\n([\s\S]*?)<!-- \/config:serve -->/);
  assert.ok(m, 'README has the config:serve markers');
  assert.equal(m[1], r.stdout);
  // every flag row names its environment variable
  for (const line of r.stdout.split('\n').filter((l) => l.startsWith('| `--'))) {
    assert.match(line, /`WKSJOBS_[A-Z0-9_]+`/);
  }
});
