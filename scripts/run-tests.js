#!/usr/bin/env node
// Runs the whole suite on the built tree: the CLI scripts under test/cli, then the
// node:test files (unit, property, then integration), and ends with one summary line.
'use strict';
const { spawnSync } = require('node:child_process');
const { readdirSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
let passed = 0;
let failed = 0;

const scripts = readdirSync(path.join(root, 'test', 'cli'))
  .filter((f) => f.endsWith('.sh') && f !== 'lib.sh')
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

const node = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=tap',
    path.join('dist', 'test', 'unit'),
    path.join('dist', 'test', 'property'),
    path.join('dist', 'test', 'integration'),
  ],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
);
process.stdout.write(node.stdout);
const count = (name) => Number((new RegExp(`^# ${name} (\\d+)$`, 'm').exec(node.stdout) || [])[1] || 0);
passed += count('pass');
failed += count('fail') + count('cancelled');
if (node.status !== 0 && count('fail') === 0) failed += 1;

process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
