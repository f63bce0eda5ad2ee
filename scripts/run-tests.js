#!/usr/bin/env node
// Runs the whole suite on the built tree: the CLI scripts under test/cli, then the
// node:test files: the module tests (test/<layer>/, beside the layers of src/), then
// the whole-process tests of test/e2e; it ends with one summary line.
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let passed = 0;
let failed = 0;

// The two-host NFS lab needs root and User-mode Linux; .ci/run runs it on its own.
const LAB_SCRIPTS = new Set(['nfs-two-hosts.sh']);
const scripts = readdirSync(path.join(root, 'test', 'cli'))
  .filter((f) => f.endsWith('.sh') && f !== 'lib.sh' && !LAB_SCRIPTS.has(f))
  .sort();
for (const script of scripts) {
  const run = spawnSync('bash', [path.join(root, 'test', 'cli', script)], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(run.stdout);
  const oks = (run.stdout.match(/^ok \d+ /gm) || []).length;
  passed += oks;
  if (run.status !== 0) {
    failed += 1;
    process.stdout.write(`not ok - ${script} exited with ${run.status}\n`);
  }
}

/** Compiled test files under `dir`, depth first, in name order. */
function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) out.push(...testFiles(file));
    else if (name.endsWith('.test.js')) out.push(file);
  }
  return out;
}

const built = path.join(root, 'dist', 'test');
const e2e = path.join(built, 'e2e');
const modules = readdirSync(built)
  .filter((d) => d !== 'e2e' && statSync(path.join(built, d)).isDirectory())
  .sort()
  .flatMap((d) => testFiles(path.join(built, d)));
const node = spawnSync(
  process.execPath,
  ['--test', '--test-reporter=tap', ...[...modules, ...testFiles(e2e)].map((f) => path.relative(root, f))],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
);
process.stdout.write(node.stdout);
const count = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(node.stdout) || [])[1] || 0);
passed += count('pass');
failed += count('fail') + count('cancelled');
if (node.status !== 0 && count('fail') === 0) failed += 1;

process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
